// SPDX-License-Identifier: Apache-2.0
#include "core/config/config.h"

#include "core/auth/discovery.h"
#include "core/auth/jwtsigner.h"
#include "core/cache/redisaddress.h"
#include "core/config/routecompiler.h"
#include "core/config/settingvalue.h"
#include "core/http/trustedproxies.h"
#include "core/http/upstreamtarget.h"
#include "core/pipeline/destinationpolicy.h"
#include "core/server/tlscredentials.h"

#include <QFileInfo>
#include <QUrl>

namespace Tokengate {

// In core/auth/clientauth.cpp: what each client authentication method needs.
QStringList clientAuthProblems(const IntrospectionConfig &endpoint);

namespace {

QStringList tlsProblems(const Config &c) {
    const TlsListen &tls = c.server.tls;
    if (!tls.enabled) {
        if (!c.server.plainEnabled)
            return {QStringLiteral("plain_http: false needs tls.listen (HTTPS only)")};
        if (!c.tls.certFile.isEmpty() || !c.tls.keyFile.isEmpty() ||
            !c.tls.sniCertificates.isEmpty() || !c.tls.clientCaFile.isEmpty() ||
            c.tls.clientAuth != ClientAuth::None)
            return {QStringLiteral("tls.cert_file, tls.key_file, tls.sni_certificates, "
                                   "tls.client_auth, tls.client_ca_file: set, but tls.listen is "
                                   "not: nothing would serve HTTPS")};
        return {};
    }
    QStringList problems;
    if (c.server.plainEnabled && tls.port != 0 && tls.port == c.server.port)
        problems << QStringLiteral("tls.listen: port %1 is also listen's").arg(tls.port);
    // The demo serves HTTPS with a certificate of its own when given none.
    if (c.demo && c.tls.certFile.isEmpty() && c.tls.keyFile.isEmpty())
        return problems;
    QString why;
    for (auto it = c.tls.sniCertificates.cbegin(); it != c.tls.sniCertificates.cend(); ++it) {
        if (QFileInfo(it.key()).isRelative() || QFileInfo(it.value()).isRelative())
            problems << QStringLiteral("tls.sni_certificates: \"%1\": \"%2\": give both paths "
                                       "in full")
                            .arg(it.key(), it.value());
    }
    // Plain HTTP never carries a certificate: beside a listener that requires one, it would
    // serve every route without.
    if (c.tls.clientAuth == ClientAuth::Required && c.server.plainEnabled)
        problems << QStringLiteral("tls.client_auth required: set plain_http: false, or plain "
                                   "HTTP serves without a client certificate (with optional, "
                                   "routes decide: client_certificate_required)");
    if (problems.isEmpty() && !loadTlsCertificates(c.tls, &why))
        problems << why;
    return problems;
}

// What local JWT validation needs to judge a token at all: whose it must be and for whom.
QStringList jwtValidationProblems(const IntrospectionConfig &e) {
    QStringList problems;
    const QString where = QStringLiteral("introspection \"%1\": ").arg(e.name);
    if (e.signedAnswers) {
        if (e.issuer.isEmpty())
            problems << where + QStringLiteral("signed_answers needs the issuer (their iss)");
        if (e.clientId.isEmpty())
            problems << where + QStringLiteral("signed_answers needs client_id (their aud)");
    }
    if (!e.jwksUri.isEmpty() && e.needsKeys()) {
        QString why;
        if (!UpstreamTarget::parse(e.jwksUri, &why))
            problems << where + QStringLiteral("jwks_uri: ") + why;
        else if (const QString insecure = jwksUriProblem(e.jwksUri); !insecure.isEmpty())
            problems << where + insecure;
    }
    if (e.validation == TokenValidation::Introspect)
        return problems;
    if (e.issuer.isEmpty())
        problems << where + QStringLiteral("JWT validation needs the issuer (the iss tokens "
                                           "must carry)");
    if (e.audiences.isEmpty())
        problems << where + QStringLiteral("JWT validation needs audience (the aud tokens must "
                                           "name): a token for another service would pass");
    if (std::any_of(e.audiences.cbegin(), e.audiences.cend(),
                    [](const QString &a) { return a.trimmed().isEmpty(); }))
        problems << where + QStringLiteral("audience: an empty audience names no service");
    if (e.introspectOpaque && e.validation != TokenValidation::Jwt)
        problems << where + QStringLiteral("introspect_opaque applies to validation jwt only");
    return problems;
}

} // namespace

Config::Config() {
    server.address = QHostAddress::LocalHost;
    server.port = 8080;
}

QStringList Config::validate() const {
    QStringList problems;
    QString why;
    if (!admin.token.isEmpty() && admin.token.size() < AdminConfig::MinTokenLength)
        problems << QStringLiteral("admin.token: at least %1 characters, so it cannot be guessed")
                        .arg(AdminConfig::MinTokenLength);
    if (!demo && !upstreamUrl.isEmpty() && !UpstreamTarget::parse(upstreamUrl, &why))
        problems << QStringLiteral("upstream: ") + why;
    if (!DestinationPolicy::parse(destinationAllow, &why))
        problems << QStringLiteral("destination-allow: ") + why;
    if (auth == AuthMode::Introspection && !demo) {
        const IntrospectionConfig &i = introspection;
        if (!i.asksIdp()) {
            // Tokens are never introspected: no endpoint needed.
        } else if (i.url.isEmpty() && !i.issuer.isEmpty()) {
            // Discovered before the gateway starts (resolveDiscovery).
        } else if (i.url.isEmpty()) {
            problems << QStringLiteral(
                "introspection-url: no introspection endpoint (SSO_INTROSPECTION, "
                "TOKENGATE_INTROSPECTION_URL or --introspection-url); use --auth none to proxy "
                "without authentication");
        } else if (const auto target = UpstreamTarget::parse(i.url, &why); !target) {
            problems << QStringLiteral("introspection-url: ") + why;
        }
        if (!i.clientSecret.isEmpty() && i.clientId.isEmpty())
            problems << QStringLiteral("client-id: a client secret is set but no client id");
        if (!i.clientId.isEmpty() && !i.authorization.isEmpty())
            problems << QStringLiteral(
                "introspection-authorization: set either a client id and secret or a verbatim "
                "Authorization value, not both");
        if (i.authorization.contains(u'\r') || i.authorization.contains(u'\n'))
            problems << QStringLiteral("introspection-authorization: must be one line");
        problems << clientAuthProblems(introspection);
        problems << jwtValidationProblems(introspection);
        for (const IntrospectionConfig &more : moreIntrospection) {
            problems << jwtValidationProblems(more);
            if (more.url.isEmpty() && more.issuer.isEmpty() && more.asksIdp())
                problems << QStringLiteral("introspection \"%1\": give its url, or the issuer "
                                           "to discover it from")
                                .arg(more.name);
            problems << clientAuthProblems(more);
        }
    }
    // Sent back in WWW-Authenticate's quoted scope="..." on every route.
    for (const QString &scope : requiredScopes) {
        if (scope.isEmpty() || scope.contains(u' ') || scope.contains(u'"') ||
            scope.contains(u'\\'))
            problems << QStringLiteral("required-scopes: \"%1\" is not a scope token").arg(scope);
    }
    if (!jwt.headerName.isEmpty()) {
        if (!isHttpToken(jwt.headerName))
            problems << QStringLiteral("jwt-header: \"%1\" is not a valid header name")
                            .arg(jwt.headerName);
        if (jwt.secret.isEmpty() && jwt.algorithm == JwtAlgorithm::HS256)
            problems << QStringLiteral("jwt-secret: must not be empty");
        if (const QString keyProblem = jwtConfigProblem(jwt); !keyProblem.isEmpty())
            problems << keyProblem;
    }
    static const QStringList levels = {QStringLiteral("debug"), QStringLiteral("info"),
                                       QStringLiteral("warn"), QStringLiteral("error")};
    if (!levels.contains(logLevel))
        problems << QStringLiteral("log-level: expected debug, info, warn or error, got \"%1\"")
                        .arg(logLevel);
    problems << tlsProblems(*this);
    if (server.workers < 0 || server.workers > 256)
        problems << QStringLiteral("workers: must be between 0 (one per core) and 256");
    const HttpLimits &l = server.limits;
    if (l.maxHeaderBytes < 1024)
        problems << QStringLiteral("max-header-bytes: must be at least 1024");
    if (l.maxHeaderCount < 1)
        problems << QStringLiteral("max-headers: must be at least 1");
    if (l.maxConnections < 1)
        problems << QStringLiteral("max-connections: must be at least 1");
    if (l.maxConnectionsPerPeer < 1)
        problems << QStringLiteral("max-connections-per-peer: must be at least 1");
    if (l.minBodyRate < 0 || l.minSendRate < 0)
        problems << QStringLiteral("min-body-rate, min-send-rate: must be 0 (off) or more");
    for (const auto &[name, ms] :
         {std::pair{"header-timeout", l.headerTimeoutMs},
          std::pair{"idle-timeout", l.idleTimeoutMs}, std::pair{"body-timeout", l.bodyTimeoutMs},
          std::pair{"upstream-connect-timeout", upstream.connectTimeoutMs},
          std::pair{"upstream-timeout", upstream.responseTimeoutMs},
          std::pair{"upstream-idle-timeout", upstream.idleTimeoutMs}}) {
        if (ms <= 0)
            problems << QString::fromLatin1(name) + QStringLiteral(": must be more than 0 seconds");
    }
    if (!upstream.trustedProxies.isEmpty()) {
        if (!TrustedProxies::parse(upstream.trustedProxies, &why))
            problems << QStringLiteral("upstream.trusted_proxies: ") + why;
        if (upstream.forwarded != ForwardedMode::Append)
            problems << QStringLiteral(
                "upstream.trusted_proxies: only read with upstream.forwarded "
                "\"append\" (behind those proxies)");
    }
    if (!upstream.caFile.isEmpty() && !QFileInfo(upstream.caFile).isReadable())
        problems << QStringLiteral("upstream-ca-file: cannot read \"%1\"").arg(upstream.caFile);
    else if (!loadTlsClientSide(upstream.caFile, upstream.clientCertFile, upstream.clientKeyFile,
                                QStringLiteral("upstream.tls."), &why))
        problems << why;
    // One pool serves every route: where clients name the upstream, they would choose who is
    // shown the gateway's identity, the IdP among them.
    if (!upstream.clientCertFile.isEmpty() &&
        (routes.isEmpty() ? destinationMode()
                          : std::any_of(routes.cbegin(), routes.cend(),
                                        [](const RouteConfig &r) { return r.destinationMode; })))
        problems << QStringLiteral("upstream.tls.client_cert_file: not with the Destination "
                                   "header, which lets clients choose who is shown it");
    if (cache.ttlSecs < 0 || cache.negativeTtlSecs < 0 || cache.staleGraceSecs < 0)
        problems << QStringLiteral("cache: TTLs and the stale grace must be 0 or more seconds");
    if (cache.maxEntries < 1 || cache.maxBytes < 4096)
        problems << QStringLiteral("cache: at least 1 entry and 4096 bytes");
    if (introspection.timeoutMs <= 0)
        problems << QStringLiteral("introspection-timeout: must be more than 0 seconds");
    problems << validateRoutes(*this);
    if (const RedisSettings &r = cache.redis; r.enabled()) {
        if (!RedisAddress::fromSettings(r, &why))
            problems << QStringLiteral("cache.redis.url: ") + why;
        if (!cache.enabled)
            problems << QStringLiteral("cache.redis.url: the shared tier needs the cache on "
                                       "(cache-ttl)");
        if (r.timeoutMs < 1 || r.timeoutMs > 60'000)
            problems << QStringLiteral("cache.redis.timeout: between 0.001 and 60 seconds");
        if (r.keyPrefix.isEmpty() || r.keyPrefix.size() > 200)
            problems << QStringLiteral("cache.redis.key_prefix: 1 to 200 characters");
        if (r.database > 65535)
            problems << QStringLiteral("cache.redis.database: at most 65535");
    }
    return problems;
}

QStringList Config::warnings() const {
    QStringList w;
    if (demo)
        return w;
    if (auth == AuthMode::None)
        w << QStringLiteral("auth is none: requests are forwarded without any token check");
    if (auth == AuthMode::Introspection && allowMissingToken)
        w << QStringLiteral("ALLOW_MISSING_AUTH_HEADER: requests without a token are forwarded "
                            "unauthenticated");
    if (!jwt.headerName.isEmpty() && jwt.secret == QLatin1StringView(JwtConfig::DefaultSecret))
        w << QStringLiteral("JWT_SECRET is the default \"secret\": anyone can forge the JWT the "
                            "upstream trusts; set JWT_SECRET or JWT_SECRET_FILE");
    if (!jwt.headerName.isEmpty() && jwt.allowPassthrough)
        w << QStringLiteral("ALLOW_JWT_PASSTHROUGH: a client-sent %1 header reaches the upstream "
                            "unchecked")
                 .arg(jwt.headerName);
    if (cache.enabled && cache.staleGraceSecs > 0)
        w << QStringLiteral("cache stale grace: while the IdP is down, revoked tokens stay "
                            "accepted for up to %1 s past the cache TTL")
                 .arg(cache.staleGraceSecs);
    w << routeWarnings(*this);
    if (cache.redis.enabled() && cache.redis.password.isEmpty() &&
        !QUrl(cache.redis.url).password().isEmpty())
        w << QStringLiteral(
            "cache.redis.url holds a password: prefer TOKENGATE_REDIS_PASSWORD_FILE "
            "(a URL ends up in process listings and config dumps)");
    if (!upstream.verifyTls)
        w << QStringLiteral("SSL_SECURE=false: TLS certificates of the upstream and the IdP are "
                            "not verified");
    if (routes.isEmpty() && destinationMode() && destinationAllow.isEmpty())
        w << QStringLiteral("Destination mode without TOKENGATE_DESTINATION_ALLOW: clients may "
                            "send requests to any host this machine reaches (link-local and "
                            "metadata addresses excepted)");
    return w;
}

QList<IntrospectionConfig *> Config::introspectionEndpoints() {
    QList<IntrospectionConfig *> endpoints{&introspection};
    for (IntrospectionConfig &e : moreIntrospection)
        endpoints << &e;
    return endpoints;
}

QStringList resolveDiscovery(Config &config, int timeoutMs) {
    return resolveDiscovery(config.introspectionEndpoints(), config.upstream, timeoutMs);
}

} // namespace Tokengate
