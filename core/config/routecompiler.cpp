// SPDX-License-Identifier: Apache-2.0
#include "core/config/routecompiler.h"

#include "core/auth/jwtsigner.h"
#include "core/config/configschema.h"
#include "core/pipeline/router.h"

#include <QSet>

namespace Tokengate {

QString routeLabel(const RouteConfig &route, qsizetype index) {
    return QStringLiteral("routes[%1] \"%2\": ")
        .arg(index)
        .arg(route.name.isEmpty() ? QStringLiteral("route-%1").arg(index + 1) : route.name);
}

namespace {

QStringList introspectionNames(const Config &config) {
    QStringList names{config.introspection.name};
    for (const IntrospectionConfig &i : config.moreIntrospection)
        names << i.name;
    return names;
}

// A header the gateway adds from the token or the client's certificate: a valid name that
// names its source and replaces nothing the request needs.
QStringList addedHeaderProblems(const QMap<QString, QString> &headers, const QString &what) {
    QStringList problems;
    for (auto it = headers.constBegin(); it != headers.constEnd(); ++it) {
        if (!IdentityHeaders::isValidHeaderName(it.key()))
            problems << what + QStringLiteral(" \"%1\" is not a valid header name").arg(it.key());
        else if (it.value().isEmpty())
            problems << what + QStringLiteral(" \"%1\" names nothing to send").arg(it.key());
        for (const char *reserved : {"Host", "Authorization", "Content-Length", "Transfer-Encoding",
                                     "Connection", "Cookie"}) {
            if (HeaderMap::sameName(it.key().toLatin1(), reserved))
                problems << what + QStringLiteral(" \"%1\" would replace a header the request "
                                                  "needs")
                                       .arg(it.key());
        }
    }
    return problems;
}

// The rules' own checks, then the names the gateway writes itself on this route.
QStringList headerRuleProblems(const Config &config, const RouteConfig &r, const QString &at) {
    QStringList problems;
    QString why;
    const auto request = HeaderRules::compile(r.requestHeaders, HeaderRules::Side::Request, &why);
    if (!request)
        problems << at + why;
    if (!HeaderRules::compile(r.responseHeaders, HeaderRules::Side::Response, &why))
        problems << at + why;
    if (request) {
        QList<QPair<QString, QString>> owned; // name, what writes it
        for (auto it = r.identityHeaders.constBegin(); it != r.identityHeaders.constEnd(); ++it)
            owned << qMakePair(it.key(), QStringLiteral("an identity header"));
        for (auto it = r.clientCertificateHeaders.constBegin();
             it != r.clientCertificateHeaders.constEnd(); ++it)
            owned << qMakePair(it.key(), QStringLiteral("a client certificate header"));
        if (!config.jwt.headerName.isEmpty())
            owned << qMakePair(config.jwt.headerName, QStringLiteral("the JWT header"));
        if (!config.requestIdHeader.isEmpty())
            owned << qMakePair(config.requestIdHeader, QStringLiteral("the request id header"));
        for (const TokenSource &t : r.tokenSources) {
            if (t.kind == TokenSource::Kind::Header)
                owned << qMakePair(t.name, QStringLiteral("the route's token header"));
        }
        for (const QByteArray &name : request->names()) {
            for (const auto &[other, what] : owned) {
                if (HeaderMap::sameNameFolded(name, other.toLatin1()))
                    problems << at + QStringLiteral("request_headers: \"%1\" is %2, which the "
                                                    "gateway writes")
                                         .arg(QString::fromLatin1(name), what);
            }
        }
    }
    return problems;
}

} // namespace

QList<RouteSettings> compileRoutes(const Config &config) {
    const QStringList endpoints = introspectionNames(config);
    QList<RouteSettings> routes;
    for (qsizetype i = 0; i < config.routes.size(); ++i) {
        const RouteConfig &c = config.routes[i];
        RouteSettings r;
        r.name = (c.name.isEmpty() ? QStringLiteral("route-%1").arg(i + 1) : c.name).toUtf8();
        if (!c.upstreamUrl.isEmpty())
            r.upstream = UpstreamTarget::parse(c.upstreamUrl, nullptr);
        r.destinations =
            DestinationPolicy::parse(c.destinationAllow, nullptr).value_or(DestinationPolicy());
        r.preserveHost = c.preserveHost;
        // As the path it is cut from: "/%61pi" and "/api" are one prefix.
        r.stripPrefix = normalizePath(c.stripPrefix.toUtf8(), config.paths).path;
        if (r.stripPrefix.isEmpty())
            r.stripPrefix = c.stripPrefix.toUtf8();
        r.caseInsensitive = c.caseInsensitive.value_or(config.paths.caseInsensitive);
        r.rewritePrefix = c.rewritePrefix.toUtf8();
        r.authenticate = c.authenticate && config.auth == AuthMode::Introspection;
        r.introspection =
            c.introspection.isEmpty() ? 0 : std::max(0, int(endpoints.indexOf(c.introspection)));
        r.tokenSources = c.tokenSources;
        r.policy = RoutePolicy{c.requiredScopes, c.audiences, c.issuers, c.claimRules};
        // The top-level scopes hold on every route that looks at tokens, besides its own: a
        // route added later must not quietly drop them (fail closed).
        if (r.authenticate)
            r.exactScopes = config.requiredScopes;
        r.anonymousWhenMissing = c.passThrough;
        r.anonymousWhenRefused = c.passThrough;
        r.stripCredential = c.stripCredential;
        r.websocket = c.websocket;
        r.maxTunnels = c.maxTunnels;
        r.websocketUntilExpiry = c.websocketUntilExpiry;
        for (auto it = c.identityHeaders.constBegin(); it != c.identityHeaders.constEnd(); ++it)
            r.identityHeaders.append({it.key().toLatin1(), it.value()});
        for (auto it = c.clientCertificateHeaders.constBegin();
             it != c.clientCertificateHeaders.constEnd(); ++it) {
            if (const auto field =
                    ConfigSchema::valueOf(ConfigSchema::clientCertificateFields, it.value()))
                r.clientCertificateHeaders.append({it.key().toLatin1(), *field});
        }
        r.clientCertificateRequired = c.clientCertificateRequired;
        // validate() refuses what does not compile; should one slip through, no origin is
        // allowed (fail closed) rather than CORS being off.
        if (c.cors.enabled)
            r.cors = CorsPolicy::compile(c.cors, c.methods, nullptr).value_or(CorsPolicy());
        for (const bool beforeAuth : {true, false}) {
            for (const QString &text : c.rateLimits) {
                const std::optional<RateLimitSpec> spec = parseRateLimit(text, nullptr);
                if (spec && spec->beforeAuth == beforeAuth)
                    r.rateLimits << *spec;
            }
            if (beforeAuth)
                r.rateLimitsBeforeAuth = r.rateLimits.size();
        }
        QByteArrayList policies;
        for (qsizetype k = 0; k < r.rateLimits.size(); ++k) {
            const RateLimitSpec &spec = r.rateLimits[k];
            r.rateLimitIds << r.name + '\n' + spec.text().toUtf8() + '\n';
            // w is whole seconds: a shorter period is told as its pace per second.
            const bool whole = spec.periodMs % 1000 == 0;
            const qint64 quota =
                whole ? spec.limit : std::max<qint64>(1, qint64(spec.limit) * 1000 / spec.periodMs);
            policies << "\"limit" + QByteArray::number(k + 1) +
                            "\";q=" + QByteArray::number(quota) +
                            ";w=" + QByteArray::number(whole ? spec.periodMs / 1000 : 1);
        }
        r.rateLimitPolicy = policies.join(", ");
        r.requestHeaders =
            HeaderRules::compile(c.requestHeaders, HeaderRules::Side::Request, nullptr)
                .value_or(HeaderRules());
        r.responseHeaders =
            HeaderRules::compile(c.responseHeaders, HeaderRules::Side::Response, nullptr)
                .value_or(HeaderRules());
        routes.append(std::move(r));
    }
    return routes;
}

QStringList validateRoutes(const Config &config) {
    QStringList problems;
    const QStringList endpoints = introspectionNames(config);
    for (qsizetype i = 0; i < config.routes.size(); ++i) {
        const RouteConfig &r = config.routes[i];
        const QString at = routeLabel(r, i);
        QString why;
        if (!RouteMatcher::compile(r, config.paths, &why))
            problems << at + why;
        if (!r.upstreamUrl.isEmpty()) {
            if (r.destinationMode)
                problems << at + QStringLiteral("set either an upstream or Destination mode, "
                                                "not both");
            else if (!UpstreamTarget::parse(r.upstreamUrl, &why))
                problems << at + QStringLiteral("upstream: ") + why;
        } else if (!r.destinationMode && !config.demo) {
            // (The demo sends such routes to its echo upstream.)
            problems << at + QStringLiteral("no upstream (set one, or Destination mode)");
        }
        if (!DestinationPolicy::parse(r.destinationAllow, &why))
            problems << at + QStringLiteral("destination_allow: ") + why;
        if (!r.introspection.isEmpty() && !endpoints.contains(r.introspection))
            problems << at + QStringLiteral("unknown introspection endpoint \"%1\" (known: %2)")
                                 .arg(r.introspection, endpoints.join(QStringLiteral(", ")));
        for (const QString &s : {r.stripPrefix, r.rewritePrefix}) {
            if (!s.isEmpty() && (!s.startsWith(u'/') || s.contains(u'?') || s.contains(u' ')))
                problems << at + QStringLiteral("prefix \"%1\" must start with \"/\" and hold no "
                                                "query or space")
                                     .arg(s);
        }
        const NormalizedPath strip = normalizePath(r.stripPrefix.toUtf8(), config.paths);
        if (!r.stripPrefix.isEmpty() && strip.refused())
            problems << at + QStringLiteral("strip prefix \"%1\": %2 (%3)")
                                 .arg(r.stripPrefix, QString::fromLatin1(strip.message),
                                      QLatin1StringView(reasonId(strip.reason)));
        if (!r.rewritePrefix.isEmpty() && r.stripPrefix.isEmpty())
            problems << at + QStringLiteral("a rewrite prefix needs the strip prefix it replaces");
        for (const TokenSource &t : r.tokenSources) {
            const bool needsName =
                t.kind == TokenSource::Kind::Header || t.kind == TokenSource::Kind::Cookie;
            if (needsName && t.name.isEmpty())
                problems << at + QStringLiteral("a header or cookie token source needs a name");
            else if (t.kind == TokenSource::Kind::Header &&
                     (!IdentityHeaders::isValidHeaderName(t.name) ||
                      HeaderMap::sameName(t.name.toLatin1(), "Authorization")))
                problems << at + QStringLiteral("token header \"%1\" is not a usable header name")
                                     .arg(t.name);
            else if (t.kind != TokenSource::Kind::BearerHeader && !t.name.isEmpty() &&
                     !IdentityHeaders::isValidHeaderName(t.name))
                problems << at + QStringLiteral("token source name \"%1\" has characters a "
                                                "parameter or cookie name cannot hold")
                                     .arg(t.name);
        }
        for (const QString &scope : r.requiredScopes) {
            if (scope.isEmpty() || scope.contains(u' ') || scope.contains(u'"') ||
                scope.contains(u'\\'))
                problems
                    << at + QStringLiteral("required scope \"%1\" is not a scope token").arg(scope);
        }
        for (const ClaimRule &rule : r.claimRules) {
            if (!rule.complete())
                problems << at + QStringLiteral("claim rule on \"%1\" needs a claim and %2")
                                     .arg(rule.claim, rule.op == ClaimRule::Op::Equals
                                                          ? QStringLiteral("exactly one value")
                                                          : QStringLiteral("values"));
        }
        problems += addedHeaderProblems(r.identityHeaders, at + QStringLiteral("identity header"));
        problems += addedHeaderProblems(r.clientCertificateHeaders,
                                        at + QStringLiteral("client certificate header"));
        for (auto it = r.clientCertificateHeaders.constBegin();
             it != r.clientCertificateHeaders.constEnd(); ++it) {
            if (!it.value().isEmpty() &&
                !ConfigSchema::valueOf(ConfigSchema::clientCertificateFields, it.value()))
                problems << at + QStringLiteral("client certificate header \"%1\": \"%2\" is "
                                                "not subject, issuer, san, sha256, serial, cert "
                                                "or verify")
                                     .arg(it.key(), it.value());
            if (std::any_of(r.identityHeaders.keyBegin(), r.identityHeaders.keyEnd(),
                            [&](const QString &name) {
                                return HeaderMap::sameName(name.toLatin1(), it.key().toLatin1());
                            }))
                problems << at + QStringLiteral("\"%1\" is both an identity header and a "
                                                "client certificate header")
                                     .arg(it.key());
        }
        if ((r.clientCertificateRequired || !r.clientCertificateHeaders.isEmpty()) &&
            (config.tls.clientAuth == ClientAuth::None || !config.server.tls.enabled))
            problems << at + QStringLiteral("client_certificate_required and "
                                            "client_certificate_headers need the HTTPS "
                                            "listener with tls.client_auth");
        if (r.cors.enabled && !CorsPolicy::compile(r.cors, r.methods, &why))
            problems << at + why;
        problems += headerRuleProblems(config, r, at);
        for (const QString &limit : r.rateLimits) {
            if (!parseRateLimit(limit, &why))
                problems << at + why;
        }
    }
    // Duplicate names, reported once each, at their second use.
    QSet<QString> seen;
    for (qsizetype i = 0; i < config.routes.size(); ++i) {
        const QString &name = config.routes[i].name;
        if (name.isEmpty())
            continue;
        if (seen.contains(name))
            problems << routeLabel(config.routes[i], i) +
                            QStringLiteral("the name is already used by an earlier route");
        seen.insert(name);
    }
    if (!config.routes.isEmpty() && !config.requestIdHeader.isEmpty() &&
        !IdentityHeaders::isValidHeaderName(config.requestIdHeader))
        problems << QStringLiteral("request-id-header: \"%1\" is not a valid header name")
                        .arg(config.requestIdHeader);
    return problems;
}

QStringList routeWarnings(const Config &config) {
    QStringList w;
    if (!config.routes.isEmpty()) {
        if (config.paths.escapedSlashes == PathConfig::EscapedSlashes::Keep)
            w << QStringLiteral("path_normalization: keep_unchanged escaped slashes: an upstream "
                                "that decodes %2F or reads \"\\\" as \"/\" may see another "
                                "path than the route matched");
        if (config.paths.parameters == PathConfig::Parameters::Keep)
            w << QStringLiteral("path_normalization: keep_unchanged path parameters: an upstream "
                                "that cuts \";...\" from segments may see another path than the "
                                "route matched");
    }
    for (qsizetype i = 0; i < config.routes.size(); ++i) {
        const RouteConfig &r = config.routes[i];
        const QString at = routeLabel(r, i);
        if (r.destinationMode && r.destinationAllow.isEmpty())
            w << at + QStringLiteral("Destination mode without an allowlist: clients may send "
                                     "requests to any host this machine reaches");
        if (r.authenticate && r.passThrough)
            w << at + QStringLiteral("passThrough: requests without a valid token are forwarded "
                                     "anonymously");
        if (!r.authenticate)
            w << at + QStringLiteral("public route: no token is checked");
    }
    return w;
}

} // namespace Tokengate
