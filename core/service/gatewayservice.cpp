// SPDX-License-Identifier: Apache-2.0
#include "core/service/gatewayservice.h"

#include "core/devidp/echohandler.h"
#include "core/proxy/proxyhandler.h"
#include "core/server/httpserver.h"

namespace Tokengate {

GatewayService::GatewayService(EventHub *events, QObject *parent)
    : QObject(parent)
    , m_events(events) {}

GatewayService::~GatewayService() {
    stop();
}

bool GatewayService::start(const Config &config, QStringList *errors) {
    stop();
    m_config = config;
    if (m_config.demo)
        m_config.auth = AuthMode::None;
    QStringList problems = m_config.validate();
    if (!problems.isEmpty()) {
        *errors = problems;
        return false;
    }

    if (m_config.demo) {
        ServerSettings echo;
        echo.address = QHostAddress::LocalHost;
        echo.port = 0;
        echo.workers = 1;
        m_echo = std::make_unique<HttpServer>(
            echo, [](DeadlineSweeper &, int) { return std::make_unique<EchoHandler>(); });
        QString why;
        if (!m_echo->start(&why)) {
            *errors = {QStringLiteral("demo echo upstream: ") + why};
            m_echo.reset();
            return false;
        }
        m_config.upstreamUrl = QStringLiteral("http://127.0.0.1:%1").arg(m_echo->port());
    }

    m_target = *UpstreamTarget::parse(m_config.upstreamUrl, nullptr);
    const UpstreamTarget target = m_target;
    const UpstreamSettings upstream = m_config.upstream;
    const HttpLimits limits = m_config.server.limits;
    m_gateway = std::make_unique<HttpServer>(
        m_config.server,
        [target, upstream, limits](DeadlineSweeper &sweeper, int) {
            return std::make_unique<ProxyHandler>(target, upstream, limits, sweeper);
        },
        m_events);
    QString why;
    if (!m_gateway->start(&why)) {
        *errors = {QStringLiteral("listen: ") + why};
        stop();
        return false;
    }
    return true;
}

void GatewayService::stop() {
    if (m_gateway)
        m_gateway->stop(m_config.drainTimeoutMs);
    m_gateway.reset();
    if (m_echo)
        m_echo->stop(0);
    m_echo.reset();
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

QString GatewayService::upstreamUrl() const {
    return m_target.toString();
}

} // namespace Tokengate
