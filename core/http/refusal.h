// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/base/reason.h"

#include <QByteArray>
#include <QByteArrayView>

namespace Tokengate {

// The answer to a refused request. The one place a refusal's status, body and challenge are
// chosen: all from the reason's row of ReasonTable.
struct Refusal {
    int status = 0;
    QByteArray body;      // text/plain; charset=utf-8
    QByteArray challenge; // the WWW-Authenticate value; empty: none
};

// `detail`: a more precise text than the table's, for Tagged reasons (which parser check or
// path rule refused it); Verbatim texts are never replaced. `challengeParams` follow the
// reason's challenge (the route's scopes after insufficient_scope).
Refusal refusalFor(Reason reason, QByteArrayView detail = {}, QByteArrayView challengeParams = {});

// The whole HTTP/1.1 response for `reason`, closing the connection: for answering before
// any request is read (a server at its connection limit).
QByteArray refusalBytes(Reason reason);

} // namespace Tokengate
