// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/cache/introspectioncache.h"
#include "core/cache/redisaddress.h"
#include "core/cache/redisstats.h"

#include <functional>
#include <memory>

namespace Tokengate {

class RedisConnection;

// What every worker's Redis client in one gateway shares: the settings, the server, the
// counters. Built by GatewayService from a validated config.
struct RedisTier {
    CacheSettings cache; // the TTL rules; cache.redis says where and how long to wait
    RedisAddress address;
    const Clock *clock = &SystemClock::instance();
    RedisStats stats;

    // nullptr when the config has no Redis URL (or the cache is off).
    static std::shared_ptr<RedisTier> fromSettings(const CacheSettings &cache, const Clock &clock);
    QByteArray prefix() const { return cache.redis.keyPrefix.toUtf8(); }
};

// A worker's way to the shared tier: one connection in the worker's thread. Lookups never
// make a request wait longer than the timeout, and are not even sent while Redis is down.
class RedisTierClient {
public:
    explicit RedisTierClient(std::shared_ptr<RedisTier> tier);
    ~RedisTierClient();

    struct Answer {
        bool found = false; // false: ask the IdP (nothing stored, Redis slow, down or odd)
        std::shared_ptr<const IntrospectionResult> result; // found: the answer; null: inactive
        qint64 untilMs = 0;                                // found: keep it no longer
    };
    using Callback = std::function<void(const Answer &)>;
    // False when Redis is not asked (down, reconnecting): `done` never runs. Otherwise `done`
    // runs once, later, within the timeout, unless this client is destroyed first.
    bool lookup(const QByteArray &cacheKey, Callback done);
    // Writes the IdP's answer under the same TTL rules as the local tier, indexed by
    // `fingerprint` and the subject for eviction; an answer not to be kept deletes the key.
    void store(const QByteArray &cacheKey, const IntrospectionResult &result,
               const QByteArray &fingerprint);

private:
    std::shared_ptr<RedisTier> m_tier;
    std::unique_ptr<RedisConnection> m_connection;
    QByteArray m_prefix;
};

} // namespace Tokengate
