// SPDX-License-Identifier: Apache-2.0
#include "core/devidp/demoenvironment.h"

#include "core/config/config.h"
#include "core/devidp/demoidp.h"
#include "core/devidp/echohandler.h"
#include "core/server/httpserver.h"

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
    return true;
}

void DemoEnvironment::apply(Config &config) const {
    config.upstreamUrl = QStringLiteral("http://127.0.0.1:%1").arg(m_echo->port());
    config.server.address = QHostAddress::LocalHost; // the demo never faces the network
    if (config.auth != AuthMode::Introspection)
        return;
    config.introspection.url = m_idp->introspectionUrl();
    config.introspection.clientId = QString::fromLatin1(m_idp->clientId());
    config.introspection.clientSecret = QString::fromLatin1(m_idp->clientSecret());
    config.introspection.authorization.clear();
    if (config.jwt.headerName.isEmpty())
        config.jwt.headerName = QStringLiteral("X-Tokengate-Jwt");
    if (config.jwt.secret == QLatin1StringView(JwtConfig::DefaultSecret))
        config.jwt.secret = m_jwtSecret;
}

} // namespace Tokengate
