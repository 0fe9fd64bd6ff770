// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/introspectionconfig.h"
#include "core/auth/jwtconfig.h"
#include "core/cache/cachesettings.h"
#include "core/http/upstreamsettings.h"
#include "core/pipeline/routeconfig.h"
#include "core/server/serversettings.h"

#include <QHostAddress>
#include <QStringList>

namespace Tokengate {

enum class AuthMode {
    Introspection, // every request needs a token the IdP says is active (the default)
    None,          // proxy without authentication: public routes, measuring the data path
};

// The operators' listener: health, readiness, metrics and JWKS. Never on the data path.
struct AdminConfig {
    bool enabled = true;
    QHostAddress address = QHostAddress(QHostAddress::LocalHost);
    quint16 port = 9090;
    // secret: the Bearer token /revocations, /cache and then /metrics require; empty: the
    // calls are refused (probes and /metrics stay open).
    QString token;
    QString tokenRef; // the config file's reference for it (see IntrospectionConfig)
    static constexpr qsizetype MinTokenLength = 16;

    bool operator==(const AdminConfig &) const = default;
};

// Everything tokengated and the GUI configure, as one value. Filled from defaults, then the
// config file, the environment and the command line, each setting as configSettings()
// (settingstable.h) describes it; validate() names every problem.
struct Config {
    ServerSettings server;
    TlsFiles tls; // the HTTPS listener's (server.tls)
    QString upstreamUrl;
    UpstreamSettings upstream;
    AuthMode auth = AuthMode::Introspection;
    IntrospectionConfig introspection;
    JwtConfig jwt;
    CacheSettings cache;            // off unless a TTL is set (a drop-in keeps instant revocation)
    QStringList requiredScopes;     // every request's token must carry all of them
    bool allowMissingToken = false; // forward requests without a token, unauthenticated
    QString destinationAllow;       // Destination header allowlist (when no upstream is set)
    // Named endpoints besides `introspection` (the config file's second and later ones).
    QList<IntrospectionConfig> moreIntrospection;
    // Empty: one route for everything, built from the settings above.
    QList<RouteConfig> routes;
    PathConfig paths; // how request paths are normalised before routes match them
    QString requestIdHeader = QStringLiteral("X-Request-Id");
    AdminConfig admin;
    QString logFormat = QStringLiteral("text"); // "text" or "json"
    QString configFile; // the YAML file the settings came from, re-read on reload
    QString logLevel = QStringLiteral("info");
    int drainTimeoutMs = 10'000;
    QString accessLog = QStringLiteral("stdout"); // "stdout", "off" or a file path
    bool demo = false;

    Config();
    bool operator==(const Config &) const = default;
    QStringList validate() const;
    // Settings that work but weaken security; tokengated logs each at start.
    QStringList warnings() const;
    // No fixed upstream: each request names its upstream in the Destination header.
    bool destinationMode() const { return upstreamUrl.isEmpty() && !demo; }
    QList<IntrospectionConfig *> introspectionEndpoints();
    // The endpoint a route's index names (RouteSettings::introspection): 0 the default one,
    // then moreIntrospection's in order; out of range, the default one.
    const IntrospectionConfig &endpointAt(qsizetype index) const {
        return index > 0 && index <= moreIntrospection.size() ? moreIntrospection[index - 1]
                                                              : introspection;
    }
};

// resolveDiscovery() for every endpoint of `config`, trusting what config.upstream trusts.
QStringList resolveDiscovery(Config &config, int timeoutMs);

} // namespace Tokengate
