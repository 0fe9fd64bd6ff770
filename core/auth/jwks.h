// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>
#include <vector>

namespace Tokengate {

// The JWS algorithms an access token may be signed with. Symmetric ones (HS*) and "none" are
// not among them: a key the IdP publishes is public, so an HMAC "signed" with it proves nothing.
enum class JwsAlgorithm { RS256, PS256, ES256, ES384, EdDSA };

std::optional<JwsAlgorithm> jwsAlgorithm(QByteArrayView name);

// A value from a token or a JWK Set (a kid, a claim) as logs and traces show it: at most
// `maxChars`, and nothing that could fake a log line or hide text.
QString loggable(QString text, qsizetype maxChars);
const char *jwsAlgorithmName(JwsAlgorithm alg);

// One public key of an issuer's JWK Set (RFC 7517), ready for OpenSSL. Immutable; shared by
// every worker.
class VerificationKey {
public:
    enum class Kind { Rsa, P256, P384, Ed25519 };

    ~VerificationKey();
    VerificationKey(const VerificationKey &) = delete;
    VerificationKey &operator=(const VerificationKey &) = delete;

    const QByteArray &keyId() const { return m_keyId; }
    Kind kind() const { return m_kind; }
    // Whether a token may claim `alg` for this key: the key's type decides (RS256 and PS256 for
    // RSA, ES256 for P-256, ES384 for P-384, EdDSA for Ed25519), and a JWK "alg" narrows it.
    bool accepts(JwsAlgorithm alg) const;
    // Whether `signature` signs `signingInput` (the JWS's "header.payload") under `alg`.
    bool verify(JwsAlgorithm alg, QByteArrayView signingInput, QByteArrayView signature) const;

private:
    friend class JwkSet;
    struct Pkey;
    VerificationKey(QByteArray keyId, Kind kind, std::optional<JwsAlgorithm> alg,
                    std::unique_ptr<Pkey> pkey);

    QByteArray m_keyId;
    Kind m_kind;
    std::optional<JwsAlgorithm> m_alg;
    std::unique_ptr<Pkey> m_pkey;
};

// The signing keys of a JWKS document. Keys for encryption ("use": "enc"), of other types or
// too weak (RSA below 2048 bits) are left out and named in `skipped`.
class JwkSet {
public:
    static constexpr int MaxKeys = 64;

    // nullopt with `error` set when `json` is not a JWK Set or holds no usable signing key.
    static std::optional<JwkSet> parse(QByteArrayView json, QStringList *skipped, QString *error);
    static std::optional<JwkSet> parse(const QJsonObject &document, QStringList *skipped,
                                       QString *error);

    // The key a token's header names: by kid, or without a kid the only key accepting `alg`.
    const VerificationKey *find(QByteArrayView keyId, JwsAlgorithm alg) const;
    bool hasKeyId(QByteArrayView keyId) const;
    qsizetype size() const { return qsizetype(m_keys.size()); }

private:
    std::vector<std::shared_ptr<const VerificationKey>> m_keys;
};

} // namespace Tokengate
