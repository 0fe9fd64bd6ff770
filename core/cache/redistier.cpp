// SPDX-License-Identifier: Apache-2.0
#include "core/cache/redistier.h"

#include "core/cache/redisconnection.h"
#include "core/cache/redisentry.h"

namespace Tokengate {

namespace {

// KEYS[1] the entry, KEYS[2..] its index sets; ARGV[1] the value, ARGV[2] EX seconds. An index
// lives as long as its longest entry; a large one sheds a few members that have expired on
// each write, so a busy subject's set does not only grow.
constexpr char StoreScript[] = R"lua(
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
local ex = tonumber(ARGV[2])
for i = 2, #KEYS do
  redis.call('SADD', KEYS[i], KEYS[1])
  if redis.call('TTL', KEYS[i]) < ex then redis.call('EXPIRE', KEYS[i], ex) end
  if redis.call('SCARD', KEYS[i]) > 64 then
    for _, k in ipairs(redis.call('SRANDMEMBER', KEYS[i], 8)) do
      if redis.call('EXISTS', k) == 0 then redis.call('SREM', KEYS[i], k) end
    end
  end
end
return 1
)lua";

} // namespace

std::shared_ptr<RedisTier> RedisTier::fromSettings(const CacheSettings &cache, const Clock &clock) {
    if (!cache.enabled || !cache.redis.enabled())
        return nullptr;
    const std::optional<RedisAddress> address = RedisAddress::fromSettings(cache.redis, nullptr);
    if (!address)
        return nullptr; // Config::validate() refuses such a config before this
    auto tier = std::make_shared<RedisTier>();
    tier->cache = cache;
    tier->address = *address;
    tier->clock = &clock;
    return tier;
}

RedisTierClient::RedisTierClient(std::shared_ptr<RedisTier> tier)
    : m_tier(std::move(tier))
    , m_connection(
          std::make_unique<RedisConnection>(m_tier->address, m_tier->cache.redis.timeoutMs))
    , m_prefix(m_tier->prefix()) {
    m_tier->stats.connections.fetch_add(1, std::memory_order_relaxed);
    RedisStats *stats = &m_tier->stats;
    m_connection->setStateListener([stats](bool up) {
        stats->connectionsUp.fetch_add(up ? 1 : -1, std::memory_order_relaxed);
    });
    m_connection->start();
}

RedisTierClient::~RedisTierClient() {
    if (m_connection->state() == RedisConnection::State::Up)
        m_tier->stats.connectionsUp.fetch_sub(1, std::memory_order_relaxed);
    m_tier->stats.connections.fetch_sub(1, std::memory_order_relaxed);
}

bool RedisTierClient::lookup(const QByteArray &cacheKey, Callback done) {
    RedisStats &stats = m_tier->stats;
    const QList<QByteArray> get{"GET", RedisEntry::key(m_prefix, cacheKey)};
    const std::shared_ptr<RedisTier> tier = m_tier;
    const bool sent =
        m_connection->command(get, [tier, done = std::move(done)](const RedisReply &reply) {
            RedisStats &s = tier->stats;
            Answer answer;
            switch (reply.kind) {
            case RedisReply::Kind::String:
                if (auto d = RedisEntry::decode(reply.text, tier->clock->nowMs())) {
                    answer.found = true;
                    answer.result = std::move(d->result);
                    answer.untilMs = d->untilMs;
                }
                (answer.found ? s.hits : s.misses).fetch_add(1, std::memory_order_relaxed);
                break;
            case RedisReply::Kind::Nil:
                s.misses.fetch_add(1, std::memory_order_relaxed);
                break;
            case RedisReply::Kind::Timeout:
                s.timeouts.fetch_add(1, std::memory_order_relaxed);
                break;
            default:
                s.errors.fetch_add(1, std::memory_order_relaxed);
                break;
            }
            done(answer);
        });
    if (!sent)
        stats.skipped.fetch_add(1, std::memory_order_relaxed);
    return sent;
}

void RedisTierClient::store(const QByteArray &cacheKey, const IntrospectionResult &result,
                            const QByteArray &fingerprint) {
    const qint64 now = m_tier->clock->nowMs();
    const QByteArray key = RedisEntry::key(m_prefix, cacheKey);
    const std::optional<RedisEntry::Expiry> expiry =
        RedisEntry::activeExpiry(m_tier->cache, result, now);
    QList<QByteArray> command;
    if (!expiry) {
        // The newest answer replaces the old one there too: a revoked token's active entry
        // must not outlive the IdP saying so.
        command = {"DEL", key};
    } else if (!result.active) {
        command = {"SET", key, RedisEntry::encode(nullptr, expiry->untilMs), "EX",
                   QByteArray::number(expiry->exSecs)};
    } else {
        QList<QByteArray> keys{key};
        if (!fingerprint.isEmpty())
            keys << RedisEntry::fingerprintIndex(m_prefix, fingerprint);
        if (!result.subject.isEmpty())
            keys << RedisEntry::subjectIndex(m_prefix, result.subject);
        command = {"EVAL", QByteArray(StoreScript), QByteArray::number(keys.size())};
        command << keys << RedisEntry::encode(&result, expiry->untilMs)
                << QByteArray::number(expiry->exSecs);
    }
    const std::shared_ptr<RedisTier> tier = m_tier;
    const bool sent = m_connection->command(command, [tier](const RedisReply &reply) {
        if (reply.failed())
            (reply.kind == RedisReply::Kind::Timeout ? tier->stats.timeouts : tier->stats.errors)
                .fetch_add(1, std::memory_order_relaxed);
        else
            tier->stats.writes.fetch_add(1, std::memory_order_relaxed);
    });
    if (!sent)
        m_tier->stats.skipped.fetch_add(1, std::memory_order_relaxed);
}

} // namespace Tokengate
