// SPDX-License-Identifier: Apache-2.0
#include "core/auth/jwtminter.h"

#include "core/auth/jwt.h"

#include <QJsonDocument>

namespace Tokengate {

JwtMinter::JwtMinter(QByteArray secret, int lifetimeSecs)
    : m_secret(std::move(secret))
    , m_lifetimeSecs(lifetimeSecs) {}

QJsonObject JwtMinter::claims(const IntrospectionResult &result, qint64 nowSecs, int lifetimeSecs) {
    QJsonObject claims = result.claims;
    claims.remove(u"exp");
    claims.remove(u"iat");
    qint64 exp = nowSecs + lifetimeSecs;
    if (result.exp && *result.exp < exp)
        exp = *result.exp;
    claims.insert(u"iat", double(nowSecs));
    claims.insert(u"exp", double(exp));
    return claims;
}

QByteArray JwtMinter::mint(const IntrospectionResult &result, qint64 nowSecs) const {
    static const QByteArray header = R"({"alg":"HS256","typ":"JWT"})";
    const QByteArray payload =
        QJsonDocument(claims(result, nowSecs, m_lifetimeSecs)).toJson(QJsonDocument::Compact);
    return Jwt::signHs256(header, payload, m_secret);
}

} // namespace Tokengate
