// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/base/clock.h"
#include "core/ratelimit/ratelimiter.h"

#include <QByteArray>
#include <QHash>
#include <QList>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

namespace Tokengate {

class RedisConnection;
struct RedisReply;
struct RedisTier;

// How the routes' limits were judged since the gateway started, for /metrics. Kept across
// reloads, written by every worker.
struct RateLimitStats {
    std::atomic<quint64> shared{0};    // judged by Redis, for every instance at once
    std::atomic<quint64> fallbacks{0}; // Redis set but down, slow or failing: judged locally
    std::atomic<int> connections{0};   // workers' Redis connections for limits
    std::atomic<int> connectionsUp{0};
    // Connections whose last check Redis answered with an error (READONLY after a failover,
    // NOPERM, OOM): up, yet counting locally.
    std::atomic<int> failing{0};

    bool sharedNow() const {
        const int all = connections.load(std::memory_order_relaxed);
        return all > 0 && connectionsUp.load(std::memory_order_relaxed) == all &&
               failing.load(std::memory_order_relaxed) == 0;
    }
};

// A worker's way to the routes' buckets: the shared ones in Redis when the config has
// `cache.redis`, else (and while Redis is away) the process's own. One Redis round trip per
// check: a script loaded once judges every limit of the check atomically on Redis's clock,
// so instances with skewed clocks still share one budget. Lives in the worker's thread.
class RateLimitClient {
public:
    RateLimitClient(std::shared_ptr<RateLimiter> local, const Clock &clock,
                    std::shared_ptr<RateLimitStats> stats, std::shared_ptr<RedisTier> redis);
    ~RateLimitClient();

    using Done = std::function<void(const RateLimiter::Answer &)>;
    // The answer when judged at once (locally); nullopt when Redis was asked: then `done`
    // runs once, later, with Redis's answer or, should Redis fail or be slower than its
    // timeout, with the local one.
    std::optional<RateLimiter::Answer> take(std::span<const RateLimiter::Ask> asks, Done done);
    // Whether take() may ask Redis; if not, takeLocally() answers the same, with no callback.
    bool usesRedis() const { return m_redis != nullptr; }
    RateLimiter::Answer takeLocally(std::span<const RateLimiter::Ask> asks);

    // The Redis key a bucket's counters have: the bucket key hashed, since it can hold a
    // header's value (an API key) or a claim that has no business in a shared store.
    static QByteArray redisKey(QByteArrayView prefix, QByteArrayView bucketKey);

private:
    RateLimiter::Answer fallBack(std::span<const RateLimiter::Ask> asks);
    void send(QList<QByteArray> command, QList<RateLimiter::Ask> asks, Done done, bool loaded);
    void judged(const RedisReply &reply, const QList<QByteArray> &command,
                const QList<RateLimiter::Ask> &asks, const Done &done, qint64 sentMs);
    std::optional<RateLimiter::Answer> knownRefusal(const QList<QByteArray> &command,
                                                    qsizetype asks, qint64 nowMs);
    void rememberRefusal(const RateLimiter::Answer &answer, const QByteArray &key, qint64 sentMs);
    void setFailing(bool failing, const QByteArray &why);

    // Buckets Redis said are empty, until the time it said the next request fits: their
    // checks are refused here without asking again, so a flood costs Redis one script per
    // bucket and retry window. Exact for GCRA: other instances can only empty a bucket
    // further. Keyed by Redis key.
    struct Refusal {
        qint64 untilMs = 0; // on m_clock
        qint64 fullAtMs = 0;
    };
    QHash<QByteArray, Refusal> m_refused;

    std::shared_ptr<RateLimiter> m_local;
    const Clock &m_clock;
    std::shared_ptr<RateLimitStats> m_stats;
    std::unique_ptr<RedisConnection> m_redis; // null: local counters only
    QByteArray m_prefix;
    bool m_failing = false;
    bool m_wasUp = false;   // connected once: from then on, a reconnect is counted locally
    QByteArray m_lastError; // logged once until it changes or Redis answers again
};

} // namespace Tokengate
