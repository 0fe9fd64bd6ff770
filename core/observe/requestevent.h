// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/base/reason.h"
#include "core/observe/cacheoutcome.h"
#include "core/observe/decisionstep.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>

namespace Tokengate {

// What happened to one request, for the access log, metrics and the GUI. A value: it is
// copied across threads, and holds no token or secret.
struct RequestEvent {
    QDateTime start; // UTC
    QString peer;
    QByteArray method;
    QByteArray target;
    int status = 0;               // 0: no response was sent (client gone)
    Reason reason = Reason::None; // None when the upstream answered
    qint64 requestBodyBytes = 0;
    qint64 responseBodyBytes = 0;
    qint64 durationUs = 0;
    qint64 upstreamUs = -1; // -1: no upstream exchange
    qint64 idpUs = -1;      // -1: no introspection call
    int worker = 0;
    QByteArray tokenFingerprint; // 8 hex chars of the token's SHA-256; empty: no token
    QString subject;             // the introspection result's sub
    QString clientId;            // and client_id
    CacheOutcome cache = CacheOutcome::None;
    QByteArray route;          // the matching route's name; empty: none matched
    QByteArray requestId;      // the request id header sent upstream
    QList<DecisionStep> trace; // in pipeline order
    // How a switched connection (a WebSocket) ended: "client", "upstream", "idle_timeout",
    // "gateway", "token_expired", "token_revoked" or "token_evicted"; "open" in the event told
    // while it is (EventHub::tunnelOpened); empty for a plain HTTP exchange. Its bytes are the
    // body counts.
    QByteArray tunnelEnd;
    quint64 tunnelId = 0; // non-zero for a WebSocket: its "open" event and its end share it
};

} // namespace Tokengate

Q_DECLARE_METATYPE(Tokengate::RequestEvent)
