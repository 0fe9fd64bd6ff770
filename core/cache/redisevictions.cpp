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

// KEYS: the revocation set; ARGV: kind, hex key. Removes that revocation whatever its time.
constexpr char UnrevokeScript[] = R"lua(
local n = 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local kind, key = string.match(m, '^([^:]+):[^:]*:(.*)$')
  if kind == ARGV[1] and key == ARGV[2] then n = n + redis.call('ZREM', KEYS[1], m) end
end
return n
)lua";

constexpr QByteArrayView FingerprintTag = "fp:";
constexpr QByteArrayView SubjectTag = "sub:";
// "rev:<until>:<member>" and "unrev:<kind>:<hex key>".
constexpr QByteArrayView RevokedTag = "rev:";
constexpr QByteArrayView UnrevokedTag = "unrev:";

} // namespace

RedisEvictions::RedisEvictions(std::shared_ptr<RedisTier> tier,
                               std::shared_ptr<IntrospectionCache> cache,
                               std::shared_ptr<RevocationList> revocations, const Clock &clock,
                               QObject *parent)
    : QObject(parent)
    , m_tier(std::move(tier))
    , m_cache(cache)
    , m_revocations(std::move(revocations))
    , m_clock(clock)
    , m_prefix(m_tier->prefix()) {
    const int timeoutMs = m_tier->cache.redis.timeoutMs;
    // Publishing and deleting are rare and nobody waits for them: a longer bound is fine.
    m_commands = std::make_unique<RedisConnection>(m_tier->address, std::max(timeoutMs, 2000));
    m_subscriber = std::make_unique<RedisConnection>(m_tier->address, std::max(timeoutMs, 2000));
    m_subscriber->setSubscription(RedisEntry::evictionChannel(m_prefix),
                                  [this](const QByteArray &message) { received(message); });
    m_subscriber->setStateListener([this](bool up) {
        m_tier->stats.subscribed.store(up, std::memory_order_relaxed);
        if (up) {
            // Revocations made while this instance was not listening are in the set.
            m_revocationsWanted = true;
            loadRevocations();
        }
        if (!up || !std::exchange(m_subscribedBefore, true))
            return;
        if (auto local = m_cache.lock()) {
            const qsizetype dropped = local->evictAll();
            qCInfo(lcRedis) << "eviction channel back: dropped" << dropped
                            << "local entries, evictions may have been missed";
        }
    });
    m_commands->setStateListener([this](bool up) {
        if (up)
            loadRevocations();
    });
    m_commands->start();
    m_subscriber->start();
    // The listener is called in the evicting thread; the connections live in this one.
    cache->setEvictionListener([this](const QByteArray &fingerprint, const QString &subject) {
        QMetaObject::invokeMethod(this,
                                  [this, fingerprint, subject] { publish(fingerprint, subject); });
    });
    m_revocations->setListener([this](const RevocationList::Entry &entry, bool removed) {
        QMetaObject::invokeMethod(this,
                                  [this, entry, removed] { publishRevocation(entry, removed); });
    });
}

RedisEvictions::~RedisEvictions() {
    m_revocations->setListener({}); // waits for a listener call in progress
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

void RedisEvictions::countFailure(const RedisReply &r) const {
    if (r.failed())
        (r.kind == RedisReply::Kind::Timeout ? m_tier->stats.timeouts : m_tier->stats.errors)
            .fetch_add(1, std::memory_order_relaxed);
}

void RedisEvictions::publishRevocation(const RevocationList::Entry &entry, bool removed) {
    const QByteArray set = RedisEntry::revocationsKey(m_prefix);
    const QByteArray kind = RevocationList::kindName(entry.kind).toLatin1();
    auto counted = [this](const RedisReply &r) { countFailure(r); };
    const QByteArray hex = entry.key.toHex();
    const QByteArray member = RedisEntry::revocationMember(entry);
    const QByteArray until = QByteArray::number(entry.untilSecs);
    const QByteArray channel = RedisEntry::evictionChannel(m_prefix);
    using Command = QList<QByteArray>;
    const QList<Command> commands =
        removed
            ? QList<Command>{{"EVAL", QByteArray(UnrevokeScript), "1", set, kind, hex},
                             {"PUBLISH", channel, UnrevokedTag.toByteArray() + kind + ':' + hex}}
            : QList<Command>{{"ZADD", set, until, member},
                             // No revocation lasts longer; the set goes when the last one ends.
                             {"EXPIRE", set, QByteArray::number(RevocationList::MaxLifetimeSecs)},
                             {"PUBLISH", channel, RevokedTag.toByteArray() + until + ':' + member}};
    // Stored before it is announced (one connection, in order): an instance that hears of it
    // late, or reloads the set, finds it there.
    bool sent = true;
    for (const Command &command : commands)
        sent = sent && m_commands->command(command, counted);
    if (!sent) {
        m_tier->stats.errors.fetch_add(1, std::memory_order_relaxed);
        // Kept for when Redis is back (bounded like the list itself), so that the other
        // instances learn of it then.
        if (qsizetype(m_unsent.size()) < RevocationList::MaxEntries)
            m_unsent.emplace_back(entry, removed);
        m_revocationsWanted = true;
        qCWarning(lcRedis) << "Redis unavailable: a revocation change waits to reach the other "
                              "instances";
    }
}

void RedisEvictions::loadRevocations() {
    if (!m_revocationsWanted)
        return;
    // Changes made here while Redis was away go first: then the load below reads them back,
    // and every other instance hears of them.
    auto unsent = std::exchange(m_unsent, {});
    for (const auto &[entry, removed] : unsent)
        publishRevocation(entry, removed);
    const QByteArray set = RedisEntry::revocationsKey(m_prefix);
    // A day late: another instance's clock may run behind ours.
    const qint64 ended = m_clock.nowSecs() - 86400;
    const bool sent =
        m_commands->command({"ZREMRANGEBYSCORE", set, "-inf", '(' + QByteArray::number(ended)},
                            [this](const RedisReply &r) { countFailure(r); });
    m_revocationsWanted = !(sent && loadRevocationPage(0));
}

bool RedisEvictions::loadRevocationPage(qsizetype offset) {
    // Pages: a reply is bounded (RedisConnection refuses long ones, and drops the connection).
    constexpr qsizetype PageSize = 200;
    const QByteArray set = RedisEntry::revocationsKey(m_prefix);
    return m_commands->command(
        {"ZRANGEBYSCORE", set, QByteArray::number(m_clock.nowSecs()), "+inf", "WITHSCORES", "LIMIT",
         QByteArray::number(offset), QByteArray::number(PageSize)},
        [this, offset](const RedisReply &r) {
            countFailure(r);
            if (r.kind != RedisReply::Kind::Array) {
                m_revocationsWanted = true; // tried again when the connection is back
                return;
            }
            const qint64 nowSecs = m_clock.nowSecs();
            for (qsizetype i = 0; i + 1 < r.elements.size(); i += 2) {
                bool number = false;
                const qint64 until = r.elements[i + 1].toLongLong(&number);
                const auto entry =
                    number ? RedisEntry::revocationFromMember(r.elements[i], until) : std::nullopt;
                QString why;
                if (entry)
                    m_revocations->add(*entry, nowSecs, &why, RevocationList::Reach::ThisInstance);
            }
            const qsizetype read = r.elements.size() / 2;
            if (read == PageSize && offset + read < RevocationList::MaxEntries &&
                !loadRevocationPage(offset + read))
                m_revocationsWanted = true;
            else if (read < PageSize && offset + read > 0)
                qCInfo(lcRedis) << "read" << offset + read << "revocations from Redis";
        });
}

void RedisEvictions::received(const QByteArray &message) {
    if (message.startsWith(RevokedTag) || message.startsWith(UnrevokedTag)) {
        const QByteArrayView rest = QByteArrayView(message).sliced(
            message.startsWith(RevokedTag) ? RevokedTag.size() : UnrevokedTag.size());
        const qsizetype colon = rest.indexOf(':');
        if (colon < 0)
            return;
        if (message.startsWith(RevokedTag)) {
            bool number = false;
            const qint64 until = rest.first(colon).toLongLong(&number);
            const auto entry = number
                                   ? RedisEntry::revocationFromMember(rest.sliced(colon + 1), until)
                                   : std::nullopt;
            QString why;
            if (entry && !m_revocations->add(*entry, m_clock.nowSecs(), &why,
                                             RevocationList::Reach::ThisInstance))
                qCWarning(lcRedis).noquote() << "a revocation from Redis was refused:" << why;
        } else if (const auto kind =
                       RevocationList::kindFromName(QString::fromLatin1(rest.first(colon)))) {
            m_revocations->remove(*kind, QByteArray::fromHex(rest.sliced(colon + 1).toByteArray()),
                                  RevocationList::Reach::ThisInstance);
        }
        return;
    }
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
