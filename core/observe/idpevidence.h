// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/base/reason.h"
#include "core/observe/cacheoutcome.h"
#include "core/observe/requestevent.h"

namespace Tokengate {

// What one request says about the IdP. /readyz (IdpHealth), tokengate_idp_errors_total and
// the app's "IdP unreachable" notice all judge the IdP by this, so they never disagree.
enum class IdpEvidence : unsigned char {
    None,     // the request did not need the IdP, or never got to ask it
    Down,     // the IdP could not answer
    Answered, // the IdP answered (whatever it said about the token or our credentials)
};

constexpr IdpEvidence idpEvidence(Reason reason, CacheOutcome cache) {
    const IdpCall call = cacheOutcomeInfo(cache).idpCall;
    // A stale answer let the request in, but only because the IdP had failed it.
    if (isIdpOutage(reason) || call == IdpCall::Failed)
        return IdpEvidence::Down;
    // Our own bounds (a full line of calls) or our shutdown refuse before the IdP is asked.
    const ReasonCategory category = reasonCategory(reason);
    if (call == IdpCall::Answered && category != ReasonCategory::Limits &&
        category != ReasonCategory::Internal)
        return IdpEvidence::Answered;
    return IdpEvidence::None;
}

inline IdpEvidence idpEvidence(const RequestEvent &event) {
    return idpEvidence(event.reason, event.cache);
}

} // namespace Tokengate
