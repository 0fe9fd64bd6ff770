// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/http/httplimits.h"

#include <QtGlobal>

#include <atomic>
#include <memory>

namespace Tokengate {

class DeadlineSweeper;
class EventHub;
class PeerConnections;
class RequestHandler;

// TLS handshakes that did not finish, all workers together (for /metrics): they are counted
// rather than logged, since any scanner makes them.
struct TlsHandshakeStats {
    std::atomic<quint64> failed{0};   // the client's hello or certificate check failed
    std::atomic<quint64> timedOut{0}; // not done within the header timeout
};

// What every connection of one worker thread shares. Only `openConnections` is touched by
// several threads.
struct WorkerContext {
    int workerId = 0;
    HttpLimits limits;
    DeadlineSweeper *sweeper = nullptr;
    EventHub *events = nullptr;              // may be null
    std::shared_ptr<RequestHandler> handler; // replaced by a reload
    std::atomic<int> *openConnections = nullptr;
    PeerConnections *peers = nullptr; // shared by every worker; null: no per-peer cap
    TlsHandshakeStats *tlsHandshakes = nullptr;
};

} // namespace Tokengate
