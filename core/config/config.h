// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/introspectioncache.h"
#include "core/proxy/upstreamsettings.h"
#include "core/server/httpserver.h"

#include <QStringList>

namespace Tokengate {

enum class AuthMode {
    Introspection, // every request needs a token the IdP says is active (the default)
    None,          // proxy without authentication: public routes, measuring the data path
};

// The IdP's RFC 7662 endpoint and how we authenticate to it.
struct IntrospectionConfig {
    QString url;
    QString clientId;
    QString clientSecret;  // secret: sent as client_secret_basic with clientId
    QString authorization; // secret: a verbatim Authorization header value instead
    int timeoutMs = 5'000;
    int maxConnections = 32; // per worker
};

// The JWT minted for the upstream (introspection-microgateway's JWT_* variables).
struct JwtConfig {
    static constexpr char DefaultSecret[] = "secret";
    QString headerName; // empty: no JWT
    QString secret = QString::fromLatin1(DefaultSecret);
    bool allowPassthrough = false; // keep a client-sent header of that name
    int lifetimeSecs = 3600;
};

// Everything tokengated and the GUI configure, as one value. Filled from defaults, then the
// environment, then the command line (ConfigOptions); validate() names every problem.
struct Config {
    ServerSettings server;
    QString upstreamUrl;
    UpstreamSettings upstream;
    AuthMode auth = AuthMode::Introspection;
    IntrospectionConfig introspection;
    JwtConfig jwt;
    CacheSettings cache;            // off unless a TTL is set (a drop-in keeps instant revocation)
    QStringList requiredScopes;     // every request's token must carry all of them
    bool allowMissingToken = false; // forward requests without a token, unauthenticated
    QString destinationAllow;       // Destination header allowlist (when no upstream is set)
    QString logLevel = QStringLiteral("info");
    int drainTimeoutMs = 10'000;
    QString accessLog = QStringLiteral("stdout"); // "stdout", "off" or a file path
    bool demo = false;

    Config();
    QStringList validate() const;
    // Settings that work but weaken security; tokengated logs each at start.
    QStringList warnings() const;
    // No fixed upstream: each request names its upstream in the Destination header.
    bool destinationMode() const { return upstreamUrl.isEmpty() && !demo; }
};

} // namespace Tokengate
