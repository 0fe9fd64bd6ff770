// SPDX-License-Identifier: Apache-2.0
#include "core/ratelimit/ratelimitclient.h"

#include "core/base/sha256.h"
#include "core/cache/redisconnection.h"
#include "core/cache/redistier.h"

#include <QCryptographicHash>

namespace Tokengate {

namespace {

// GCRA as RateLimiter::take() does it, over every bucket of one check at once (all or
// nothing), in microseconds on Redis's clock: a Lua number holds them exactly (< 2^53).
// KEYS: the buckets; ARGV: per bucket its capacity (limit x interval) and its interval
// (period / limit, rounded up). A bucket's value is when it is full again; it expires then, as a
// full bucket is the same as none. Values are written with %.0f: Lua's own number format keeps 14
// digits. Returns allowed (1/0), the decisive bucket (0-based), requests left in it, microseconds
// until it is full, and (refused) until the next request would be let in. Effects
// replication (the default since Redis 5; asked for on older ones) lets TIME precede writes.
constexpr char TakeScript[] = R"lua(
redis.replicate_commands()
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local allowed, decisive, remaining, reset, retry = 1, 0, 0, 0, 0
local nexts = {}
for i = 1, #KEYS do
  local capacity = tonumber(ARGV[2 * i - 1])
  local interval = tonumber(ARGV[2 * i])
  local full = tonumber(redis.call('GET', KEYS[i]) or now) or now
  if full < now then full = now end
  local after = full + interval
  nexts[i] = after
  if after - now > capacity then
    local r = after - now - capacity
    if allowed == 1 or r > retry then
      allowed, decisive, remaining, reset, retry = 0, i, 0, full - now, r
    end
  else
    local left = math.floor((capacity - (after - now)) / interval)
    if allowed == 1 and (decisive == 0 or left < remaining) then
      decisive, remaining, reset = i, left, after - now
    end
  end
end
if allowed == 1 then
  for i = 1, #KEYS do
    local px = math.floor((nexts[i] - now) / 1000) + 1
    redis.call('SET', KEYS[i], string.format('%.0f', nexts[i]), 'PX', string.format('%.0f', px))
  end
end
return {allowed, decisive - 1, remaining, reset, retry}
)lua";

const QByteArray &scriptSha() {
    static const QByteArray sha =
        QCryptographicHash::hash(QByteArrayView(TakeScript), QCryptographicHash::Sha1).toHex();
    return sha;
}

qint64 usToMs(qint64 us) {
    return (us + 999) / 1000;
}

std::optional<RateLimiter::Answer> parseAnswer(const RedisReply &reply, qsizetype asks) {
    if (reply.kind != RedisReply::Kind::Array || reply.elements.size() != 5)
        return std::nullopt;
    qint64 v[5];
    for (int i = 0; i < 5; ++i) {
        bool ok = false;
        v[i] = reply.elements[i].toLongLong(&ok);
        if (!ok)
            return std::nullopt;
    }
    if (v[1] < 0 || v[1] >= asks)
        return std::nullopt;
    RateLimiter::Answer a;
    a.allowed = v[0] == 1;
    a.decisive = int(v[1]);
    a.remaining = int(std::max<qint64>(0, v[2]));
    a.resetMs = usToMs(std::max<qint64>(0, v[3]));
    a.retryAfterMs = a.allowed ? 0 : usToMs(std::max<qint64>(0, v[4]));
    a.shared = true;
    return a;
}

} // namespace

RateLimitClient::RateLimitClient(std::shared_ptr<RateLimiter> local, const Clock &clock,
                                 std::shared_ptr<RateLimitStats> stats,
                                 std::shared_ptr<RedisTier> redis)
    : m_local(std::move(local))
    , m_clock(clock)
    , m_stats(std::move(stats)) {
    if (!redis)
        return;
    m_prefix = redis->prefix() + "rl:";
    m_redis = std::make_unique<RedisConnection>(redis->address, redis->cache.redis.timeoutMs);
    m_redis->setFallbackNote(QStringLiteral("rate limits counted by each instance meanwhile"));
    m_stats->connections.fetch_add(1, std::memory_order_relaxed);
    m_redis->setStateListener([this](bool up) {
        m_stats->connectionsUp.fetch_add(up ? 1 : -1, std::memory_order_relaxed);
        m_wasUp = m_wasUp || up;
        // Loaded as soon as the connection is up: a check then never waits for a second
        // round trip (the script sent whole after NOSCRIPT) unless Redis was flushed since.
        if (up)
            m_redis->command({"SCRIPT", "LOAD", QByteArray(TakeScript)}, [](const RedisReply &) {});
    });
    m_redis->start();
}

RateLimitClient::~RateLimitClient() {
    if (!m_redis)
        return;
    if (m_redis->state() == RedisConnection::State::Up)
        m_stats->connectionsUp.fetch_sub(1, std::memory_order_relaxed);
    if (m_failing)
        m_stats->failing.fetch_sub(1, std::memory_order_relaxed);
    m_stats->connections.fetch_sub(1, std::memory_order_relaxed);
}

QByteArray RateLimitClient::redisKey(QByteArrayView prefix, QByteArrayView bucketKey) {
    return prefix.toByteArray() +
           sha256(bucketKey).first(16).toBase64(QByteArray::Base64UrlEncoding |
                                                QByteArray::OmitTrailingEquals);
}

RateLimiter::Answer RateLimitClient::takeLocally(std::span<const RateLimiter::Ask> asks) {
    return m_local->take(asks, m_clock.nowMs());
}

RateLimiter::Answer RateLimitClient::fallBack(std::span<const RateLimiter::Ask> asks) {
    m_stats->fallbacks.fetch_add(1, std::memory_order_relaxed);
    return takeLocally(asks);
}

std::optional<RateLimiter::Answer> RateLimitClient::take(std::span<const RateLimiter::Ask> asks,
                                                         Done done) {
    if (!m_redis)
        return takeLocally(asks);
    // Reconnecting too: an unreachable Redis that drops packets would otherwise make every
    // check in each attempt wait the whole timeout. The first connect (a start, a reload) is
    // waited for, within the timeout: buckets counted locally meanwhile would hand every
    // client a fresh budget on each reload.
    const RedisConnection::State state = m_redis->state();
    if (state == RedisConnection::State::Down ||
        (state == RedisConnection::State::Connecting && m_wasUp))
        return fallBack(asks);
    QList<QByteArray> command{"EVALSHA", scriptSha(), QByteArray::number(asks.size())};
    command.reserve(3 + 3 * qsizetype(asks.size()));
    for (const RateLimiter::Ask &a : asks)
        command << redisKey(m_prefix, a.key);
    if (std::optional<RateLimiter::Answer> known =
            knownRefusal(command, qsizetype(asks.size()), m_clock.nowMs())) {
        m_stats->shared.fetch_add(1, std::memory_order_relaxed);
        return known;
    }
    for (const RateLimiter::Ask &a : asks) {
        const qint64 periodUs = a.periodMs * 1000;
        const qint64 intervalUs = (periodUs + a.limit - 1) / a.limit;
        command << QByteArray::number(intervalUs * a.limit) << QByteArray::number(intervalUs);
    }
    send(std::move(command), QList<RateLimiter::Ask>(asks.begin(), asks.end()), std::move(done),
         true);
    return std::nullopt;
}

std::optional<RateLimiter::Answer> RateLimitClient::knownRefusal(const QList<QByteArray> &command,
                                                                 qsizetype asks, qint64 nowMs) {
    if (m_refused.isEmpty())
        return std::nullopt;
    for (qsizetype i = 0; i < asks; ++i) {
        const auto it = m_refused.constFind(command[3 + i]);
        if (it == m_refused.cend() || it->untilMs <= nowMs)
            continue;
        RateLimiter::Answer a;
        a.allowed = false;
        a.decisive = int(i);
        a.retryAfterMs = it->untilMs - nowMs;
        a.resetMs = std::max<qint64>(0, it->fullAtMs - nowMs);
        a.shared = true;
        return a;
    }
    return std::nullopt;
}

// `sentMs`: when the check was sent, before Redis judged it: the time it gave counts from
// no later than that, so the refusal is never remembered longer than Redis meant.
void RateLimitClient::rememberRefusal(const RateLimiter::Answer &answer, const QByteArray &key,
                                      qint64 sentMs) {
    const qint64 now = m_clock.nowMs();
    if (m_refused.size() >= 10'000) {
        m_refused.removeIf(
            [now](const QHash<QByteArray, Refusal>::iterator it) { return it->untilMs <= now; });
        if (m_refused.size() >= 10'000)
            m_refused.clear(); // a flood of keys: Redis judges them again, nothing is lost
    }
    m_refused.insert(key, {sentMs + answer.retryAfterMs, sentMs + answer.resetMs});
}

void RateLimitClient::setFailing(bool failing, const QByteArray &why) {
    if (failing && why != m_lastError) {
        // Up, yet refusing the script: every check is counted here until it is mended.
        qCWarning(lcRedis).noquote()
            << "Redis refused a rate limit check:" << QString::fromUtf8(why.left(200))
            << "- rate limits counted by each instance meanwhile";
        m_lastError = why;
    }
    if (failing == m_failing)
        return;
    m_failing = failing;
    m_stats->failing.fetch_add(failing ? 1 : -1, std::memory_order_relaxed);
    if (!failing) {
        qCInfo(lcRedis) << "Redis counts rate limits again";
        m_lastError.clear();
    }
}

// `loaded`: sent as EVALSHA. Redis forgets its scripts when it restarts or is flushed; the
// script is then sent whole, once, which loads it again.
void RateLimitClient::send(QList<QByteArray> command, QList<RateLimiter::Ask> asks, Done done,
                           bool loaded) {
    // The callback runs in this thread while the connection, which this client owns, lives.
    auto onReply = [this, command, asks, done, loaded,
                    sentMs = m_clock.nowMs()](const RedisReply &reply) {
        if (loaded && reply.kind == RedisReply::Kind::Error && reply.text.startsWith("NOSCRIPT")) {
            QList<QByteArray> whole = command;
            whole[0] = "EVAL";
            whole[1] = QByteArray(TakeScript);
            send(std::move(whole), asks, done, false);
            return;
        }
        judged(reply, command, asks, done, sentMs);
    };
    if (!m_redis->command(command, std::move(onReply))) {
        // Not sent (the connection went down, or too many wait): judged here, but `done`
        // must still run later, as promised.
        QMetaObject::invokeMethod(
            m_redis.get(),
            [this, asks = std::move(asks), done = std::move(done)] { done(fallBack(asks)); },
            Qt::QueuedConnection);
    }
}

void RateLimitClient::judged(const RedisReply &reply, const QList<QByteArray> &command,
                             const QList<RateLimiter::Ask> &asks, const Done &done, qint64 sentMs) {
    const std::optional<RateLimiter::Answer> answer = parseAnswer(reply, asks.size());
    if (!answer) {
        // A lost or slow connection says so itself (it goes down); an answer Redis gave
        // while up is an error of its own, which nothing else would show.
        if (reply.kind != RedisReply::Kind::Timeout && reply.kind != RedisReply::Kind::Failed)
            setFailing(true, reply.kind == RedisReply::Kind::Error ? reply.text
                                                                   : QByteArray("an odd reply"));
        done(fallBack(asks));
        return;
    }
    setFailing(false, {});
    m_stats->shared.fetch_add(1, std::memory_order_relaxed);
    if (!answer->allowed)
        rememberRefusal(*answer, command[3 + answer->decisive], sentMs);
    done(*answer);
}

} // namespace Tokengate
