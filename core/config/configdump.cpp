// SPDX-License-Identifier: Apache-2.0
#include "core/config/configdump.h"

#include "core/config/configschema.h"

#include <QRegularExpression>

#include <yaml-cpp/yaml.h>

namespace Tokengate {

namespace {

using namespace ConfigSchema;

std::string s(const QString &text) {
    return text.toStdString();
}

// Seconds as the file writes them: whole when they are.
void seconds(YAML::Emitter &out, const char *key, int ms) {
    out << YAML::Key << key << YAML::Value;
    if (ms % 1000 == 0)
        out << ms / 1000;
    else
        out << double(ms) / 1000.0;
}

template<typename T> void value(YAML::Emitter &out, const char *key, const T &v) {
    out << YAML::Key << key << YAML::Value << v;
}

void text(YAML::Emitter &out, const char *key, const QString &v) {
    out << YAML::Key << key << YAML::Value << s(v);
}

void list(YAML::Emitter &out, const char *key, const QStringList &values) {
    out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const QString &v : values)
        out << s(v);
    out << YAML::EndSeq;
}

void map(YAML::Emitter &out, const char *key, const QMap<QString, QString> &values) {
    out << YAML::Key << key << YAML::Value;
    if (values.isEmpty())
        out << YAML::Flow;
    out << YAML::BeginMap;
    for (auto it = values.cbegin(); it != values.cend(); ++it)
        out << YAML::Key << s(it.key()) << YAML::Value << s(it.value());
    out << YAML::EndMap;
}

// The reference it came from, else whether it is set: never the secret itself.
void secret(YAML::Emitter &out, const char *key, const QString &v, const QString &reference) {
    if (!reference.isEmpty())
        text(out, key, reference);
    else
        text(out, key, v.isEmpty() ? QStringLiteral("<not set>") : QStringLiteral("<set>"));
}

QStringList splitPatterns(const QString &patterns) {
    static const QRegularExpression separators(QStringLiteral("[,\\s]+"));
    return patterns.split(separators, Qt::SkipEmptyParts);
}

void endpoint(YAML::Emitter &out, const IntrospectionConfig &e) {
    out << YAML::BeginMap;
    text(out, "name", e.name);
    if (!e.url.isEmpty())
        text(out, "url", e.url);
    if (!e.issuer.isEmpty())
        text(out, "issuer", e.issuer);
    ClientAuthMethod method = e.authMethod;
    // The environment's verbatim value (TOKENGATE_INTROSPECTION_AUTHORIZATION) wins over Basic.
    if (method == ClientAuthMethod::ClientSecretBasic && !e.authorization.isEmpty())
        method = ClientAuthMethod::AuthorizationValue;
    text(out, "auth_method", QString::fromLatin1(nameOf(authMethods, method)));
    switch (method) {
    case ClientAuthMethod::ClientSecretBasic:
    case ClientAuthMethod::ClientSecretPost:
        text(out, "client_id", e.clientId);
        secret(out, "client_secret", e.clientSecret, e.clientSecretRef);
        break;
    case ClientAuthMethod::AuthorizationValue:
        secret(out, "authorization", e.authorization, e.authorizationRef);
        break;
    case ClientAuthMethod::PrivateKeyJwt:
        text(out, "client_id", e.clientId);
        text(out, "private_key_file", e.privateKeyFile);
        text(out, "key_id", e.keyId);
        if (!e.assertionAudience.isEmpty())
            text(out, "assertion_audience", e.assertionAudience);
        break;
    }
    seconds(out, "timeout", e.timeoutMs);
    value(out, "max_connections", e.maxConnections);
    value(out, "max_waiting", e.maxWaiting);
    out << YAML::EndMap;
}

void route(YAML::Emitter &out, const RouteConfig &r) {
    out << YAML::BeginMap;
    text(out, "name", r.name);
    list(out, "hosts", r.hosts);
    if (!r.pathPattern.isEmpty())
        text(out, "path_pattern", r.pathPattern);
    else
        text(out, "path_prefix", r.pathPrefix);
    list(out, "methods", r.methods);
    if (r.caseInsensitive)
        value(out, "case_insensitive", *r.caseInsensitive);
    if (r.destinationMode) {
        value(out, "destination", true);
        list(out, "destination_allow", splitPatterns(r.destinationAllow));
    } else {
        text(out, "upstream", r.upstreamUrl);
    }
    value(out, "preserve_host", r.preserveHost);
    text(out, "strip_prefix", r.stripPrefix);
    text(out, "rewrite_prefix", r.rewritePrefix);
    value(out, "authenticate", r.authenticate);
    text(out, "introspection", r.introspection);
    QStringList sources;
    for (const TokenSource &t : r.tokenSources)
        sources << tokenSourceText(t);
    list(out, "token_sources", sources);
    list(out, "required_scopes", r.requiredScopes);
    list(out, "audiences", r.audiences);
    list(out, "issuers", r.issuers);
    out << YAML::Key << "claims" << YAML::Value;
    if (r.claimRules.isEmpty())
        out << YAML::Flow;
    out << YAML::BeginSeq;
    for (const ClaimRule &rule : r.claimRules) {
        out << YAML::Flow << YAML::BeginMap;
        text(out, "claim", rule.claim);
        if (rule.op == ClaimRule::Op::Equals)
            text(out, "equals", rule.values.value(0));
        else
            list(out, nameOf(claimOps, rule.op), rule.values);
        out << YAML::EndMap;
    }
    out << YAML::EndSeq;
    value(out, "pass_through", r.passThrough);
    value(out, "strip_credential", r.stripCredential);
    map(out, "identity_headers", r.identityHeaders);
    out << YAML::EndMap;
}

} // namespace

QString describeConfig(const Config &c) {
    YAML::Emitter out;
    out << YAML::BeginMap;
    text(out, "listen", listenText(c.server.address, c.server.port));
    value(out, "workers", c.server.workers);
    value(out, "reuse_port", c.server.reusePort);

    const HttpLimits &l = c.server.limits;
    out << YAML::Key << "limits" << YAML::Value << YAML::BeginMap;
    value(out, "max_connections", l.maxConnections);
    value(out, "max_connections_per_peer", l.maxConnectionsPerPeer);
    value(out, "min_body_rate", l.minBodyRate);
    value(out, "min_send_rate", l.minSendRate);
    value(out, "max_header_bytes", l.maxHeaderBytes);
    value(out, "max_headers", l.maxHeaderCount);
    value(out, "max_body_bytes", l.maxBodyBytes);
    out << YAML::EndMap;
    out << YAML::Key << "timeouts" << YAML::Value << YAML::BeginMap;
    seconds(out, "header", l.headerTimeoutMs);
    seconds(out, "idle", l.idleTimeoutMs);
    seconds(out, "body", l.bodyTimeoutMs);
    seconds(out, "drain", c.drainTimeoutMs);
    out << YAML::EndMap;

    out << YAML::Key << "admin" << YAML::Value << YAML::BeginMap;
    value(out, "enabled", c.admin.enabled);
    text(out, "listen", listenText(c.admin.address, c.admin.port));
    out << YAML::EndMap;

    out << YAML::Key << "log" << YAML::Value << YAML::BeginMap;
    text(out, "level", c.logLevel);
    text(out, "format", c.logFormat);
    text(out, "access_log", c.accessLog);
    out << YAML::EndMap;
    text(out, "request_id_header", c.requestIdHeader);

    text(out, "auth",
         c.auth == AuthMode::None ? QStringLiteral("none") : QStringLiteral("introspection"));
    value(out, "allow_missing_token", c.allowMissingToken);
    list(out, "required_scopes", c.requiredScopes);

    const UpstreamSettings &u = c.upstream;
    out << YAML::Key << "upstream" << YAML::Value << YAML::BeginMap;
    text(out, "url", c.upstreamUrl);
    seconds(out, "connect_timeout", u.connectTimeoutMs);
    seconds(out, "timeout", u.responseTimeoutMs);
    seconds(out, "idle_timeout", u.idleTimeoutMs);
    value(out, "max_idle", u.maxIdlePerOrigin);
    value(out, "max_idle_total", u.maxIdleTotal);
    value(out, "forwarded", nameOf(forwardedModes, u.forwarded));
    out << YAML::Key << "tls" << YAML::Value << YAML::BeginMap;
    value(out, "verify", u.verifyTls);
    text(out, "ca_file", u.caFile);
    out << YAML::EndMap << YAML::EndMap;
    list(out, "destination_allow", splitPatterns(c.destinationAllow));

    out << YAML::Key << "introspection" << YAML::Value << YAML::BeginSeq;
    endpoint(out, c.introspection);
    for (const IntrospectionConfig &e : c.moreIntrospection)
        endpoint(out, e);
    out << YAML::EndSeq;

    const CacheSettings &cache = c.cache;
    out << YAML::Key << "cache" << YAML::Value << YAML::BeginMap;
    value(out, "enabled", cache.enabled);
    value(out, "ttl", cache.ttlSecs);
    value(out, "negative_ttl", cache.negativeTtlSecs);
    value(out, "stale_grace", cache.staleGraceSecs);
    value(out, "max_entries", cache.maxEntries);
    value(out, "max_bytes", cache.maxBytes);
    out << YAML::EndMap;

    const JwtConfig &j = c.jwt;
    out << YAML::Key << "jwt" << YAML::Value << YAML::BeginMap;
    text(out, "header", j.headerName);
    value(out, "algorithm", nameOf(jwtAlgorithms, j.algorithm));
    if (j.algorithm == JwtAlgorithm::HS256) {
        // The drop-in default "secret" is left out so that the output loads back as is.
        if (!j.secretRef.isEmpty() || j.secret != QLatin1StringView(JwtConfig::DefaultSecret))
            secret(out, "secret", j.secret, j.secretRef);
    } else {
        text(out, "private_key_file", j.privateKeyFile);
        text(out, "key_id", j.keyId);
    }
    value(out, "lifetime", j.lifetimeSecs);
    value(out, "allow_passthrough", j.allowPassthrough);
    map(out, "claims", j.claims);
    out << YAML::EndMap;

    const PathConfig &paths = c.paths;
    out << YAML::Key << "path_normalization" << YAML::Value << YAML::BeginMap;
    value(out, "normalize_path", paths.normalizePath);
    value(out, "merge_slashes", paths.mergeSlashes);
    value(out, "path_with_escaped_slashes_action",
          nameOf(escapedSlashActions, paths.escapedSlashes));
    value(out, "path_parameters", nameOf(pathParameterActions, paths.parameters));
    value(out, "case_insensitive", paths.caseInsensitive);
    out << YAML::EndMap;

    out << YAML::Key << "routes" << YAML::Value << YAML::BeginSeq;
    for (const RouteConfig &r : c.routes)
        route(out, r);
    out << YAML::EndSeq;
    out << YAML::EndMap;
    return QString::fromStdString(out.c_str()) + u'\n';
}

} // namespace Tokengate
