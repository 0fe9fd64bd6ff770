// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QMutex>

#include <atomic>
#include <span>

namespace Tokengate {

// Token buckets shared by every worker, kept as GCRA's one number per key (the time the
// bucket is full again), so a key costs a few dozen bytes and a check is a lookup.
class RateLimiter {
public:
    // `maxKeys` bounds the table: keys of full buckets are dropped first, then those nearest
    // to full. Times come from a steady clock: a wall clock set back would empty buckets.
    explicit RateLimiter(qsizetype maxKeys = 200'000);

    struct Ask {
        QByteArray key; // what identifies the bucket: route, limit and client
        int limit = 0;
        qint64 periodMs = 0;
    };
    struct Answer {
        bool allowed = true;
        int decisive = -1;       // the ask that refused, or the one with the fewest left
        int remaining = 0;       // requests left now in the decisive bucket
        qint64 resetMs = 0;      // until the decisive bucket is full again
        qint64 retryAfterMs = 0; // when refused: until the request would be allowed
        bool shared = false;     // judged in Redis, for every instance of the gateway
    };
    // Takes one request from every bucket, or from none when any is empty.
    Answer take(std::span<const Ask> asks, qint64 nowMs);
    Answer take(std::initializer_list<Ask> asks, qint64 nowMs) {
        return take(std::span<const Ask>(asks.begin(), asks.size()), nowMs);
    }

    qsizetype size() const;
    quint64 evictions() const { return m_evictions.load(std::memory_order_relaxed); }

private:
    void makeRoom(qint64 nowNs);

    const qsizetype m_maxKeys;
    mutable QMutex m_mutex;
    QHash<QByteArray, qint64> m_fullAtNs; // key -> when its bucket is full again
    std::atomic<quint64> m_evictions{0};
};

} // namespace Tokengate
