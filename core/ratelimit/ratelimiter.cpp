// SPDX-License-Identifier: Apache-2.0
#include "core/ratelimit/ratelimiter.h"

#include <QMutexLocker>
#include <QVarLengthArray>

namespace Tokengate {

RateLimiter::RateLimiter(qsizetype maxKeys)
    : m_maxKeys(maxKeys) {}

RateLimiter::Answer RateLimiter::take(const QList<Ask> &asks, qint64 nowMs) {
    const qint64 nowUs = nowMs * 1000;
    Answer answer;
    QVarLengthArray<qint64, 4> next;
    QMutexLocker lock(&m_mutex);
    for (qsizetype i = 0; i < asks.size(); ++i) {
        const Ask &a = asks[i];
        const qint64 periodUs = a.periodMs * 1000;
        const qint64 intervalUs = periodUs / a.limit;
        const qint64 fullAt = std::max(m_fullAtUs.value(a.key, nowUs), nowUs);
        const qint64 after = fullAt + intervalUs;
        next.append(after);
        if (after - nowUs > periodUs) {
            // Refused by this bucket: the one to report, the soonest it lets a request in.
            const qint64 retry = after - nowUs - periodUs;
            if (answer.allowed || retry > answer.retryAfterMs) {
                answer.allowed = false;
                answer.decisive = int(i);
                answer.remaining = 0;
                answer.resetMs = (fullAt - nowUs + 999) / 1000;
                answer.retryAfterMs = (retry + 999) / 1000;
            }
            continue;
        }
        const int remaining = int((periodUs - (after - nowUs)) / intervalUs);
        if (answer.allowed && (answer.decisive < 0 || remaining < answer.remaining)) {
            answer.decisive = int(i);
            answer.remaining = remaining;
            answer.resetMs = (after - nowUs + 999) / 1000;
        }
    }
    if (!answer.allowed)
        return answer;
    if (m_fullAtUs.size() + asks.size() > m_maxKeys)
        makeRoom(nowUs);
    for (qsizetype i = 0; i < asks.size(); ++i)
        m_fullAtUs.insert(asks[i].key, next[i]);
    return answer;
}

void RateLimiter::makeRoom(qint64 nowUs) {
    // A full bucket is the same as none: dropping those changes no answer.
    m_fullAtUs.removeIf([nowUs](const QHash<QByteArray, qint64>::iterator it) {
        return it.value() <= nowUs;
    });
    // Still full: a flood of keys. Dropping a live bucket hands its key a fresh budget, at
    // most one period's worth; refusing every new key instead would lock out new clients.
    const qsizetype target = m_maxKeys * 9 / 10;
    while (m_fullAtUs.size() > target) {
        m_fullAtUs.erase(m_fullAtUs.begin());
        m_evictions.fetch_add(1, std::memory_order_relaxed);
    }
}

qsizetype RateLimiter::size() const {
    QMutexLocker lock(&m_mutex);
    return m_fullAtUs.size();
}

} // namespace Tokengate
