// SPDX-License-Identifier: Apache-2.0
#include "core/auth/tokenverdict.h"

#include "core/http/reason.h"

namespace Tokengate {

TokenVerdict judgeToken(const IntrospectionResult &result, qint64 nowSecs) {
    if (!result.active)
        return {false, Reason::TokenInactive, "the IdP says the token is not active"};
    if (result.malformedTimes)
        return {false, Reason::TokenInactive, "the IdP sent an exp or nbf that is not a number"};
    if (result.exp && *result.exp <= nowSecs)
        return {false, Reason::TokenExpired, "the token's exp has passed"};
    if (result.nbf && *result.nbf > nowSecs)
        return {false, Reason::TokenNotYetValid, "the token's nbf is in the future"};
    return {true, Reason::None, ""};
}

} // namespace Tokengate
