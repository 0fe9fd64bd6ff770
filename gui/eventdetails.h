// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/observe/requestevent.h"

namespace Tokengate {

// The details pane of one request: what it was, who it was for, and the decision trace
// (each pipeline stage and its outcome), as HTML. Holds no token: events carry none.
QString eventDetailsHtml(const RequestEvent &event);

// The colour of a trace step's outcome: green when it went through, grey when there was
// nothing to check, red when the request was refused or forwarded without identity.
QString stepOutcomeColor(StepOutcome outcome);

} // namespace Tokengate
