// SPDX-License-Identifier: Apache-2.0
#include "core/auth/tokenverdict.h"

#include "core/base/reason.h"

#include <QJsonObject>

namespace Tokengate {

TokenVerdict judgeToken(const IntrospectionResult &result, qint64 nowSecs,
                        const QStringList &requiredScopes) {
    if (!result.active)
        return {false, Reason::TokenInactive, "the IdP says the token is not active"};
    if (result.malformedTimes)
        return {false, Reason::TokenInactive, "the IdP sent an exp or nbf that is not a number"};
    if (result.exp && *result.exp <= nowSecs)
        return {false, Reason::TokenExpired, "the token's exp has passed"};
    if (result.nbf && *result.nbf > nowSecs)
        return {false, Reason::TokenNotYetValid, "the token's nbf is in the future"};
    if (!requiredScopes.isEmpty()) {
        const QStringList granted = result.scope.split(u' ', Qt::SkipEmptyParts);
        for (const QString &scope : requiredScopes) {
            if (!granted.contains(scope))
                return {false, Reason::ScopeInsufficient, "a required scope is missing"};
        }
    }
    return {true, Reason::None, ""};
}

TokenVerdict judgeCertificateBinding(const IntrospectionResult &result,
                                     QByteArrayView certificateSha256) {
    const auto cnf = result.claims.constFind(QLatin1StringView("cnf"));
    if (cnf == result.claims.constEnd() || cnf->isNull())
        return {true, Reason::None, ""};
    const QJsonObject confirmation = cnf->toObject();
    if (!cnf->isObject() || confirmation.isEmpty())
        return {false, Reason::TokenCertificateMismatch, "the token's cnf is not a confirmation"};
    const QJsonValue thumbprint = confirmation.value(QLatin1StringView("x5t#S256"));
    if (thumbprint.isUndefined())
        return {false, Reason::TokenCertificateMismatch,
                "the token is bound (cnf) to a key other than a certificate's"};
    if (certificateSha256.isEmpty())
        return {false, Reason::TokenCertificateMismatch,
                "the token is bound to a client certificate (cnf.x5t#S256); none was shown"};
    const auto decoded = QByteArray::fromBase64Encoding(
        thumbprint.toString().toLatin1(),
        QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!thumbprint.isString() || !decoded || decoded.decoded != certificateSha256)
        return {false, Reason::TokenCertificateMismatch,
                "the token is bound to another client certificate (cnf.x5t#S256)"};
    return {true, Reason::None, ""};
}

} // namespace Tokengate
