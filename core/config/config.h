// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/introspectioncache.h"
#include "core/config/routeconfig.h"
#include "core/proxy/upstreamsettings.h"
#include "core/server/httpserver.h"

#include <QStringList>

namespace Tokengate {

enum class AuthMode {
    Introspection, // every request needs a token the IdP says is active (the default)
    None,          // proxy without authentication: public routes, measuring the data path
};

// How we authenticate to the IdP's introspection endpoint.
enum class ClientAuthMethod {
    ClientSecretBasic,  // RFC 6749 2.3.1 Authorization: Basic (the default)
    ClientSecretPost,   // client_id and client_secret in the form body
    AuthorizationValue, // a verbatim Authorization header value (Express Gateway's)
    PrivateKeyJwt,      // RFC 7523 client assertion signed with privateKeyFile
};

// The IdP's RFC 7662 endpoint and how we authenticate to it.
struct IntrospectionConfig {
    QString name = QStringLiteral("default"); // routes refer to it by this name
    QString url;
    QString issuer; // when url is empty: discover introspection_endpoint (RFC 8414 / OIDC)
    ClientAuthMethod authMethod = ClientAuthMethod::ClientSecretBasic;
    QString clientId;
    QString clientSecret;      // secret: sent as client_secret_basic with clientId
    QString authorization;     // secret: a verbatim Authorization header value instead
    QString privateKeyFile;    // private_key_jwt: PEM key signing the client assertion
    QString keyId;             // its "kid"
    QString assertionAudience; // private_key_jwt: the assertion's "aud"; empty: the endpoint URL
    // Where the config file said the secrets come from ("env:NAME", "file:/path",
    // "keychain:NAME"); shown by --check-config instead of the value. Cleared when another
    // source (environment, command line) sets the secret itself.
    QString clientSecretRef;
    QString authorizationRef;
    int timeoutMs = 5'000;
    int maxConnections = 32; // per worker
    int maxWaiting = 256;    // per worker: calls waiting for one of those; beyond, 503

    bool operator==(const IntrospectionConfig &) const = default;
};

enum class JwtAlgorithm { HS256, RS256, ES256 };

// The JWT minted for the upstream (introspection-microgateway's JWT_* variables).
struct JwtConfig {
    static constexpr char DefaultSecret[] = "secret";
    QString headerName; // empty: no JWT
    JwtAlgorithm algorithm = JwtAlgorithm::HS256;
    QString secret = QString::fromLatin1(DefaultSecret); // HS256
    QString secretRef;      // the config file's reference for `secret` (see IntrospectionConfig)
    QString privateKeyFile; // RS256/ES256: PEM private key; its public key is served as JWKS
    QString keyId;          // "kid" in the JWT header and the JWKS
    bool allowPassthrough = false; // keep a client-sent header of that name
    int lifetimeSecs = 3600;       // never beyond the token's own exp
    // Extra claims: JWT claim name -> introspection claim it is copied from.
    QMap<QString, QString> claims;

    bool operator==(const JwtConfig &) const = default;
};

// The operators' listener: health, readiness, metrics and JWKS. Never on the data path.
struct AdminConfig {
    bool enabled = true;
    QHostAddress address = QHostAddress(QHostAddress::LocalHost);
    quint16 port = 9090;

    bool operator==(const AdminConfig &) const = default;
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
    QStringList validate() const;
    // Settings that work but weaken security; tokengated logs each at start.
    QStringList warnings() const;
    // No fixed upstream: each request names its upstream in the Destination header.
    bool destinationMode() const { return upstreamUrl.isEmpty() && !demo; }
};

} // namespace Tokengate
