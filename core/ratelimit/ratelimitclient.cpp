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
// KEYS: the buckets; ARGV: per bucket its period and its interval (period / limit, rounded
// up). A bucket's value is when it is full again; it expires then, as a full bucket is the
// same as none. Values are written with %.0f: Lua's own number format keeps 14 digits.
// Returns allowed (1/0), the decisive bucket (0-based), requests left in it, microseconds
// until it is full, and (refused) until the next request would be let in.
constexpr char TakeScript[] = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local allowed, decisive, remaining, reset, retry = 1, 0, 0, 0, 0
local nexts = {}
for i = 1, #KEYS do
  local period = tonumber(ARGV[2 * i - 1])
  local interval = tonumber(ARGV[2 * i])
  local full = tonumber(redis.call('GET', KEYS[i]) or now) or now
  if full < now then full = now end
  local after = full + interval
  nexts[i] = after
  if after - now > period then
    local r = after - now - period
    if allowed == 1 or r > retry then
      allowed, decisive, remaining, reset, retry = 0, i, 0, full - now, r
    end
  else
    local left = math.floor((period - (after - now)) / interval)
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
    RateLimitStats *counts = m_stats.get();
    m_redis->setStateListener([counts](bool up) {
        counts->connectionsUp.fetch_add(up ? 1 : -1, std::memory_order_relaxed);
    });
    m_redis->start();
}

RateLimitClient::~RateLimitClient() {
    if (!m_redis)
        return;
    if (m_redis->state() == RedisConnection::State::Up)
        m_stats->connectionsUp.fetch_sub(1, std::memory_order_relaxed);
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

std::optional<RateLimiter::Answer> RateLimitClient::take(std::span<const RateLimiter::Ask> asks,
                                                         Done done) {
    if (!m_redis)
        return takeLocally(asks);
    if (m_redis->state() == RedisConnection::State::Down) {
        m_stats->fallbacks.fetch_add(1, std::memory_order_relaxed);
        return takeLocally(asks);
    }
    QList<QByteArray> command{"EVALSHA", scriptSha(), QByteArray::number(asks.size())};
    command.reserve(3 + 3 * qsizetype(asks.size()));
    for (const RateLimiter::Ask &a : asks)
        command << redisKey(m_prefix, a.key);
    for (const RateLimiter::Ask &a : asks) {
        const qint64 periodUs = a.periodMs * 1000;
        command << QByteArray::number(periodUs)
                << QByteArray::number((periodUs + a.limit - 1) / a.limit);
    }
    QList<RateLimiter::Ask> kept(asks.begin(), asks.end()); // for the fallback
    send(std::move(command), std::move(kept), std::move(done), true);
    return std::nullopt;
}

// `loaded`: sent as EVALSHA. Redis forgets its scripts when it restarts or is flushed; the
// script is then sent whole, once, which loads it again.
void RateLimitClient::send(QList<QByteArray> command, QList<RateLimiter::Ask> asks, Done done,
                           bool loaded) {
    auto fallBack = [this](const QList<RateLimiter::Ask> &judged, const Done &then) {
        m_stats->fallbacks.fetch_add(1, std::memory_order_relaxed);
        then(takeLocally(judged));
    };
    // The callback runs in this thread while the connection, which this client owns, lives.
    auto onReply = [this, command, asks, done, loaded, fallBack](const RedisReply &reply) {
        if (loaded && reply.kind == RedisReply::Kind::Error && reply.text.startsWith("NOSCRIPT")) {
            QList<QByteArray> whole = command;
            whole[0] = "EVAL";
            whole[1] = QByteArray(TakeScript);
            send(std::move(whole), asks, done, false);
            return;
        }
        const std::optional<RateLimiter::Answer> answer = parseAnswer(reply, asks.size());
        if (!answer) {
            fallBack(asks, done);
            return;
        }
        m_stats->shared.fetch_add(1, std::memory_order_relaxed);
        done(*answer);
    };
    if (!m_redis->command(command, std::move(onReply))) {
        // Not sent (the connection went down, or too many wait): judged here, but `done`
        // must still run later, as promised.
        QMetaObject::invokeMethod(
            m_redis.get(),
            [fallBack, asks = std::move(asks), done = std::move(done)] { fallBack(asks, done); },
            Qt::QueuedConnection);
    }
}

} // namespace Tokengate
