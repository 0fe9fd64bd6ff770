// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/http/httplimits.h"

#include <atomic>

namespace Tokengate {

class DeadlineSweeper;
class EventHub;
class RequestHandler;

// What every connection of one worker thread shares. Only `openConnections` is touched by
// several threads.
struct WorkerContext {
    int workerId = 0;
    HttpLimits limits;
    DeadlineSweeper *sweeper = nullptr;
    EventHub *events = nullptr; // may be null
    RequestHandler *handler = nullptr;
    std::atomic<int> *openConnections = nullptr;
};

} // namespace Tokengate
