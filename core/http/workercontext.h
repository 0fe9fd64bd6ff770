// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/http/httplimits.h"

#include <atomic>
#include <memory>

namespace Tokengate {

class DeadlineSweeper;
class EventHub;
class PeerConnections;
class RequestHandler;

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
};

} // namespace Tokengate
