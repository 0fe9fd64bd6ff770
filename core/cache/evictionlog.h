// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QMutex>
#include <QString>

#include <atomic>
#include <deque>

namespace Tokengate {

// The manual evictions of a service's caches, in order, numbered by a generation that only
// grows. Outlives any one cache (a reload that rebuilds the cache keeps the log), so what was
// judged under the old cache still hears of evictions made in the new one: an answer fetched
// before an eviction may be stale, and a WebSocket watching its token asks here at each check.
class EvictionLog {
public:
    static constexpr qsizetype Size = 256; // the evictions kept

    quint64 generation() const { return m_generation.load(std::memory_order_acquire); }
    // Empty fingerprint and subject: everything went.
    void record(QByteArray fingerprint, QString subject);
    // Whether an eviction after `generation` (a generation() read before) named the token
    // with `fingerprint` or the subject `subject`, or was of everything. Evictions no longer
    // kept count as a match: they may have named anyone.
    bool evictedSince(quint64 generation, QByteArrayView fingerprint, const QString &subject) const;

private:
    struct Record {
        quint64 generation;
        QByteArray fingerprint;
        QString subject;
    };
    mutable QMutex m_mutex;
    std::deque<Record> m_records;
    // Raised only with m_mutex held and the eviction's record added, so whoever sees a new
    // generation finds its record.
    std::atomic<quint64> m_generation{0};
};

} // namespace Tokengate
