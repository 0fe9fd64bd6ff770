// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/cache/introspectioncache.h"
#include "core/cache/revocationlist.h"
#include "core/config/config.h"
#include "core/http/upstreampool.h"
#include "core/http/upstreamtarget.h"
#include "core/pipeline/loopguard.h"
#include "core/pipeline/tunnelslots.h"
#include "core/ratelimit/ratelimitclient.h"
#include "core/server/httpserver.h"

#include <QObject>
#include <QTimer>

#include <array>
#include <memory>
#include <vector>

namespace Tokengate {

class JwtSigner;
class JwksFetcher;
class JwkSet;
class IntrospectionFlights;
class EventHub;
class RedisEvictions;
struct RedisStats;
struct RedisTier;
class PrometheusText;
struct PipelineSettings;

// Owns a running gateway: its listener and workers. tokengated and the desktop app are thin
// shells around it; in demo mode they point its config at a DemoEnvironment they own.
class GatewayService : public QObject {
    Q_OBJECT
public:
    explicit GatewayService(EventHub *events = nullptr, QObject *parent = nullptr);
    ~GatewayService() override;

    // Validates `config` and starts serving; false with every problem in `errors` if not.
    bool start(const Config &config, QStringList *errors);
    // Stops accepting and lets requests in progress finish for up to the drain timeout.
    void stop();
    // Validates `config` and, if it is valid, serves every new request with it; requests in
    // progress finish with the old one. On any problem the running config stays and every
    // problem is in `errors`. The cache survives when the introspection and cache settings
    // are unchanged. The listener cannot move: changes to it are named in `notes` and wait
    // for a restart, as do demo mode and the drain timeout.
    bool reload(const Config &config, QStringList *errors, QStringList *notes = nullptr);
    const Config &config() const { return m_config; }

    bool isRunning() const;
    quint16 port() const;    // the plain listener's; 0 without one
    quint16 tlsPort() const; // the HTTPS listener's; 0 without one
    // http://host:port as a client reaches it; https:// when HTTPS is the only listener.
    QString listenUrl() const;
    QString tlsUrl() const; // https://host:port; empty without an HTTPS listener
    // Another listener of this process (the admin plane): a Destination or upstream naming
    // it is refused as a loop, like the gateway's own.
    void addOwnListener(const QHostAddress &address, quint16 port);
    QString upstreamUrl() const; // empty in Destination mode
    // The introspection cache, for manual eviction (GUI, admin plane); null when stopped.
    IntrospectionCache *cache() const { return m_cache.get(); }
    // The issuer's keys the gateway holds for its introspection endpoint `index` (0: the
    // default one) under a JWT validation mode; null when none were fetched or it introspects.
    std::shared_ptr<const JwkSet> issuerKeys(qsizetype index = 0) const;
    // What the operator revoked at the gateway; kept across reloads and stop()/start() (it is
    // not configuration; a new process reads it back from Redis only), refused on every
    // request whatever the cache or the JWT says.
    RevocationList &revocations() const { return *m_revocations; }
    // Time for the cache and token checks; tests pass a ManualClock. Before start().
    void setClock(const Clock *clock) { m_clock = clock; }
    const Clock &clock() const { return *m_clock; }
    // Time for the connections' deadlines (HttpServer::setDeadlineClock); tests pass a
    // ManualClock and call sweepDeadlines() after moving it. Before start().
    void setDeadlineClock(const Clock *clock) { m_deadlineClock = clock; }
    void sweepDeadlines();
    // The JWT signing key as a JWKS document ({"keys":[...]}) for /.well-known/jwks.json;
    // after a reload that changed the key (and its kid) the previous key too. Empty when
    // no JWT is minted or it is HS256 (a shared secret is never published).
    QByteArray jwks() const;
    // Requests that joined another request's introspection call instead of making their own.
    quint64 coalescedWaiters() const;
    // The shared Redis tier's counters and connection state; null when it is off or stopped.
    const RedisStats *redisStats() const;
    const RateLimitStats &rateLimitStats() const { return *m_rateLimitStats; }
    int openConnections() const;
    // Whether RequestEvents carry the per-request decision trace (the desktop app shows it;
    // the daemon logs none of it and saves the allocations). On by default. Before start().
    void setDecisionTrace(bool on) { m_decisionTrace = on; }
    // Gauges and counters of the running gateway, for /metrics.
    void renderMetrics(PrometheusText &out) const;

    // What the workers run, from a validated config (exposed for tests).
    static PipelineSettings pipelineSettings(const Config &config);

private:
    HandlerFactory gatewayFactory() const;
    // The cache, coalescing and shared tier for the current config, replacing the old ones.
    void buildCache();
    // Adds the counters of the cache, coalescing and shared tier about to go to m_carried.
    void carryCounters();
    // The shared tier's counters since start, in the order of RedisCounterNames.
    std::array<quint64, 8> redisCounters() const;
    // One fetcher per endpoint (null for those that only introspect), kept across reloads when
    // their settings do not change.
    void syncJwksFetchers();
    void renderJwksMetrics(PrometheusText &out) const;
    void renderTlsMetrics(PrometheusText &out) const;
    // Certificates are renewed by hand or by a job that can fail: its expiry is told in
    // the log this long ahead, at start, on reloads, and twice a day.
    static constexpr qint64 CertificateWarningDays = 30;
    void warnIfCertificateExpires() const;

    EventHub *m_events;
    Config m_config;
    std::shared_ptr<IntrospectionCache> m_cache;
    // Kept across rebuilt caches: a WebSocket judged under the old one hears of evictions in
    // the new one.
    std::shared_ptr<EvictionLog> m_evictionLog = std::make_shared<EvictionLog>();
    std::shared_ptr<IntrospectionFlights> m_flights;
    std::shared_ptr<RedisTier> m_redis;
    std::shared_ptr<RevocationList> m_revocations = std::make_shared<RevocationList>();
    std::shared_ptr<TunnelSlots> m_tunnels = std::make_shared<TunnelSlots>();
    std::unique_ptr<RedisEvictions> m_redisEvictions;
    const Clock *m_clock = &SystemClock::instance();
    const Clock *m_deadlineClock = &SteadyClock::instance();
    std::unique_ptr<HttpServer> m_gateway;
    QTimer m_certificateCheck;
    std::vector<std::unique_ptr<JwksFetcher>> m_jwksFetchers;
    QString m_upstreamUrl;
    bool m_decisionTrace = true;
    std::shared_ptr<const JwtSigner> m_jwtSigner;
    std::shared_ptr<const JwtSigner> m_previousJwtSigner;
    std::shared_ptr<UpstreamPoolCounters> m_poolCounters = std::make_shared<UpstreamPoolCounters>();
    std::shared_ptr<OwnListeners> m_ownListeners = std::make_shared<OwnListeners>();
    std::shared_ptr<RateLimiter> m_rateLimiter = std::make_shared<RateLimiter>();
    std::shared_ptr<RateLimitStats> m_rateLimitStats = std::make_shared<RateLimitStats>();
    // What the caches, coalescing and shared tiers replaced by reloads (or a restart of the
    // service) had counted: /metrics counts since start, and a counter that went down would
    // read as a process restart and hide what the replaced ones saw. Requests still running
    // on a replaced one when it is carried add to it no more.
    struct {
        CacheStats cache; // only the counters: entries and bytes are the live cache's
        quint64 coalesced = 0;
        std::array<quint64, 8> redis{};
    } m_carried;
};

} // namespace Tokengate
