// SPDX-License-Identifier: Apache-2.0
#include "core/auth/introspectionflights.h"

#include "core/base/threadhandoff.h"

#include <QThread>

#include <cstring>

namespace Tokengate {

size_t IntrospectionFlights::KeyHash::operator()(const QByteArray &k) const noexcept {
    // Keys are SHA-256 digests: any 8 of their bytes are already a good hash.
    size_t h = 0;
    std::memcpy(&h, k.constData(), std::min<size_t>(sizeof h, size_t(k.size())));
    return h;
}

IntrospectionFlights::Shard &IntrospectionFlights::shardFor(const QByteArray &key) {
    return m_shards[key.isEmpty() ? 0 : static_cast<unsigned char>(key.back()) % m_shards.size()];
}

std::shared_ptr<IntrospectionFlights::Flight>
IntrospectionFlights::join(const QByteArray &key, std::shared_ptr<IntrospectionWaiter> waiter,
                           bool *leader) {
    Shard &shard = shardFor(key);
    QMutexLocker locker(&shard.mutex);
    auto [it, created] = shard.flights.try_emplace(key);
    if (created)
        it->second = std::make_shared<Flight>();
    else
        m_coalesced.fetch_add(1, std::memory_order_relaxed);
    *leader = created;
    waiter->label = created ? CacheOutcome::Miss : CacheOutcome::Coalesced;
    std::shared_ptr<Flight> flight = it->second;
    QMutexLocker flightLocker(&flight->mutex);
    flight->waiters.push_back(std::move(waiter));
    return flight;
}

void IntrospectionFlights::land(const QByteArray &key, const std::shared_ptr<Flight> &flight,
                                const IntrospectionOutcome &outcome) {
    {
        Shard &shard = shardFor(key);
        QMutexLocker locker(&shard.mutex);
        auto it = shard.flights.find(key);
        if (it != shard.flights.end() && it->second == flight)
            shard.flights.erase(it);
    }
    std::vector<std::shared_ptr<IntrospectionWaiter>> waiters;
    {
        QMutexLocker locker(&flight->mutex);
        waiters.swap(flight->waiters);
    }
    // Delivered outside every lock: a waiter's callback may start another lookup.
    for (const auto &w : waiters) {
        QObject *context = w->context.data();
        if (!context)
            continue; // its worker is gone
        IntrospectionOutcome mine = outcome;
        // Stale and shared-tier answers say so to every waiter; the others tell apart the
        // request that asked from those that joined it.
        if (outcome.cache != CacheOutcome::Stale && outcome.cache != CacheOutcome::Redis)
            mine.cache = w->label;
        if (context->thread() == QThread::currentThread()) {
            if (!w->cancelled)
                w->deliver(mine);
        } else {
            ThreadHandoff::sent(w.get());
            QMetaObject::invokeMethod(
                context,
                [w, mine] {
                    ThreadHandoff::received(w.get());
                    if (!w->cancelled)
                        w->deliver(mine);
                },
                Qt::QueuedConnection);
        }
    }
}

} // namespace Tokengate
