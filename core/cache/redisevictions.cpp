// SPDX-License-Identifier: Apache-2.0
#include "core/cache/redisevictions.h"

#include "core/cache/redisconnection.h"
#include "core/cache/redisentry.h"

namespace Tokengate {

namespace {

// KEYS: index sets. Deletes every entry they name, then the sets; returns how many entries.
constexpr char EvictScript[] = R"lua(
local n = 0
for _, index in ipairs(KEYS) do
  local members = redis.call('SMEMBERS', index)
  for i = 1, #members, 500 do
    n = n + redis.call('DEL', unpack(members, i, math.min(i + 499, #members)))
  end
  redis.call('DEL', index)
end
return n
)lua";

constexpr QByteArrayView FingerprintTag = "fp:";
constexpr QByteArrayView SubjectTag = "sub:";

} // namespace

RedisEvictions::RedisEvictions(std::shared_ptr<RedisTier> tier,
                               std::shared_ptr<IntrospectionCache> cache, QObject *parent)
    : QObject(parent)
    , m_tier(std::move(tier))
    , m_cache(cache)
    , m_prefix(m_tier->prefix()) {
    const int timeoutMs = m_tier->cache.redis.timeoutMs;
    // Publishing and deleting are rare and nobody waits for them: a longer bound is fine.
    m_commands = std::make_unique<RedisConnection>(m_tier->address, std::max(timeoutMs, 2000));
    m_subscriber = std::make_unique<RedisConnection>(m_tier->address, std::max(timeoutMs, 2000));
    m_subscriber->setSubscription(RedisEntry::evictionChannel(m_prefix),
                                  [this](const QByteArray &message) { received(message); });
    m_subscriber->setStateListener([this](bool up) {
        m_tier->stats.subscribed.store(up, std::memory_order_relaxed);
        if (!up || !std::exchange(m_subscribedBefore, true))
            return;
        if (auto local = m_cache.lock()) {
            const qsizetype dropped = local->evictAll();
            qCInfo(lcRedis) << "eviction channel back: dropped" << dropped
                            << "local entries, evictions may have been missed";
        }
    });
    m_commands->start();
    m_subscriber->start();
    // The listener is called in the evicting thread; the connections live in this one.
    cache->setEvictionListener([this](const QByteArray &fingerprint, const QString &subject) {
        QMetaObject::invokeMethod(this,
                                  [this, fingerprint, subject] { publish(fingerprint, subject); });
    });
}

RedisEvictions::~RedisEvictions() {
    if (auto cache = m_cache.lock())
        cache->setEvictionListener({}); // waits for a listener call in progress
    m_tier->stats.subscribed.store(false, std::memory_order_relaxed);
}

void RedisEvictions::publish(const QByteArray &fingerprint, const QString &subject) {
    const QByteArray index = fingerprint.isEmpty()
                                 ? RedisEntry::subjectIndex(m_prefix, subject)
                                 : RedisEntry::fingerprintIndex(m_prefix, fingerprint);
    const QByteArray message = fingerprint.isEmpty() ? SubjectTag.toByteArray() + subject.toUtf8()
                                                     : FingerprintTag.toByteArray() + fingerprint;
    RedisStats *stats = &m_tier->stats;
    auto counted = [stats](const RedisReply &r) {
        if (r.failed())
            (r.kind == RedisReply::Kind::Timeout ? stats->timeouts : stats->errors)
                .fetch_add(1, std::memory_order_relaxed);
    };
    // One connection, so Redis runs them in this order: by the time another instance hears of
    // the eviction, the shared entries are gone and cannot refill its local tier.
    const bool sent = m_commands->command({"EVAL", QByteArray(EvictScript), "1", index}, counted) &&
                      m_commands->command(
                          {"PUBLISH", RedisEntry::evictionChannel(m_prefix), message},
                          [stats, counted](const RedisReply &r) {
                              counted(r);
                              if (!r.failed())
                                  stats->evictionsPublished.fetch_add(1, std::memory_order_relaxed);
                          });
    if (!sent) {
        stats->errors.fetch_add(1, std::memory_order_relaxed);
        qCWarning(lcRedis) << "Redis unavailable: an eviction reached this instance only";
    }
}

void RedisEvictions::received(const QByteArray &message) {
    auto cache = m_cache.lock();
    if (!cache)
        return;
    m_tier->stats.evictionsReceived.fetch_add(1, std::memory_order_relaxed);
    if (message.startsWith(FingerprintTag))
        cache->evictFingerprint(QByteArrayView(message).sliced(FingerprintTag.size()),
                                IntrospectionCache::Reach::ThisInstance);
    else if (message.startsWith(SubjectTag))
        cache->evictSubject(QString::fromUtf8(QByteArrayView(message).sliced(SubjectTag.size())),
                            IntrospectionCache::Reach::ThisInstance);
}

} // namespace Tokengate
