// SPDX-License-Identifier: Apache-2.0
#include "core/auth/jwtminter.h"

#include "core/auth/jwtsigner.h"

namespace Tokengate {

JwtMinter::JwtMinter(QByteArray secret, int lifetimeSecs)
    : m_lifetimeSecs(lifetimeSecs) {
    // HMAC zero-pads keys to its block size, so "" and "\0" sign alike; the signer refuses
    // an empty secret only to catch configuration mistakes.
    if (secret.isEmpty())
        secret = QByteArray(1, '\0');
    m_signer = JwtSigner::create(JwtAlgorithm::HS256, secret, QString(), nullptr);
}

JwtMinter::JwtMinter(std::shared_ptr<const JwtSigner> signer, int lifetimeSecs,
                     QMap<QString, QString> extraClaims)
    : m_signer(std::move(signer))
    , m_lifetimeSecs(lifetimeSecs)
    , m_extraClaims(std::move(extraClaims)) {}

JwtMinter::~JwtMinter() = default;

QJsonObject JwtMinter::claims(const IntrospectionResult &result, qint64 nowSecs, int lifetimeSecs,
                              const QMap<QString, QString> &extraClaims) {
    QJsonObject claims = result.claims;
    claims.remove(u"exp");
    claims.remove(u"iat");
    for (auto it = extraClaims.constBegin(); it != extraClaims.constEnd(); ++it) {
        const auto value = result.claims.constFind(it.value());
        if (value != result.claims.constEnd())
            claims.insert(it.key(), *value);
    }
    // Our times win over any extra claim named like them: they bound the JWT's validity.
    qint64 exp = nowSecs + lifetimeSecs;
    if (result.exp && *result.exp < exp)
        exp = *result.exp;
    claims.insert(u"iat", double(nowSecs));
    claims.insert(u"exp", double(exp));
    return claims;
}

QByteArray JwtMinter::mint(const IntrospectionResult &result, qint64 nowSecs) const {
    if (!m_signer)
        return {};
    return m_signer->sign(claims(result, nowSecs, m_lifetimeSecs, m_extraClaims));
}

} // namespace Tokengate
