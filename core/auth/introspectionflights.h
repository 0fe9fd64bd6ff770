// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/introspectionclient.h"

#include <QMutex>
#include <QPointer>

#include <array>
#include <memory>
#include <unordered_map>
#include <vector>

namespace Tokengate {

// One request waiting for an introspection answer. It lives in its worker's thread; the answer
// is delivered there (queued through `context` when it lands in another worker).
struct IntrospectionWaiter {
    QPointer<QObject> context; // an object of the waiter's thread that outlives the waiter
    std::function<void(const IntrospectionOutcome &)> deliver;
    // Miss for the request that made the call, Coalesced for the others.
    CacheOutcome label = CacheOutcome::Miss;
    bool cancelled = false; // only touched in the waiter's thread
};

// The introspection calls in the air, shared by every worker, so that concurrent misses for
// one cache key make exactly one IdP call whichever workers they arrive on.
class IntrospectionFlights {
public:
    struct Flight {
        QMutex mutex;
        std::vector<std::shared_ptr<IntrospectionWaiter>> waiters;
    };

    // Adds `waiter` to the flight for `key`; creates it (and sets `*leader`: the caller must
    // make the call and land() it) when none is in the air.
    std::shared_ptr<Flight> join(const QByteArray &key, std::shared_ptr<IntrospectionWaiter> waiter,
                                 bool *leader);
    // Ends the flight: later joins start a new one; every waiter still waiting gets `outcome`.
    void land(const QByteArray &key, const std::shared_ptr<Flight> &flight,
              const IntrospectionOutcome &outcome);

    quint64 coalesced() const { return m_coalesced.load(std::memory_order_relaxed); }

private:
    struct KeyHash {
        size_t operator()(const QByteArray &k) const noexcept;
    };
    struct Shard {
        mutable QMutex mutex;
        std::unordered_map<QByteArray, std::shared_ptr<Flight>, KeyHash> flights;
    };
    Shard &shardFor(const QByteArray &key);

    std::array<Shard, 16> m_shards;
    std::atomic<quint64> m_coalesced{0};
};

} // namespace Tokengate
