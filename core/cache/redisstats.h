// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QtGlobal>

#include <atomic>

namespace Tokengate {

// What the shared Redis tier did, for /metrics and /readyz. Counters are monotonic; the
// connection counts are gauges. Written by every worker, read without locking.
struct RedisStats {
    std::atomic<quint64> hits{0};     // lookups answered by Redis (active or inactive)
    std::atomic<quint64> misses{0};   // Redis had nothing usable: the IdP was asked
    std::atomic<quint64> errors{0};   // error replies, lost connections, refused writes
    std::atomic<quint64> timeouts{0}; // commands Redis did not answer within timeoutMs
    std::atomic<quint64> skipped{0};  // lookups and writes not sent: Redis down, reconnecting
    std::atomic<quint64> writes{0};   // answers stored
    std::atomic<quint64> evictionsPublished{0};
    std::atomic<quint64> evictionsReceived{0};
    std::atomic<int> connections{0};     // worker connections, one per worker thread
    std::atomic<int> connectionsUp{0};   // of those, connected and logged in
    std::atomic<bool> subscribed{false}; // eviction channel listened to

    // Every worker connection is up and evictions from other instances arrive.
    bool connected() const {
        const int all = connections.load(std::memory_order_relaxed);
        return all > 0 && connectionsUp.load(std::memory_order_relaxed) == all &&
               subscribed.load(std::memory_order_relaxed);
    }
};

} // namespace Tokengate
