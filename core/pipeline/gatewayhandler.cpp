// SPDX-License-Identifier: Apache-2.0
#include "core/pipeline/gatewayhandler.h"

#include "core/http/hopbyhop.h"
#include "core/http/httpconnection.h"
#include "core/pipeline/gatewayexchange.h"
#include "core/pipeline/proxyexchange.h"

#include <algorithm>

namespace Tokengate {

namespace {

QList<QByteArray> tokenParameters(const QList<RouteSettings> &routes) {
    QList<QByteArray> names;
    for (const RouteSettings &r : routes) {
        for (const TokenSource &s : r.tokenSources) {
            if (s.kind == TokenSource::Kind::Query && !s.name.isEmpty())
                names << s.name.toLatin1();
        }
    }
    return names;
}

} // namespace

GatewayHandler::GatewayHandler(PipelineSettings settings, HttpLimits limits,
                               DeadlineSweeper &sweeper)
    : m_settings(std::move(settings))
    , m_pool(m_settings.upstreamSettings, limits, sweeper, m_settings.poolCounters)
    , m_redactor(tokenParameters(m_settings.routes))
    , m_loopGuard(m_settings.ownListeners)
    , m_minter(
          m_settings.jwtSigner || m_settings.jwtNeedsSigner
              ? JwtMinter(m_settings.jwtSigner, m_settings.jwtLifetimeSecs, m_settings.jwtClaims)
              : JwtMinter(m_settings.jwtSecret, m_settings.jwtLifetimeSecs)) {
    // A route without identity headers must not let a client's X-User through to an upstream
    // that another route feeds X-User: they are removed on every route.
    for (const RouteSettings &route : std::as_const(m_settings.routes)) {
        for (const IdentityHeaders::Mapping &m : route.identityHeaders) {
            if (!m_identityNames.contains(m.header))
                m_identityNames << m.header;
        }
        // So does one that carries the client's certificate: an upstream trusting
        // X-Client-Subject on one route must never read a client's own on another.
        for (const RouteSettings::CertificateHeader &h : route.clientCertificateHeaders) {
            if (!m_identityNames.contains(h.header))
                m_identityNames << h.header;
        }
        // A field a rule fills from a claim speaks for the caller like an identity header.
        for (const QByteArray &name : route.requestHeaders.writtenNames(true)) {
            if (!m_identityNames.contains(name))
                m_identityNames << name;
        }
    }
    m_gatewayNames = m_identityNames;
    for (const RouteSettings &route : std::as_const(m_settings.routes)) {
        m_gatewayNames += route.requestHeaders.names(); // removed ones too: X_Internal is one
        // A limit's key header: X_Api_Key would reach the upstream as a second X-Api-Key.
        for (const RateLimitSpec &limit : route.rateLimits) {
            if (limit.key == RateLimitSpec::Key::Header)
                m_gatewayNames << limit.name.toLatin1();
        }
    }
    m_gatewayNames << "X-Tokengate-Introspection"
                   << "Via";
    // X_Real_IP or X_Forwarded_Ssl would reach CGI-style upstreams as the dashed field the
    // forwarded mode decides, in any mode.
    for (QByteArrayView name : forwardedFieldNames())
        m_gatewayNames << name.toByteArray();
    if (!m_settings.jwtHeader.isEmpty())
        m_gatewayNames << m_settings.jwtHeader;
    if (!m_settings.requestIdHeader.isEmpty())
        m_gatewayNames << m_settings.requestIdHeader;
    // Shared through Redis only when some route has limits: a connection per worker otherwise
    // idle would still count in /metrics.
    const bool limited =
        std::any_of(m_settings.routes.cbegin(), m_settings.routes.cend(),
                    [](const RouteSettings &route) { return !route.rateLimits.isEmpty(); });
    m_rateLimits = std::make_unique<RateLimitClient>(m_settings.rateLimiter, *m_settings.rateClock,
                                                     m_settings.rateLimitStats,
                                                     limited ? m_settings.redis : nullptr);
    QString unused;
    const std::optional<TrustedProxies> trusted =
        TrustedProxies::parse(m_settings.upstreamSettings.trustedProxies, &unused);
    m_trustedProxies = trusted.value_or(TrustedProxies());
    m_trustNoProxy = !trusted; // validate() refuses a bad list; were it missed, trust nobody
    RouteSettings &r = m_implicitRoute;
    r.upstream = m_settings.upstream;
    r.destinations = m_settings.destinations;
    r.authenticate = m_settings.authenticate;
    r.exactScopes = m_settings.requiredScopes;
    r.anonymousWhenMissing = m_settings.allowMissingToken;
    if (m_settings.authenticate) {
        QList<IntrospectionEndpoint> endpoints{m_settings.introspection};
        endpoints << m_settings.moreIntrospections;
        for (const IntrospectionEndpoint &e : endpoints) {
            m_introspections.push_back(std::make_unique<IntrospectionClient>(
                e, idpConnectionSettings(m_settings.upstreamSettings, e), limits, sweeper));
            m_introspectors.push_back(std::make_unique<TokenIntrospector>(
                *m_introspections.back(), m_settings.cache, m_settings.flights, m_settings.redis,
                *m_settings.clock));
        }
    }
}

GatewayHandler::~GatewayHandler() {
    m_introspectors.clear(); // before the clients their calls use
}

bool GatewayHandler::busy() const {
    return std::any_of(m_introspectors.cbegin(), m_introspectors.cend(),
                       [](const auto &i) { return i->hasCallsInFlight(); });
}

TokenIntrospector *GatewayHandler::introspector(int index) {
    if (index < 0 || size_t(index) >= m_introspectors.size())
        return nullptr;
    return m_introspectors[size_t(index)].get();
}

QByteArray GatewayHandler::jwtFor(const std::shared_ptr<const IntrospectionResult> &identity,
                                  qint64 nowSecs) {
    auto it = m_minted.find(identity.get());
    if (it != m_minted.end() && it->atSecs == nowSecs)
        return it->jwt;
    if (it == m_minted.end()) {
        // A bound, not an LRU: hot tokens come back within the second. It matches the cache's
        // pinned results (2048), which the entries here keep alive in the meantime.
        if (m_minted.size() >= 2048)
            m_minted.clear();
        it = m_minted.insert(identity.get(), {identity, nowSecs, {}});
    }
    it->atSecs = nowSecs;
    it->jwt = m_minter.mint(*identity, nowSecs);
    return it->jwt;
}

void GatewayHandler::cleanClientHead(HeaderMap &headers) const {
    // One pass over the client's fields, before the gateway reads or adds any:
    // - the client's Connection field speaks of the client's connection only; applied first,
    //   it cannot remove a field the gateway sets, nor the framing (written from the parser);
    // - IIS, Symfony (before 3.4.14) and Laminas serve the path in X-Original-URL or
    //   X-Rewrite-URL instead of the request line's: routed one path, they would serve another;
    // - gunicorn, Puma, PHP and CGI read "_" as "-": a client's X_User would reach them as a
    //   second X-User. Exact names of the other gateway-set fields are handled where the
    //   gateway sets them (some are kept on purpose, e.g. a well-formed client request id).
    const HopByHopFilter hopByHop(headers);
    auto isGatewayName = [&](QByteArrayView name) {
        return std::any_of(m_gatewayNames.cbegin(), m_gatewayNames.cend(),
                           [&](const QByteArray &g) { return HeaderMap::sameNameFolded(name, g); });
    };
    auto isIdentityName = [&](QByteArrayView name) {
        return std::any_of(m_identityNames.cbegin(), m_identityNames.cend(),
                           [&](const QByteArray &i) { return HeaderMap::sameNameFolded(name, i); });
    };
    headers.removeIf([&](const HeaderField &f) {
        return hopByHop.drops(f.name) || isFramingField(f.name) || isIdentityName(f.name) ||
               HeaderMap::sameName(f.name, "X-Original-URL") ||
               HeaderMap::sameName(f.name, "X-Rewrite-URL") ||
               (f.name.contains('_') && isGatewayName(f.name));
    });
}

std::unique_ptr<Exchange> GatewayHandler::createExchange(HttpConnection &client,
                                                         const RequestHead &head) {
    // Before anything can log or publish the event: it must not show a token.
    client.requestEvent().target = m_redactor.redact(head.target);
    // The unauthenticated fixed-upstream case has nothing to decide: skip the pipeline,
    // unless a loop is to be refused (GatewayExchange answers that).
    if (!m_settings.authenticate && m_settings.upstream && m_settings.routes.isEmpty() &&
        !LoopGuard::passedHere(head.headers) &&
        !m_loopGuard.targetsSelf(m_settings.upstream->origin)) {
        RequestHead stamped = head;
        cleanClientHead(stamped.headers);
        LoopGuard::stamp(stamped);
        return std::make_unique<ProxyExchange>(client, m_pool, *m_settings.upstream, stamped,
                                               forwardedFor(client));
    }
    return std::make_unique<GatewayExchange>(*this, client, head);
}

ForwardedMode GatewayHandler::forwardedFor(const HttpConnection &client) const {
    const ForwardedMode mode = m_settings.upstreamSettings.forwarded;
    if (mode == ForwardedMode::Append &&
        (m_trustNoProxy ||
         (!m_trustedProxies.isEmpty() && !m_trustedProxies.contains(client.peerAddress()))))
        return ForwardedMode::Replace;
    return mode;
}

} // namespace Tokengate
