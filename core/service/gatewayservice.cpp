// SPDX-License-Identifier: Apache-2.0
#include "core/service/gatewayservice.h"

#include "core/auth/clientauth.h"
#include "core/devidp/demoidp.h"
#include "core/devidp/echohandler.h"
#include "core/pipeline/gatewayhandler.h"
#include "core/server/httpserver.h"

#include <QRandomGenerator>

namespace Tokengate {

GatewayService::GatewayService(EventHub *events, QObject *parent)
    : QObject(parent)
    , m_events(events) {}

GatewayService::~GatewayService() {
    stop();
}

PipelineSettings GatewayService::pipelineSettings(const Config &config) {
    PipelineSettings p;
    if (!config.upstreamUrl.isEmpty())
        p.upstream = UpstreamTarget::parse(config.upstreamUrl, nullptr);
    p.destinations = DestinationPolicy::parse(config.destinationAllow, nullptr).value();
    p.upstreamSettings = config.upstream;
    if (!p.upstream) {
        p.upstreamSettings.refuseInternalPeers = true;
        p.upstreamSettings.internalPeersAllowed = p.destinations.exactHosts();
    }
    p.authenticate = config.auth == AuthMode::Introspection;
    if (p.authenticate) {
        // validate() has loaded the same URL and key: this cannot fail here.
        p.introspection = introspectionEndpoint(config.introspection, nullptr).value();
    }
    p.allowMissingToken = config.allowMissingToken;
    p.requiredScopes = config.requiredScopes;
    p.jwtHeader = config.jwt.headerName.toLatin1();
    p.jwtSecret = config.jwt.secret.toUtf8();
    p.jwtLifetimeSecs = config.jwt.lifetimeSecs;
    p.jwtPassthrough = config.jwt.allowPassthrough;
    return p;
}

bool GatewayService::startDemo(QStringList *errors) {
    ServerSettings echo;
    echo.address = QHostAddress::LocalHost;
    echo.port = 0;
    echo.workers = 1;
    m_echo = std::make_unique<HttpServer>(
        echo, [](DeadlineSweeper &, int) { return std::make_unique<EchoHandler>(); });
    QString why;
    if (!m_echo->start(&why)) {
        *errors = {QStringLiteral("demo echo upstream: ") + why};
        return false;
    }
    m_demoIdp = std::make_unique<DemoIdp>();
    if (!m_demoIdp->start(0, &why)) {
        *errors = {why};
        return false;
    }
    QByteArray key(32, Qt::Uninitialized);
    QRandomGenerator::system()->generate(key.begin(), key.end());
    m_demoJwtSecret = QString::fromLatin1(key.toBase64());
    applyDemo(m_config);
    return true;
}

void GatewayService::applyDemo(Config &config) const {
    config.upstreamUrl = QStringLiteral("http://127.0.0.1:%1").arg(m_echo->port());
    config.server.address = QHostAddress::LocalHost; // the demo never faces the network
    if (config.auth != AuthMode::Introspection)
        return;
    config.introspection.url = m_demoIdp->introspectionUrl();
    config.introspection.clientId = QString::fromLatin1(m_demoIdp->clientId());
    config.introspection.clientSecret = QString::fromLatin1(m_demoIdp->clientSecret());
    config.introspection.authorization.clear();
    if (config.jwt.headerName.isEmpty())
        config.jwt.headerName = QStringLiteral("X-Tokengate-Jwt");
    if (config.jwt.secret == QLatin1StringView(JwtConfig::DefaultSecret))
        config.jwt.secret = m_demoJwtSecret;
}

HandlerFactory GatewayService::gatewayFactory() const {
    PipelineSettings pipeline = pipelineSettings(m_config);
    pipeline.cache = m_cache;
    pipeline.flights = m_flights;
    pipeline.clock = m_clock;
    const HttpLimits limits = m_config.server.limits;
    return [pipeline, limits](DeadlineSweeper &sweeper, int) {
        return std::make_shared<GatewayHandler>(pipeline, limits, sweeper);
    };
}

bool GatewayService::start(const Config &config, QStringList *errors) {
    stop();
    m_config = config;
    QStringList problems = m_config.validate();
    if (!problems.isEmpty()) {
        *errors = problems;
        return false;
    }
    if (m_config.demo && !startDemo(errors)) {
        stop();
        return false;
    }

    m_upstreamUrl = m_config.upstreamUrl;
    m_cache = std::make_shared<IntrospectionCache>(m_config.cache, *m_clock);
    m_flights = std::make_shared<IntrospectionFlights>();
    m_gateway = std::make_unique<HttpServer>(m_config.server, gatewayFactory(), m_events);
    QString why;
    if (!m_gateway->start(&why)) {
        *errors = {QStringLiteral("listen: ") + why};
        stop();
        return false;
    }
    return true;
}

bool GatewayService::reload(const Config &config, QStringList *errors, QStringList *notes) {
    if (!isRunning()) {
        *errors = {QStringLiteral("the gateway is not running")};
        return false;
    }
    const QStringList problems = config.validate();
    if (!problems.isEmpty()) {
        *errors = problems;
        return false;
    }
    Config next = config;
    QStringList kept;
    if (next.demo != m_config.demo)
        kept << QStringLiteral("demo mode");
    next.demo = m_config.demo;
    if (next.demo)
        applyDemo(next);
    if (!(next.server == m_config.server))
        kept << QStringLiteral("listen address, workers and limits");
    next.server = m_config.server;
    if (next.drainTimeoutMs != m_config.drainTimeoutMs)
        kept << QStringLiteral("drain timeout");
    next.drainTimeoutMs = m_config.drainTimeoutMs;
    if (notes) {
        for (const QString &what : kept)
            *notes << what + QStringLiteral(" changed: takes effect at the next restart");
    }

    const bool keepCache =
        next.introspection == m_config.introspection && next.cache == m_config.cache;
    m_config = next;
    m_upstreamUrl = m_config.upstreamUrl;
    if (!keepCache) {
        m_cache = std::make_shared<IntrospectionCache>(m_config.cache, *m_clock);
        m_flights = std::make_shared<IntrospectionFlights>();
    }
    m_gateway->replaceHandlers(gatewayFactory());
    return true;
}

void GatewayService::stop() {
    if (m_gateway)
        m_gateway->stop(m_config.drainTimeoutMs);
    m_gateway.reset();
    if (m_echo)
        m_echo->stop(0);
    m_echo.reset();
    m_demoIdp.reset();
    m_cache.reset();
    m_flights.reset();
}

bool GatewayService::isRunning() const {
    return m_gateway && m_gateway->isRunning();
}

quint16 GatewayService::port() const {
    return m_gateway ? m_gateway->port() : 0;
}

QString GatewayService::listenUrl() const {
    QHostAddress a = m_config.server.address;
    if (a == QHostAddress::Any || a == QHostAddress::AnyIPv4)
        a = QHostAddress::LocalHost;
    else if (a == QHostAddress::AnyIPv6)
        a = QHostAddress::LocalHostIPv6;
    const QString host =
        a.protocol() == QAbstractSocket::IPv6Protocol ? u'[' + a.toString() + u']' : a.toString();
    return QStringLiteral("http://%1:%2").arg(host).arg(port());
}

quint64 GatewayService::coalescedWaiters() const {
    return m_flights ? m_flights->coalesced() : 0;
}

QString GatewayService::upstreamUrl() const {
    return m_upstreamUrl;
}

} // namespace Tokengate
