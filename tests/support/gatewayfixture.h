// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/config.h"
#include "core/devidp/echohandler.h"
#include "core/observe/eventhub.h"
#include "core/server/httpserver.h"
#include "core/service/gatewayservice.h"
#include "tests/support/testcertificate.h"

#include <QTcpServer>
#include <QTest>

#include <memory>

namespace Tokengate::Test {

// A gateway in this process on 127.0.0.1:0, unauthenticated, one worker unless told.
inline Config testConfig(const QString &upstreamUrl) {
    Config c;
    c.server.address = QHostAddress::LocalHost;
    c.server.port = 0;
    c.server.workers = 1;
    c.upstreamUrl = upstreamUrl;
    c.auth = AuthMode::None;
    c.drainTimeoutMs = 2000;
    return c;
}

// `c` serving HTTPS as well, on 127.0.0.1 and a free port, presenting `cert`.
inline Config servingHttps(Config c, const TestCertificate &cert) {
    c.server.tls.enabled = true;
    c.server.tls.address = QHostAddress::LocalHost;
    c.server.tls.port = 0;
    c.tls.certFile = cert.certFile;
    c.tls.keyFile = cert.keyFile;
    return c;
}

// A route taking the paths under `prefix` to `upstream` (empty: the Destination header's).
inline RouteConfig prefixRoute(const char *name, const char *prefix, const QString &upstream) {
    RouteConfig r;
    r.name = QString::fromLatin1(name);
    r.pathPrefix = QString::fromLatin1(prefix);
    r.upstreamUrl = upstream;
    r.destinationMode = upstream.isEmpty();
    return r;
}

// The built-in echo upstream on 127.0.0.1:0 with one worker; null (and `error`) if it failed.
inline std::unique_ptr<HttpServer> startEchoUpstream(QString *error) {
    ServerSettings s;
    s.port = 0;
    s.workers = 1;
    auto echo = std::make_unique<HttpServer>(
        s, [](DeadlineSweeper &, int) { return std::make_unique<EchoHandler>(); });
    if (!echo->start(error))
        echo.reset();
    return echo;
}

// The base URL of a server listening on loopback.
inline QString loopbackUrl(const HttpServer &server) {
    return QStringLiteral("http://127.0.0.1:%1").arg(server.port());
}

// A loopback port nothing listens on (it was free a moment ago): connecting is refused.
inline quint16 closedLoopbackPort() {
    QTcpServer probe;
    return probe.listen(QHostAddress::LocalHost, 0) ? probe.serverPort() : 0;
}

struct Gateway {
    EventHub events;
    GatewayService service{&events};

    bool start(const Config &config) {
        QStringList errors;
        const bool ok = service.start(config, &errors);
        if (!ok)
            qWarning() << "gateway did not start:" << errors;
        return ok;
    }
    quint16 port() const { return service.port(); }

    // Connection deadlines on `clock` (before start()): none passes until the test moves the
    // clock and calls sweep(), so timeouts are tested at their exact bounds without waiting.
    void useDeadlineClock(const Clock &clock) { service.setDeadlineClock(&clock); }
    // Checks every deadline at the clock's time now. A worker reads what a client sent on a
    // turn of its event loop, and a read sets the times deadlines count from: each round is a
    // turn, and after three even a read that became due alongside the first has been done, so
    // the test may move the clock next.
    void sweep() {
        for (int round = 0; round < 3; ++round)
            service.sweepDeadlines();
    }
};

} // namespace Tokengate::Test
