// SPDX-License-Identifier: Apache-2.0
#include "core/auth/tokenintrospector.h"

#include "core/base/reason.h"
#include "core/cache/redistier.h"

#include <QCryptographicHash>
#include <QJsonObject>

namespace Tokengate {

namespace {

// `result` within what the token says of itself: an answer cached without the token's exp
// would outlive it, and one without its cnf would let a certificate-bound token pass as a
// bearer token.
std::shared_ptr<const IntrospectionResult>
withTokenLimits(std::shared_ptr<const IntrospectionResult> result,
                const TokenIntrospector::TokenLimits &l) {
    if (!result || !result->active)
        return result;
    const bool capExp = l.exp && !(result->exp && *result->exp <= *l.exp);
    const QJsonValue answered = result->claims.value(u"cnf");
    const bool bound = !l.cnf.isUndefined() && !l.cnf.isNull();
    const bool addCnf = bound && answered != l.cnf;
    if (!capExp && !addCnf)
        return result;
    auto limited = std::make_shared<IntrospectionResult>(*result);
    if (capExp) {
        limited->exp = l.exp;
        limited->claims.insert(u"exp", double(*l.exp)); // the cache keeps the claims alone
    }
    if (addCnf) {
        // The IdP and the token disagreeing on who may present it: no certificate may.
        limited->claims.insert(
            u"cnf", answered.isUndefined() || answered.isNull()
                        ? l.cnf
                        : QJsonValue(QJsonObject{{QStringLiteral("x5t#S256"), QString()}}));
    }
    return limited;
}

} // namespace

TokenIntrospector::TokenIntrospector(IntrospectionClient &client,
                                     std::shared_ptr<IntrospectionCache> cache,
                                     std::shared_ptr<IntrospectionFlights> flights,
                                     std::shared_ptr<RedisTier> redis, const Clock &clock,
                                     QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_clock(clock)
    , m_cache(std::move(cache))
    , m_flights(std::move(flights)) {
    if (redis && m_cache->settings().enabled)
        m_redis = std::make_unique<RedisTierClient>(std::move(redis));
    // Who asked whom: the same token checked with another IdP or another client is another
    // answer. The credentials themselves are hashed, never kept in clear beside the cache.
    const IntrospectionEndpoint &e = client.endpoint();
    m_cacheScope = e.url.toString().toUtf8() + '\n' +
                   QCryptographicHash::hash(e.clientIdentity(), QCryptographicHash::Sha256);
    if (e.validation != TokenValidation::Introspect) {
        // A token valid for one issuer or audience says nothing about another endpoint's, and
        // an answer cached without the local checks must not stand in for them.
        const AccessTokenRules &r = e.jwtRules;
        m_cacheScope += '\n' + QByteArray::number(int(e.validation)) + '\n' + r.issuer.toUtf8() +
                        '\n' + r.audiences.join(u'\n').toUtf8() + '\n' +
                        QByteArray::number(r.leewaySecs) + (r.requireAtJwt ? "\nat+jwt" : "") +
                        '\n' + e.jwksUri.toUtf8();
    }
    if (e.signedAnswers) {
        // Answers believed only when signed (in either tier) are not those of an endpoint
        // that believes plain ones.
        m_cacheScope += "\nsigned\n" + e.jwtRules.issuer.toUtf8() + '\n' + e.clientId.toUtf8() +
                        '\n' + e.jwksUri.toUtf8();
    }
}

TokenIntrospector::~TokenIntrospector() {
    m_redis.reset(); // its lookups in flight are abandoned: they are landed below
    // Waiters in other workers must not wait for calls that end with this worker.
    auto calls = std::move(m_calls);
    for (auto &[id, entry] : calls) {
        entry.call.reset();
        IntrospectionOutcome outcome;
        outcome.error = Reason::ShuttingDown;
        outcome.detail = QStringLiteral("the gateway is stopping");
        m_flights->land(entry.key, entry.flight, outcome);
    }
}

std::unique_ptr<IntrospectionTicket>
TokenIntrospector::check(const QByteArray &token, const QByteArray &fingerprint, Callback done) {
    const QByteArray key = IntrospectionCache::key(m_cacheScope, {}, token);
    if (m_cache->settings().enabled) {
        const IntrospectionCache::Lookup hit = m_cache->find(key);
        if (hit.state != IntrospectionCache::State::Absent) {
            IntrospectionOutcome outcome;
            if (hit.state == IntrospectionCache::State::Fresh) {
                outcome.result = hit.result;
                outcome.cache = CacheOutcome::Hit;
            } else {
                static const auto inactive = std::make_shared<const IntrospectionResult>();
                outcome.result = inactive;
                outcome.cache = CacheOutcome::Negative;
            }
            done(outcome);
            return nullptr;
        }
    }
    if (m_client.endpoint().validation != TokenValidation::Introspect)
        return validateLocally(key, token, fingerprint, std::move(done), false);
    return introspect(key, token, fingerprint, std::move(done));
}

const JwkSet *TokenIntrospector::currentKeys() {
    const JwksKeys *source = m_client.endpoint().jwks.get();
    if (!source)
        return nullptr;
    if (const quint64 generation = source->generation(); generation != m_keysGeneration) {
        m_keys = source->current();
        m_keysGeneration = generation;
    }
    return m_keys.get();
}

IntrospectionOutcome TokenIntrospector::unknownKey(const QString &why) const {
    IntrospectionOutcome outcome;
    outcome.cache = CacheOutcome::Local;
    const JwksKeys *source = m_client.endpoint().jwks.get();
    const QString failure = source ? source->lastFailure() : QStringLiteral("no key source");
    if (!source || !source->everFetched() || source->retired()) {
        // Not the token's fault: no key that could judge it was ever had (or a reload replaced
        // the source it waited on). Fail closed, saying the IdP is the problem.
        outcome.error = Reason::IdpUnreachable;
        outcome.detail = QStringLiteral("the issuer's keys could not be fetched: ") + failure;
        return outcome;
    }
    // Keys exist: a kid they lack is the token's problem (made-up kids must not look like an
    // outage), even while a refresh fails.
    outcome.refusal = Reason::TokenInvalid;
    outcome.detail = failure.isEmpty()
                         ? why
                         : why + QStringLiteral(" (the last fetch failed: ") + failure + u')';
    return outcome;
}

std::unique_ptr<IntrospectionTicket>
TokenIntrospector::validateLocally(const QByteArray &key, const QByteArray &token,
                                   const QByteArray &fingerprint, Callback done, bool afterFetch) {
    const IntrospectionEndpoint &endpoint = m_client.endpoint();
    const LocalVerdict verdict =
        validateAccessToken(token, currentKeys(), endpoint.jwtRules, m_clock.nowSecs());
    IntrospectionOutcome outcome;
    outcome.cache = CacheOutcome::Local;
    switch (verdict.kind) {
    case LocalVerdict::Kind::Valid:
        if (endpoint.validation == TokenValidation::JwtThenIntrospect)
            return introspect(
                key, token, fingerprint,
                [done = std::move(done)](const IntrospectionOutcome &answer) {
                    IntrospectionOutcome checked = answer;
                    checked.checkedLocally = true;
                    done(checked);
                },
                TokenLimits{verdict.result->exp, verdict.result->claims.value(u"cnf")});
        if (m_cache->settings().enabled)
            m_cache->storeActive(key, verdict.result, fingerprint, INT64_MAX,
                                 CacheSource::LocalJwt);
        outcome.result = verdict.result;
        done(outcome);
        return nullptr;
    case LocalVerdict::Kind::NotAJwt:
        if (endpoint.validation == TokenValidation::JwtThenIntrospect || endpoint.introspectOpaque)
            return introspect(key, token, fingerprint, std::move(done));
        break;
    case LocalVerdict::Kind::UnknownKey: {
        if (afterFetch) {
            done(unknownKey(verdict.why));
            return nullptr;
        }
        auto waiter = std::make_shared<JwksWaiter>();
        waiter->context = this;
        JwksWaiter *self = waiter.get();
        waiter->retry = [this, self, key, token, fingerprint, done] {
            self->next = validateLocally(key, token, fingerprint, done, true);
        };
        const JwksKeys::Wait wait = endpoint.jwks
                                        ? endpoint.jwks->awaitFetch(waiter, m_keysGeneration)
                                        : JwksKeys::Wait::TooSoon;
        if (wait == JwksKeys::Wait::Waiting)
            return std::make_unique<IntrospectionTicket>(std::move(waiter));
        if (wait == JwksKeys::Wait::Newer)
            return validateLocally(key, token, fingerprint, std::move(done), true);
        done(unknownKey(verdict.why));
        return nullptr;
    }
    case LocalVerdict::Kind::Refused:
        break;
    }
    outcome.refusal = verdict.reason;
    outcome.detail = verdict.why;
    done(outcome);
    return nullptr;
}

std::unique_ptr<IntrospectionTicket>
TokenIntrospector::introspect(const QByteArray &key, const QByteArray &token,
                              const QByteArray &fingerprint, Callback done, TokenLimits limits) {
    auto waiter = std::make_shared<IntrospectionWaiter>();
    waiter->context = this;
    waiter->deliver = std::move(done);
    bool leader = false;
    auto flight = m_flights->join(key, waiter, &leader);
    auto ticket = std::make_unique<IntrospectionTicket>(waiter);
    if (leader)
        call(key, token, fingerprint, std::move(flight), std::move(limits));
    return ticket;
}

void TokenIntrospector::call(const QByteArray &key, const QByteArray &token,
                             const QByteArray &fingerprint,
                             std::shared_ptr<IntrospectionFlights::Flight> flight,
                             TokenLimits limits) {
    if (m_cache->settings().enabled) {
        // Another flight may have landed between our cache miss and our joining.
        const IntrospectionCache::Lookup late = m_cache->find(key);
        if (late.state == IntrospectionCache::State::Fresh) {
            IntrospectionOutcome outcome;
            outcome.result = late.result;
            outcome.cache = CacheOutcome::Hit;
            m_flights->land(key, flight, outcome);
            return;
        }
    }
    InFlight &entry = m_calls[flight.get()];
    entry.key = key;
    entry.flight = flight;
    entry.evictionGeneration = m_cache->evictionGeneration();
    entry.limits = limits;
    if (m_redis) {
        const quint64 generation = entry.evictionGeneration;
        const bool asked = m_redis->lookup(key, [this, key, token, fingerprint, flight, generation,
                                                 limits](const RedisTierClient::Answer &answer) {
            // An eviction since the lookup was sent may concern this very answer.
            if (!answer.found || m_cache->evictionGeneration() != generation) {
                askIdp(key, token, fingerprint, flight);
                return;
            }
            IntrospectionOutcome outcome;
            if (answer.result) {
                outcome.result = withTokenLimits(answer.result, limits);
                m_cache->storeActive(key, outcome.result, fingerprint, answer.untilMs,
                                     CacheSource::SharedTier);
            } else {
                m_cache->storeInactive(key, fingerprint, answer.untilMs, CacheSource::SharedTier);
                static const auto inactive = std::make_shared<const IntrospectionResult>();
                outcome.result = inactive;
            }
            outcome.cache = CacheOutcome::Redis;
            outcome.evictionGeneration = generation;
            m_calls.erase(flight.get());
            m_flights->land(key, flight, outcome);
        });
        if (asked)
            return;
    }
    askIdp(key, token, fingerprint, flight);
}

void TokenIntrospector::askIdp(const QByteArray &key, const QByteArray &token,
                               const QByteArray &fingerprint,
                               const std::shared_ptr<IntrospectionFlights::Flight> &flight) {
    InFlight &entry = m_calls[flight.get()];
    entry.call = m_client.introspect(
        token, [this, key, fingerprint, flight](const IntrospectionOutcome &outcome) {
            landed(key, fingerprint, flight, outcome);
        });
}

void TokenIntrospector::landed(const QByteArray &key, const QByteArray &fingerprint,
                               const std::shared_ptr<IntrospectionFlights::Flight> &flight,
                               IntrospectionOutcome outcome) {
    const auto entry = m_calls.find(flight.get());
    const bool evictedMeanwhile =
        entry == m_calls.end() || entry->second.evictionGeneration != m_cache->evictionGeneration();
    if (entry != m_calls.end())
        outcome.evictionGeneration = entry->second.evictionGeneration;
    if (outcome.error == Reason::None && entry != m_calls.end())
        outcome.result = withTokenLimits(outcome.result, entry->second.limits);
    if (outcome.error == Reason::None && evictedMeanwhile) {
        // Neither tier keeps it: the eviction said to ask the IdP again next time.
    } else if (outcome.error == Reason::None) {
        if (outcome.result->active)
            m_cache->storeActive(key, outcome.result, fingerprint);
        else
            m_cache->storeInactive(key, fingerprint);
        if (m_redis)
            m_redis->store(key, *outcome.result, fingerprint);
    } else if (isIdpOutage(outcome.error) && m_cache->settings().staleGraceSecs > 0) {
        // A stale entry may stand in while the IdP is down; not when it refuses our own
        // credentials: that is our misconfiguration, and grace would only hide it.
        if (auto stale = m_cache->findStale(key)) {
            const qint64 latency = outcome.latencyUs;
            outcome = IntrospectionOutcome{};
            outcome.result = std::move(stale);
            outcome.latencyUs = latency;
            outcome.cache = CacheOutcome::Stale;
        }
    }
    // The finished call may go now: its callback (and what it captured) lives on the stack.
    m_calls.erase(flight.get());
    m_flights->land(key, flight, outcome);
}

} // namespace Tokengate
