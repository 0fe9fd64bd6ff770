// SPDX-License-Identifier: Apache-2.0
#include "core/service/gatewayservice.h"

#include "core/auth/clientauth.h"
#include "core/auth/jwkssource.h"
#include "core/auth/jwtsigner.h"
#include "core/cache/redisevictions.h"
#include "core/config/routecompiler.h"
#include "core/observe/logging.h"
#include "core/observe/prometheustext.h"
#include "core/pipeline/gatewayhandler.h"
#include "core/server/httpserver.h"

#include <algorithm>

namespace Tokengate {

namespace {

// The shared tier's counters: operations by result, then evictions by direction.
constexpr std::array<const char *, 8> RedisCounterNames = {
    "hits", "misses", "errors", "timeouts", "skipped", "writes", "published", "received"};
constexpr qsizetype RedisOperationCount = 6;

std::array<quint64, 8> countersOf(const RedisStats &s) {
    return {s.hits.load(),
            s.misses.load(),
            s.errors.load(),
            s.timeouts.load(),
            s.skipped.load(),
            s.writes.load(),
            s.evictionsPublished.load(),
            s.evictionsReceived.load()};
}

// Adds the counters of `from` to `to`; entries and bytes are a live cache's, not counters.
void addCounters(CacheStats &to, const CacheStats &from) {
    to.hits += from.hits;
    to.negativeHits += from.negativeHits;
    to.misses += from.misses;
    to.staleServed += from.staleServed;
    to.evictions += from.evictions;
}

void addCounters(std::array<quint64, 8> &to, const std::array<quint64, 8> &from) {
    for (size_t i = 0; i < to.size(); ++i)
        to[i] += from[i];
}

// Config::validate() accepts an issuer without an endpoint URL, for resolveDiscovery() to fill
// in; the shells do that before starting. A forgotten lookup must not start a gateway that
// cannot introspect.
QString undiscovered(const Config &config) {
    if (config.auth != AuthMode::Introspection || config.demo)
        return {};
    QList<IntrospectionConfig> all = config.moreIntrospection;
    all.prepend(config.introspection);
    for (const IntrospectionConfig &i : all) {
        if (i.url.isEmpty() && i.asksIdp())
            return QStringLiteral("introspection \"%1\": the endpoint of issuer %2 has not been "
                                  "discovered")
                .arg(i.name, i.issuer);
        if (i.jwksUri.isEmpty() && i.needsKeys())
            return QStringLiteral("introspection \"%1\": the jwks_uri of issuer %2 has not been "
                                  "discovered")
                .arg(i.name, i.issuer);
    }
    return {};
}

} // namespace

GatewayService::GatewayService(EventHub *events, QObject *parent)
    : QObject(parent)
    , m_events(events) {
    m_certificateCheck.setInterval(12 * 3600 * 1000);
    connect(&m_certificateCheck, &QTimer::timeout, this, &GatewayService::warnIfCertificateExpires);
}

GatewayService::~GatewayService() {
    stop();
}

namespace {

// How we call the endpoint. validate() has loaded the same URL and key, so this does not fail
// here; if it did, the empty endpoint fails every call as unreachable instead of guessing.
// The client certificates the gateway presents: setting -> file.
QMap<QString, QString> clientCertificateFiles(const Config &c) {
    QMap<QString, QString> files;
    if (!c.upstream.clientCertFile.isEmpty())
        files.insert(QStringLiteral("upstream.tls.client_cert_file"), c.upstream.clientCertFile);
    QList<IntrospectionConfig> endpoints = c.moreIntrospection;
    endpoints.prepend(c.introspection);
    for (const IntrospectionConfig &i : endpoints) {
        if (!i.tlsClientCertFile.isEmpty())
            files.insert(QStringLiteral("introspection \"%1\" tls.client_cert_file").arg(i.name),
                         i.tlsClientCertFile);
    }
    return files;
}

// Without CAs of its own, an IdP is trusted as the upstreams are.
IntrospectionEndpoint endpointFor(IntrospectionConfig i, const UpstreamSettings &upstream) {
    if (i.tlsCaFile.isEmpty())
        i.tlsCaFile = upstream.caFile;
    return introspectionEndpoint(i, nullptr).value_or(IntrospectionEndpoint());
}

} // namespace

PipelineSettings GatewayService::pipelineSettings(const Config &config) {
    PipelineSettings p;
    if (!config.upstreamUrl.isEmpty())
        p.upstream = UpstreamTarget::parse(config.upstreamUrl, nullptr);
    p.destinations = DestinationPolicy::parse(config.destinationAllow, nullptr).value();
    p.upstreamSettings = config.upstream;
    // validate() has read the files; should one have changed since, no certificate is sent.
    QString why;
    p.upstreamSettings.clientSide =
        loadTlsClientSide(config.upstream.caFile, config.upstream.clientCertFile,
                          config.upstream.clientKeyFile, QStringLiteral("upstream.tls."), &why);
    if (!p.upstreamSettings.clientSide)
        qCWarning(lcServer).noquote() << why << "- upstreams get no client certificate";
    if (!p.upstream) {
        p.upstreamSettings.refuseInternalPeers = true;
        p.upstreamSettings.internalPeersAllowed = p.destinations.exactHosts();
    }
    p.authenticate = config.auth == AuthMode::Introspection;
    if (p.authenticate) {
        p.introspection = endpointFor(config.introspection, config.upstream);
        for (const IntrospectionConfig &i : config.moreIntrospection)
            p.moreIntrospections << endpointFor(i, config.upstream);
    }
    p.allowMissingToken = config.allowMissingToken;
    p.requiredScopes = config.requiredScopes;
    p.jwtHeader = config.jwt.headerName.toLatin1();
    p.jwtSecret = config.jwt.secret.toUtf8();
    p.jwtLifetimeSecs = config.jwt.lifetimeSecs;
    p.jwtPassthrough = config.jwt.allowPassthrough;
    p.jwtClaims = config.jwt.claims;
    if (!config.jwt.headerName.isEmpty() &&
        (config.jwt.algorithm != JwtAlgorithm::HS256 || !config.jwt.keyId.isEmpty() ||
         !config.jwt.claims.isEmpty()))
        p.jwtSigner = JwtSigner::fromConfig(config.jwt, nullptr);
    p.jwtNeedsSigner = config.jwt.algorithm != JwtAlgorithm::HS256;
    if (!config.routes.isEmpty()) {
        p.routes = compileRoutes(config);
        p.router = Router::compile(config.routes, config.paths, nullptr).value_or(Router());
        p.requestIdHeader = config.requestIdHeader.toLatin1();
        // One pool serves every route: when any route lets clients name the upstream, the
        // pool refuses internal peers except those an operator named.
        bool anyDestination = false;
        QStringList named;
        for (const RouteSettings &r : p.routes) {
            if (r.upstream)
                named << r.upstream->origin.host;
            else
                anyDestination = true;
            named << r.destinations.exactHosts();
        }
        p.upstreamSettings.refuseInternalPeers = anyDestination;
        p.upstreamSettings.internalPeersAllowed = anyDestination ? named : QStringList();
    } else if (!config.requestIdHeader.isEmpty()) {
        p.requestIdHeader = config.requestIdHeader.toLatin1();
    }
    return p;
}

HandlerFactory GatewayService::gatewayFactory() const {
    PipelineSettings pipeline = pipelineSettings(m_config);
    if (pipeline.jwtSigner && m_jwtSigner)
        pipeline.jwtSigner = m_jwtSigner; // the one the JWKS publishes, not a second copy
    pipeline.cache = m_cache;
    pipeline.flights = m_flights;
    pipeline.redis = m_redis;
    pipeline.revocations = m_revocations;
    pipeline.tunnels = m_tunnels;
    pipeline.clock = m_clock;
    pipeline.poolCounters = m_poolCounters;
    pipeline.rateLimiter = m_rateLimiter;
    pipeline.rateClock = m_deadlineClock;
    pipeline.rateLimitStats = m_rateLimitStats;
    pipeline.decisionTrace = m_decisionTrace;
    pipeline.ownListeners = m_ownListeners;
    if (pipeline.authenticate) {
        for (size_t i = 0; i < m_jwksFetchers.size(); ++i) {
            IntrospectionEndpoint &e =
                i == 0 ? pipeline.introspection : pipeline.moreIntrospections[qsizetype(i) - 1];
            if (m_jwksFetchers[i])
                e.jwks = m_jwksFetchers[i]->keys();
        }
    }
    const HttpLimits limits = m_config.server.limits;
    return [pipeline, limits](DeadlineSweeper &sweeper, int) {
        return std::make_shared<GatewayHandler>(pipeline, limits, sweeper);
    };
}

bool GatewayService::start(const Config &config, QStringList *errors) {
    stop();
    if (const QString why = undiscovered(config); !why.isEmpty()) {
        *errors = {why};
        return false;
    }
    m_config = config;
    QStringList problems = m_config.validate();
    if (!problems.isEmpty()) {
        *errors = problems;
        return false;
    }
    m_upstreamUrl = m_config.upstreamUrl;
    m_jwtSigner = JwtSigner::fromConfig(m_config.jwt, nullptr);
    m_previousJwtSigner.reset();
    buildCache();
    syncJwksFetchers();
    m_gateway = std::make_unique<HttpServer>(m_config.server, gatewayFactory(), m_events);
    m_gateway->setDeadlineClock(*m_deadlineClock);
    QString why;
    if (m_config.server.tls.enabled) {
        const auto tls = loadTlsCertificates(m_config.tls, &why);
        if (!tls) {
            *errors = {why};
            stop();
            return false;
        }
        m_gateway->setTlsCertificates(*tls);
    }
    if (!m_gateway->start(&why)) {
        *errors = {QStringLiteral("listen: ") + why};
        stop();
        return false;
    }
    QList<OwnListeners::Listener> own;
    if (m_config.server.plainEnabled)
        own.append({m_config.server.address, m_gateway->port()});
    if (m_config.server.tls.enabled)
        own.append({m_config.server.tls.address, m_gateway->tlsPort()});
    if (m_config.server.tls.enabled || !clientCertificateFiles(m_config).isEmpty()) {
        warnIfCertificateExpires();
        m_certificateCheck.start();
    }
    m_ownListeners->set(std::move(own));
    return true;
}

void GatewayService::addOwnListener(const QHostAddress &address, quint16 port) {
    QList<OwnListeners::Listener> listeners = m_ownListeners->get();
    listeners.append({address, port});
    m_ownListeners->set(std::move(listeners));
}

bool GatewayService::reload(const Config &config, QStringList *errors, QStringList *notes) {
    if (!isRunning()) {
        *errors = {QStringLiteral("the gateway is not running")};
        return false;
    }
    // What waits for a restart is set first: the config is judged as it will run (a demo flag
    // that does not take effect must not excuse a bad upstream or IdP).
    Config next = config;
    QStringList kept;
    if (next.demo != m_config.demo)
        kept << QStringLiteral("demo mode");
    next.demo = m_config.demo;
    if (!(next.server == m_config.server))
        kept << QStringLiteral("listen address, workers and limits");
    next.server = m_config.server;
    if (next.drainTimeoutMs != m_config.drainTimeoutMs)
        kept << QStringLiteral("drain timeout");
    next.drainTimeoutMs = m_config.drainTimeoutMs;
    QStringList problems = next.validate();
    if (const QString why = undiscovered(next); !why.isEmpty())
        problems << why;
    // Read again even when the paths are the same: a renewed certificate replaces the file.
    std::optional<TlsCertificateSet> tls;
    if (next.server.tls.enabled && problems.isEmpty()) {
        QString why;
        if (!(tls = loadTlsCertificates(next.tls, &why)))
            problems << why;
    }
    if (!problems.isEmpty()) {
        *errors = problems;
        return false;
    }
    if (notes) {
        for (const QString &what : kept)
            *notes << what + QStringLiteral(" changed: takes effect at the next restart");
    }

    // Any endpoint's change may change what its cached answers mean (another jwks_uri, say).
    const bool keepCache = next.introspection == m_config.introspection &&
                           next.moreIntrospection == m_config.moreIntrospection &&
                           next.cache == m_config.cache;
    m_config = next;
    m_upstreamUrl = m_config.upstreamUrl;
    // The JWKS keeps the replaced key for JWTs minted before the reload, which upstreams may
    // still hold; keys without a kid cannot be told apart, so that needs one.
    std::shared_ptr<const JwtSigner> signer = JwtSigner::fromConfig(m_config.jwt, nullptr);
    if (m_jwtSigner && signer && m_jwtSigner->publicJwk() != signer->publicJwk())
        m_previousJwtSigner = m_jwtSigner;
    m_jwtSigner = std::move(signer);
    if (!keepCache)
        buildCache();
    syncJwksFetchers();
    m_gateway->replaceHandlers(gatewayFactory());
    if (tls)
        m_gateway->replaceTlsCertificates(*tls);
    warnIfCertificateExpires();
    if (!m_certificateCheck.isActive() && !clientCertificateFiles(m_config).isEmpty())
        m_certificateCheck.start();
    return true;
}

void GatewayService::warnIfCertificateExpires() const {
    if (!m_gateway)
        return;
    // Our own certificates towards upstreams and IdPs: once expired, every handshake with
    // them fails, which would look like their outage.
    const auto clients = clientCertificateFiles(m_config);
    for (auto it = clients.cbegin(); it != clients.cend(); ++it) {
        const QList<QSslCertificate> chain = QSslCertificate::fromPath(it.value());
        if (chain.isEmpty())
            continue;
        const QDateTime notAfter = chain.first().expiryDate();
        const qint64 daysLeft = QDateTime::currentDateTimeUtc().daysTo(notAfter);
        if (daysLeft <= CertificateWarningDays)
            qCWarning(lcServer).noquote()
                << "the client certificate in" << it.value() << QStringLiteral("(%1)").arg(it.key())
                << "expires on" << notAfter.toString(Qt::ISODate)
                << QStringLiteral("(in %1 days)").arg(daysLeft)
                << "- replace the file and reload (SIGHUP)";
    }
    if (!m_config.server.tls.enabled)
        return;
    for (const TlsCredentials &tls : m_gateway->tlsCertificates().certificates) {
        const qint64 daysLeft = QDateTime::currentDateTimeUtc().daysTo(tls.notAfter);
        if (daysLeft <= CertificateWarningDays)
            qCWarning(lcServer).noquote()
                << "the HTTPS certificate for" << tls.subject << "in" << tls.certFile
                << "expires on" << tls.notAfter.toString(Qt::ISODate)
                << QStringLiteral("(in %1 days)").arg(daysLeft)
                << "- replace the file and reload (SIGHUP)";
    }
}

void GatewayService::stop() {
    m_certificateCheck.stop();
    if (m_gateway)
        m_gateway->stop(m_config.drainTimeoutMs);
    m_gateway.reset();
    carryCounters();
    m_redisEvictions.reset();
    m_redis.reset();
    m_cache.reset();
    m_flights.reset();
    m_jwtSigner.reset();
    m_previousJwtSigner.reset();
    m_jwksFetchers.clear();
}

void GatewayService::syncJwksFetchers() {
    std::vector<std::unique_ptr<JwksFetcher>> previous = std::move(m_jwksFetchers);
    m_jwksFetchers.clear();
    if (m_config.auth != AuthMode::Introspection)
        return;
    QList<IntrospectionConfig> all = m_config.moreIntrospection;
    all.prepend(m_config.introspection);
    for (const IntrospectionConfig &i : all) {
        if (!i.needsKeys()) {
            m_jwksFetchers.push_back(nullptr);
            continue;
        }
        const QString caFile = i.tlsCaFile.isEmpty() ? m_config.upstream.caFile : i.tlsCaFile;
        JwksSettings settings{i.jwksUri,   m_config.upstream.verifyTls, caFile,
                              i.timeoutMs, i.jwksRefreshSecs,           i.jwksRefetchSecs};
        // A reload keeps the keys it has: requests need not wait for a fetch.
        auto same = std::find_if(previous.begin(), previous.end(),
                                 [&](const auto &f) { return f && f->settings() == settings; });
        if (same != previous.end()) {
            m_jwksFetchers.push_back(std::move(*same));
            continue;
        }
        m_jwksFetchers.push_back(std::make_unique<JwksFetcher>(settings, *m_deadlineClock));
        m_jwksFetchers.back()->start();
    }
}

std::shared_ptr<const JwkSet> GatewayService::issuerKeys(qsizetype index) const {
    if (index < 0 || size_t(index) >= m_jwksFetchers.size() || !m_jwksFetchers[size_t(index)])
        return nullptr;
    return m_jwksFetchers[size_t(index)]->keys()->current();
}

void GatewayService::renderJwksMetrics(PrometheusText &out) const {
    if (std::none_of(m_jwksFetchers.cbegin(), m_jwksFetchers.cend(),
                     [](const auto &f) { return bool(f); }))
        return;
    QList<IntrospectionConfig> all = m_config.moreIntrospection;
    all.prepend(m_config.introspection);
    out.family("tokengate_jwks_fetches_total", "counter",
               "Fetches of an issuer's JWK Set for local JWT validation, by result");
    for (size_t i = 0; i < m_jwksFetchers.size() && i < size_t(all.size()); ++i) {
        if (!m_jwksFetchers[i])
            continue;
        const JwksStats &s = m_jwksFetchers[i]->keys()->stats();
        const QByteArray name = all.at(qsizetype(i)).name.toUtf8();
        const quint64 failures = s.failures.load();
        out.sample("tokengate_jwks_fetches_total", {{"endpoint", name}, {"result", "ok"}},
                   double(s.fetches.load() - failures));
        out.sample("tokengate_jwks_fetches_total", {{"endpoint", name}, {"result", "failed"}},
                   double(failures));
    }
    out.family("tokengate_jwks_keys", "gauge", "Signing keys known from the issuer's JWK Set");
    for (size_t i = 0; i < m_jwksFetchers.size() && i < size_t(all.size()); ++i) {
        if (m_jwksFetchers[i])
            out.sample("tokengate_jwks_keys", {{"endpoint", all.at(qsizetype(i)).name.toUtf8()}},
                       double(m_jwksFetchers[i]->keys()->stats().keys.load()));
    }
}

void GatewayService::renderTlsMetrics(PrometheusText &out) const {
    if (!m_gateway || !m_config.server.tls.enabled)
        return;
    out.family("tokengate_tls_certificate_expiry_timestamp_seconds", "gauge",
               "When each certificate of the HTTPS listener expires (Unix time)");
    for (const TlsCredentials &tls : m_gateway->tlsCertificates().certificates)
        out.sample("tokengate_tls_certificate_expiry_timestamp_seconds",
                   {{"subject", tls.subject.toUtf8()}, {"file", tls.certFile.toUtf8()}},
                   double(tls.notAfter.toSecsSinceEpoch()));
    const TlsHandshakeStats &h = m_gateway->tlsHandshakes();
    out.family("tokengate_tls_handshake_failures_total", "counter",
               "HTTPS connections closed before their TLS handshake finished: it failed (an "
               "old protocol, no shared cipher, a plain HTTP client) or timed out");
    out.sample("tokengate_tls_handshake_failures_total", {{"reason", "failed"}},
               double(h.failed.load()));
    out.sample("tokengate_tls_handshake_failures_total", {{"reason", "timeout"}},
               double(h.timedOut.load()));
}

void GatewayService::sweepDeadlines() {
    if (m_gateway)
        m_gateway->sweepDeadlines();
}

QByteArray GatewayService::jwks() const {
    if (!m_jwtSigner || m_config.jwt.headerName.isEmpty() || m_jwtSigner->publicJwk().isEmpty())
        return {};
    QList<const JwtSigner *> signers{m_jwtSigner.get()};
    if (m_previousJwtSigner && !m_previousJwtSigner->publicJwk().isEmpty() &&
        !m_jwtSigner->keyId().isEmpty() && m_previousJwtSigner->keyId() != m_jwtSigner->keyId())
        signers << m_previousJwtSigner.get();
    return jwksDocument(signers);
}

void GatewayService::carryCounters() {
    if (m_cache)
        addCounters(m_carried.cache, m_cache->stats());
    if (m_flights)
        m_carried.coalesced += m_flights->coalesced();
    if (m_redis)
        addCounters(m_carried.redis, countersOf(m_redis->stats));
}

std::array<quint64, 8> GatewayService::redisCounters() const {
    std::array<quint64, 8> counters =
        m_redis ? countersOf(m_redis->stats) : std::array<quint64, 8>{};
    addCounters(counters, m_carried.redis);
    return counters;
}

void GatewayService::buildCache() {
    carryCounters();
    m_redisEvictions.reset(); // unhooks the old cache first
    m_cache = std::make_shared<IntrospectionCache>(m_config.cache, *m_clock, m_evictionLog);
    m_flights = std::make_shared<IntrospectionFlights>();
    m_redis = RedisTier::fromSettings(m_config.cache, *m_clock);
    if (m_redis)
        m_redisEvictions =
            std::make_unique<RedisEvictions>(m_redis, m_cache, m_revocations, *m_clock);
}

const RedisStats *GatewayService::redisStats() const {
    return m_redis ? &m_redis->stats : nullptr;
}

bool GatewayService::isRunning() const {
    return m_gateway && m_gateway->isRunning();
}

quint16 GatewayService::port() const {
    return m_gateway ? m_gateway->port() : 0;
}

quint16 GatewayService::tlsPort() const {
    return m_gateway ? m_gateway->tlsPort() : 0;
}

namespace {
QString urlOf(const char *scheme, QHostAddress a, quint16 port) {
    if (a == QHostAddress::Any || a == QHostAddress::AnyIPv4)
        a = QHostAddress::LocalHost;
    else if (a == QHostAddress::AnyIPv6)
        a = QHostAddress::LocalHostIPv6;
    const QString host =
        a.protocol() == QAbstractSocket::IPv6Protocol ? u'[' + a.toString() + u']' : a.toString();
    return QStringLiteral("%1://%2:%3").arg(QLatin1String(scheme), host).arg(port);
}
} // namespace

QString GatewayService::listenUrl() const {
    if (!m_config.server.plainEnabled)
        return tlsUrl();
    return urlOf("http", m_config.server.address, port());
}

QString GatewayService::tlsUrl() const {
    if (!m_config.server.tls.enabled)
        return {};
    return urlOf("https", m_config.server.tls.address, tlsPort());
}

quint64 GatewayService::coalescedWaiters() const {
    return m_carried.coalesced + (m_flights ? m_flights->coalesced() : 0);
}

QString GatewayService::upstreamUrl() const {
    return m_upstreamUrl;
}

int GatewayService::openConnections() const {
    return m_gateway ? m_gateway->openConnections() : 0;
}

void GatewayService::renderMetrics(PrometheusText &out) const {
    out.family("tokengate_build_info", "gauge", "Version of the running tokengated");
    out.sample("tokengate_build_info", {{"version", TOKENGATE_VERSION}}, 1);
    out.family("tokengate_client_connections", "gauge", "Client connections open now");
    out.sample("tokengate_client_connections", openConnections());
    out.family("tokengate_upstream_connections", "gauge",
               "Upstream connections open now, idle in the pool or serving a request");
    out.sample("tokengate_upstream_connections", double(m_poolCounters->open.load()));
    out.family("tokengate_upstream_connections_opened_total", "counter",
               "Upstream connections opened since start");
    out.sample("tokengate_upstream_connections_opened_total",
               double(m_poolCounters->opened.load()));
    out.family("tokengate_rate_limit_keys", "gauge",
               "Rate limit buckets held now (one per route, limit and client)");
    out.sample("tokengate_rate_limit_keys", double(m_rateLimiter->size()));
    out.family("tokengate_rate_limit_evictions_total", "counter",
               "Live rate limit buckets dropped because the table was full");
    out.sample("tokengate_rate_limit_evictions_total", double(m_rateLimiter->evictions()));
    out.family("tokengate_rate_limit_checks_total", "counter",
               "Rate limit checks judged through Redis (one budget for every instance) or, "
               "with Redis set but unavailable, by this instance's own counters");
    out.sample("tokengate_rate_limit_checks_total", {{"judged_by", "redis"}},
               double(m_rateLimitStats->shared.load()));
    out.sample("tokengate_rate_limit_checks_total", {{"judged_by", "local_fallback"}},
               double(m_rateLimitStats->fallbacks.load()));
    if (m_redis && std::any_of(m_config.routes.cbegin(), m_config.routes.cend(),
                               [](const RouteConfig &r) { return !r.rateLimits.isEmpty(); })) {
        out.family("tokengate_rate_limit_shared", "gauge",
                   "1 while every worker counts rate limits in Redis; 0 while some count "
                   "locally because Redis is unavailable");
        out.sample("tokengate_rate_limit_shared", m_rateLimitStats->sharedNow() ? 1 : 0);
    }
    CacheStats c = m_cache ? m_cache->stats() : CacheStats{};
    addCounters(c, m_carried.cache);
    out.family("tokengate_cache_hits_total", "counter",
               "Introspection cache lookups answered (positive or negative entries)");
    out.sample("tokengate_cache_hits_total", double(c.hits + c.negativeHits));
    out.family("tokengate_cache_misses_total", "counter", "Introspection cache lookups missed");
    out.sample("tokengate_cache_misses_total", double(c.misses));
    out.family("tokengate_cache_stale_served_total", "counter",
               "Answers served past their TTL because the IdP was down");
    out.sample("tokengate_cache_stale_served_total", double(c.staleServed));
    out.family("tokengate_cache_evictions_total", "counter", "Entries evicted by the size bounds");
    out.sample("tokengate_cache_evictions_total", double(c.evictions));
    out.family("tokengate_cache_entries", "gauge", "Entries in the introspection cache");
    out.sample("tokengate_cache_entries", double(c.entries));
    out.family("tokengate_cache_bytes", "gauge", "Approximate bytes held by the cache");
    out.sample("tokengate_cache_bytes", double(c.bytes));
    if (const RedisStats *r = redisStats()) {
        const std::array<quint64, 8> counters = redisCounters();
        out.family("tokengate_redis_operations_total", "counter",
                   "Shared-cache operations by result: hits, misses, errors, timeouts, skipped "
                   "(Redis down: the IdP was asked at once), writes");
        for (qsizetype i = 0; i < RedisOperationCount; ++i)
            out.sample("tokengate_redis_operations_total", {{"result", RedisCounterNames[i]}},
                       double(counters[i]));
        out.family("tokengate_redis_evictions_total", "counter",
                   "Evictions sent to and received from other instances");
        for (qsizetype i = RedisOperationCount; i < qsizetype(counters.size()); ++i)
            out.sample("tokengate_redis_evictions_total", {{"direction", RedisCounterNames[i]}},
                       double(counters[i]));
        out.family("tokengate_redis_connections", "gauge", "Worker connections to Redis, by state");
        out.sample("tokengate_redis_connections", {{"state", "up"}},
                   double(r->connectionsUp.load()));
        out.sample("tokengate_redis_connections", {{"state", "all"}},
                   double(r->connections.load()));
        out.family("tokengate_redis_subscribed", "gauge",
                   "1 while eviction messages from other instances arrive");
        out.sample("tokengate_redis_subscribed", r->subscribed.load() ? 1 : 0);
    }
    renderJwksMetrics(out);
    renderTlsMetrics(out);
    out.family("tokengate_revocations", "gauge",
               "Tokens, jtis and subjects revoked at the gateway (admin POST /revocations)");
    const std::array<qsizetype, 3> revoked = m_revocations->counts(m_clock->nowSecs());
    for (const auto kind :
         {RevocationList::Kind::Token, RevocationList::Kind::Jti, RevocationList::Kind::Subject})
        out.sample("tokengate_revocations", {{"kind", RevocationList::kindName(kind).toLatin1()}},
                   double(revoked[std::size_t(kind)]));
    out.family("tokengate_tunnels_open", "gauge", "WebSockets open through the gateway, per route");
    for (const auto &[route, open] : m_tunnels->open())
        out.sample("tokengate_tunnels_open", {{"route", route}}, double(open));
    out.family("tokengate_coalesced_requests_total", "counter",
               "Requests that joined another request's IdP call instead of making one");
    out.sample("tokengate_coalesced_requests_total", double(coalescedWaiters()));
}

} // namespace Tokengate
