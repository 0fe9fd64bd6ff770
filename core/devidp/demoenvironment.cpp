// SPDX-License-Identifier: Apache-2.0
#include "core/devidp/demoenvironment.h"

#include "core/config/config.h"
#include "core/devidp/demoidp.h"
#include "core/devidp/echohandler.h"
#include "core/server/httpserver.h"
#include "core/server/selfsignedcertificate.h"

#include <QRandomGenerator>

namespace Tokengate {

DemoEnvironment::DemoEnvironment() = default;

DemoEnvironment::~DemoEnvironment() = default;

bool DemoEnvironment::start(QString *error) {
    ServerSettings echo;
    echo.address = QHostAddress::LocalHost;
    echo.port = 0;
    echo.workers = 1;
    m_echo = std::make_unique<HttpServer>(
        echo, [](DeadlineSweeper &, int) { return std::make_unique<EchoHandler>(); });
    QString why;
    if (!m_echo->start(&why)) {
        *error = QStringLiteral("demo echo upstream: ") + why;
        return false;
    }
    m_idp = std::make_unique<DemoIdp>();
    if (!m_idp->start(0, error))
        return false;
    QByteArray key(32, Qt::Uninitialized);
    QRandomGenerator::system()->generate(key.begin(), key.end());
    m_jwtSecret = QString::fromLatin1(key.toBase64());
    m_tlsDir = std::make_unique<QTemporaryDir>();
    const auto tls =
        m_tlsDir->isValid()
            ? writeSelfSignedCertificate(
                  m_tlsDir->path(), QStringLiteral("tokengate-demo"), {QStringLiteral("localhost")},
                  {QStringLiteral("127.0.0.1"), QStringLiteral("::1")}, -1, 90, error)
            : std::nullopt;
    if (!tls) {
        if (!m_tlsDir->isValid())
            *error = QStringLiteral("demo: no temporary folder for its certificate");
        return false;
    }
    m_certFile = tls->certFile;
    m_keyFile = tls->keyFile;
    return true;
}

void DemoEnvironment::apply(Config &config) const {
    config.upstreamUrl = QStringLiteral("http://127.0.0.1:%1").arg(m_echo->port());
    for (RouteConfig &route : config.routes) {
        if (route.upstreamUrl.isEmpty() && !route.destinationMode)
            route.upstreamUrl = config.upstreamUrl;
    }
    config.server.address = QHostAddress::LocalHost; // the demo never faces the network
    if (config.server.tls.enabled) {
        config.server.tls.address = QHostAddress::LocalHost;
        if (config.tls.certFile.isEmpty() && config.tls.keyFile.isEmpty()) {
            config.tls.certFile = m_certFile;
            config.tls.keyFile = m_keyFile;
        }
    }
    // Its tokens come from the demo IdP, which no real IdP knows: every endpoint, the routes'
    // named ones too, asks the demo IdP, and no issuer is left to discover on the network.
    useDemoIdp(config.introspection);
    for (IntrospectionConfig &named : config.moreIntrospection)
        useDemoIdp(named);
    if (config.auth != AuthMode::Introspection)
        return;
    if (config.jwt.headerName.isEmpty())
        config.jwt.headerName = QStringLiteral("X-Tokengate-Jwt");
    if (config.jwt.secret == QLatin1StringView(JwtConfig::DefaultSecret))
        config.jwt.secret = m_jwtSecret;
}

void DemoEnvironment::useDemoIdp(IntrospectionConfig &endpoint) const {
    IntrospectionConfig demo;
    demo.name = endpoint.name;
    demo.url = m_idp->introspectionUrl();
    demo.clientId = QString::fromLatin1(m_idp->clientId());
    demo.clientSecret = QString::fromLatin1(m_idp->clientSecret());
    endpoint = demo; // nothing of the real IdP's (issuer, key file, audience) stays
}

} // namespace Tokengate
