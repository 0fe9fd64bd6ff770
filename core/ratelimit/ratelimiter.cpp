// SPDX-License-Identifier: Apache-2.0
#include "core/ratelimit/ratelimiter.h"

#include <QMutexLocker>
#include <QVarLengthArray>

#include <algorithm>
#include <vector>

namespace Tokengate {

RateLimiter::RateLimiter(qsizetype maxKeys)
    : m_maxKeys(maxKeys) {}

RateLimiter::Answer RateLimiter::take(std::span<const Ask> asks, qint64 nowMs) {
    // Nanoseconds, and the interval rounded up: a bucket never lets more than its limit
    // through at once (rounding down let 700000/s pass 1,000,000).
    const qint64 nowNs = nowMs * 1'000'000;
    Answer answer;
    QVarLengthArray<qint64, 4> next;
    QMutexLocker lock(&m_mutex);
    for (size_t i = 0; i < asks.size(); ++i) {
        const Ask &a = asks[i];
        const qint64 periodNs = a.periodMs * 1'000'000;
        const qint64 intervalNs = (periodNs + a.limit - 1) / a.limit;
        // What a full bucket holds: exactly `limit` requests at once, also when the interval
        // was rounded up (against the period itself, 3/s would let only 2 through at once).
        const qint64 capacityNs = intervalNs * a.limit;
        const qint64 fullAt = std::max(m_fullAtNs.value(a.key, nowNs), nowNs);
        const qint64 after = fullAt + intervalNs;
        next.append(after);
        if (after - nowNs > capacityNs) {
            // Refused by this bucket: the one to report, the soonest it lets a request in.
            const qint64 retry = after - nowNs - capacityNs;
            if (answer.allowed || retry > answer.retryAfterMs * 1'000'000) {
                answer.allowed = false;
                answer.decisive = int(i);
                answer.remaining = 0;
                answer.resetMs = (fullAt - nowNs + 999'999) / 1'000'000;
                answer.retryAfterMs = (retry + 999'999) / 1'000'000;
            }
            continue;
        }
        const int remaining = int((capacityNs - (after - nowNs)) / intervalNs);
        if (answer.allowed && (answer.decisive < 0 || remaining < answer.remaining)) {
            answer.decisive = int(i);
            answer.remaining = remaining;
            answer.resetMs = (after - nowNs + 999'999) / 1'000'000;
        }
    }
    if (!answer.allowed)
        return answer;
    if (m_fullAtNs.size() + qsizetype(asks.size()) > m_maxKeys)
        makeRoom(nowNs);
    for (size_t i = 0; i < asks.size(); ++i)
        m_fullAtNs.insert(asks[i].key, next[qsizetype(i)]);
    return answer;
}

void RateLimiter::makeRoom(qint64 nowNs) {
    // A full bucket is the same as none: dropping those changes no answer.
    m_fullAtNs.removeIf(
        [nowNs](const QHash<QByteArray, qint64>::iterator it) { return it.value() <= nowNs; });
    const qsizetype target = m_maxKeys * 9 / 10;
    if (m_fullAtNs.size() <= target)
        return;
    // Still full: a flood of keys. The buckets nearest to full go, which hands their keys
    // the least budget back; refusing every new key instead would lock out new clients.
    // One pass each (erase(begin()) in a loop rescans the table from its start).
    std::vector<qint64> times;
    times.reserve(size_t(m_fullAtNs.size()));
    for (auto it = m_fullAtNs.cbegin(); it != m_fullAtNs.cend(); ++it)
        times.push_back(it.value());
    const size_t drop = size_t(m_fullAtNs.size() - target);
    std::nth_element(times.begin(), times.begin() + qsizetype(drop - 1), times.end());
    const qint64 threshold = times[drop - 1];
    qsizetype dropped = 0;
    for (auto it = m_fullAtNs.begin(); it != m_fullAtNs.end() && dropped < qsizetype(drop);) {
        if (it.value() <= threshold) {
            it = m_fullAtNs.erase(it);
            ++dropped;
        } else {
            ++it;
        }
    }
    m_evictions.fetch_add(quint64(dropped), std::memory_order_relaxed);
}

qsizetype RateLimiter::size() const {
    QMutexLocker lock(&m_mutex);
    return m_fullAtNs.size();
}

} // namespace Tokengate
