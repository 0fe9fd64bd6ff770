// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <memory>

namespace Tokengate::Test {

// An issuer's signing key in a test: mints JWT access tokens the way an IdP would and
// publishes its public half as a JWK. Written apart from the gateway's verification code
// (OpenSSL's signing side), so that a test can catch a mistake in it.
class TestIssuerKey {
public:
    // alg: RS256, PS256, ES256, ES384 or EdDSA (Ed25519); RSA keys have `rsaBits`.
    TestIssuerKey(const char *alg, QString kid, int rsaBits = 2048);
    ~TestIssuerKey();
    TestIssuerKey(TestIssuerKey &&) noexcept;

    // The public JWK, with kid, use "sig" and alg (unless `withAlg` is false).
    QJsonObject publicJwk(bool withAlg = true) const;
    // A JWS over exactly these header and payload objects (the header is as given: pass alg,
    // kid and typ as the test wants them).
    QByteArray sign(const QJsonObject &header, const QJsonObject &payload) const;
    // The usual header: {alg, kid, typ: "at+jwt"}.
    QJsonObject header() const;
    // The public key as PEM (SubjectPublicKeyInfo): what an alg-confusion attack MACs with.
    QByteArray publicPem() const;

    const char *alg() const { return m_alg; }
    const QString &kid() const { return m_kid; }

private:
    struct Key;
    const char *m_alg;
    QString m_kid;
    std::unique_ptr<Key> m_key;
};

// {"keys": [...]} of these JWKs.
QByteArray jwksOf(std::initializer_list<QJsonObject> jwks);

// Claims of a valid access token for `issuer` and `audience`, issued now, valid `lifetime` s.
QJsonObject accessTokenClaims(const QString &issuer, const QString &audience, qint64 nowSecs,
                              qint64 lifetimeSecs = 300);

} // namespace Tokengate::Test
