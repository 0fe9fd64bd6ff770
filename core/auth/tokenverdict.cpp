// SPDX-License-Identifier: Apache-2.0
#include "core/auth/tokenverdict.h"

#include "core/base/reason.h"

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

} // namespace Tokengate
