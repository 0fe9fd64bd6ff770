// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/jwtconfig.h"
#include "core/base/sha256.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <memory>

namespace Tokengate {

// Signs JWTs (RFC 7515 compact JWS) with HS256, RS256 or ES256 by OpenSSL 3 EVP, and
// describes its public key as a JWK so upstreams can verify what the gateway vouches for.
// Immutable after create(): one signer is shared by every worker thread.
class JwtSigner {
public:
    // HS256 takes the secret bytes; RS256/ES256 take a PEM private key (RSA >= 2048 bits /
    // EC P-256). nullptr with `error` set when the key does not fit the algorithm.
    static std::unique_ptr<JwtSigner> create(JwtAlgorithm alg, const QByteArray &keyMaterial,
                                             const QString &keyId, QString *error);
    // The secret for HS256, privateKeyFile for RS256/ES256.
    static std::unique_ptr<JwtSigner> fromConfig(const JwtConfig &config, QString *error);
    ~JwtSigner();
    JwtSigner(const JwtSigner &) = delete;
    JwtSigner &operator=(const JwtSigner &) = delete;

    // Header {alg, typ: "JWT", kid when set}; ES256 signatures in JOSE r||s form, not DER.
    QByteArray sign(const QJsonObject &claims) const;
    // Signs exactly these payload bytes (the header is this signer's).
    QByteArray signPayload(QByteArrayView payloadJson) const;
    JwtAlgorithm algorithm() const { return m_algorithm; }
    QString keyId() const { return m_keyId; }
    // RFC 7517 JWK of the public key (kty, n/e or crv/x/y, alg, use "sig", kid); an empty
    // object for HS256, whose key must never be published.
    QJsonObject publicJwk() const { return m_publicJwk; }

    static QString algorithmName(JwtAlgorithm alg);

private:
    struct Key;
    JwtSigner(JwtAlgorithm alg, QString keyId);

    JwtAlgorithm m_algorithm;
    QString m_keyId;
    QByteArray m_encodedHeader;            // base64url of the header JSON, the same for every JWT
    std::unique_ptr<HmacSha256Key> m_hmac; // HS256
    std::unique_ptr<Key> m_key;            // RS256/ES256
    QJsonObject m_publicJwk;
};

// Why the JWT settings cannot sign (key file unreadable, key not fitting the algorithm);
// empty when they can or when no JWT is configured.
QString jwtConfigProblem(const JwtConfig &config);

// {"keys":[...]}: the public keys of `signers` (HS256 ones are left out), compact JSON.
QByteArray jwksDocument(const QList<const JwtSigner *> &signers);

} // namespace Tokengate
