// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/introspectionflights.h"
#include "core/auth/jwkssource.h"
#include "core/base/clock.h"
#include "core/cache/introspectioncache.h"

#include <QJsonValue>
#include <QObject>

#include <memory>
#include <unordered_map>

namespace Tokengate {

struct RedisTier;
class RedisTierClient;

// A request's claim on an answer; destroying it means the request no longer wants one.
class IntrospectionTicket {
public:
    explicit IntrospectionTicket(std::shared_ptr<IntrospectionWaiter> waiter)
        : m_waiter(std::move(waiter)) {}
    explicit IntrospectionTicket(std::shared_ptr<JwksWaiter> waiter)
        : m_keysWaiter(std::move(waiter)) {}
    ~IntrospectionTicket() {
        if (m_waiter)
            m_waiter->cancelled = true;
        if (m_keysWaiter) {
            m_keysWaiter->cancelled = true;
            m_keysWaiter->next.reset();
        }
    }
    IntrospectionTicket(const IntrospectionTicket &) = delete;
    IntrospectionTicket &operator=(const IntrospectionTicket &) = delete;

private:
    std::shared_ptr<IntrospectionWaiter> m_waiter;
    std::shared_ptr<JwksWaiter> m_keysWaiter;
};

// A worker's way to an introspection answer: the shared cache, else the shared flight for the
// token (coalescing concurrent misses across workers), whose leader asks the Redis tier when
// there is one (bounded by its timeout), else makes an IdP call of its own, whose answer is
// cached in both tiers (errors never are) and handed to every waiter. A call outlives the
// request that started it, so the other waiters still get their answer; its timeout bounds it.
// Under a JWT validation mode a cache miss is first judged with the issuer's keys.
class TokenIntrospector : public QObject {
    Q_OBJECT
public:
    TokenIntrospector(IntrospectionClient &client, std::shared_ptr<IntrospectionCache> cache,
                      std::shared_ptr<IntrospectionFlights> flights,
                      std::shared_ptr<RedisTier> redis = nullptr,
                      const Clock &clock = SystemClock::instance(), QObject *parent = nullptr);
    ~TokenIntrospector() override;

    using Callback = std::function<void(const IntrospectionOutcome &)>;
    // Calls back at once (before returning) when the cache answers; otherwise later, in this
    // thread, unless the ticket was destroyed first.
    std::unique_ptr<IntrospectionTicket> check(const QByteArray &token,
                                               const QByteArray &fingerprint, Callback done);
    // IdP calls this worker makes for a flight, possibly for other workers' requests.
    bool hasCallsInFlight() const { return !m_calls.empty(); }

    // What a JWT validated locally says of itself, which the IdP's answer cannot undo: its
    // exp bounds the answer's life, and its confirmation (cnf, RFC 8705) still binds it.
    struct TokenLimits {
        std::optional<qint64> exp;
        QJsonValue cnf;
    };

private:
    std::unique_ptr<IntrospectionTicket> introspect(const QByteArray &key, const QByteArray &token,
                                                    const QByteArray &fingerprint, Callback done,
                                                    TokenLimits limits = {});
    std::unique_ptr<IntrospectionTicket> validateLocally(const QByteArray &key,
                                                         const QByteArray &token,
                                                         const QByteArray &fingerprint,
                                                         Callback done, bool afterFetch);
    // The outcome when a token names a key the issuer does not publish (after a fetch, or
    // when none may start yet).
    IntrospectionOutcome unknownKey(const QString &why) const;
    const JwkSet *currentKeys();
    void call(const QByteArray &key, const QByteArray &token, const QByteArray &fingerprint,
              std::shared_ptr<IntrospectionFlights::Flight> flight, TokenLimits limits = {});
    void askIdp(const QByteArray &key, const QByteArray &token, const QByteArray &fingerprint,
                const std::shared_ptr<IntrospectionFlights::Flight> &flight);
    void landed(const QByteArray &key, const QByteArray &fingerprint,
                const std::shared_ptr<IntrospectionFlights::Flight> &flight,
                IntrospectionOutcome outcome);

    IntrospectionClient &m_client;
    const Clock &m_clock;
    std::shared_ptr<IntrospectionCache> m_cache;
    std::shared_ptr<IntrospectionFlights> m_flights;
    QByteArray m_cacheScope; // endpoint and client identity, part of every key
    struct InFlight {
        QByteArray key;
        std::shared_ptr<IntrospectionFlights::Flight> flight;
        std::unique_ptr<IntrospectionCall> call; // null while Redis is asked
        // The cache's eviction generation when the lookup began: an answer that lands after a
        // manual eviction may be the very one evicted, so it is delivered but not stored.
        quint64 evictionGeneration = 0;
        TokenLimits limits;
    };
    std::unique_ptr<RedisTierClient> m_redis; // null without the shared tier
    // This worker's copy of the issuer's keys, taken again when their generation changes.
    std::shared_ptr<const JwkSet> m_keys;
    quint64 m_keysGeneration = 0;
    std::unordered_map<IntrospectionFlights::Flight *, InFlight> m_calls; // the calls we make
};

} // namespace Tokengate
