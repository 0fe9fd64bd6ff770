// SPDX-License-Identifier: Apache-2.0
#include "core/config/configoptions.h"

#include <QFile>
#include <QRegularExpression>

#include <cmath>

namespace Tokengate {

namespace {

QString setSeconds(int &target, const QString &value) {
    bool ok = false;
    const double seconds = value.toDouble(&ok);
    if (!ok || !std::isfinite(seconds) || seconds <= 0 || seconds > 86400)
        return QStringLiteral("expected seconds between 0 and 86400, got \"%1\"").arg(value);
    target = int(std::lround(seconds * 1000));
    return {};
}

template<typename Int>
QString setInteger(Int &target, const QString &value, qint64 min, qint64 max) {
    bool ok = false;
    const qint64 n = value.toLongLong(&ok);
    if (!ok || n < min || n > max)
        return QStringLiteral("expected a whole number between %1 and %2, got \"%3\"")
            .arg(min)
            .arg(max)
            .arg(value);
    target = Int(n);
    return {};
}

QString setBool(bool &target, const QString &value) {
    const QString v = value.trimmed().toLower();
    if (v == u"true" || v == u"1" || v == u"yes" || v == u"on")
        target = true;
    else if (v == u"false" || v == u"0" || v == u"no" || v == u"off")
        target = false;
    else
        return QStringLiteral("expected true or false, got \"%1\"").arg(value);
    return {};
}

ConfigOption option(const char *name, const char *valueName, const char *description,
                    std::function<QString(Config &, const QString &)> apply,
                    QStringList compatEnv = {}, bool secret = false) {
    const QString n = QString::fromLatin1(name);
    return {n,
            QStringLiteral("TOKENGATE_") + n.toUpper().replace(u'-', u'_'),
            QString::fromLatin1(valueName),
            QString::fromLatin1(description),
            std::move(compatEnv),
            secret,
            std::move(apply)};
}

QList<ConfigOption> buildOptions() {
    QList<ConfigOption> o;
    o << option("listen", "address:port",
                "Address and port to accept clients on (default 127.0.0.1:8080; *:8080 for all "
                "interfaces).",
                [](Config &c, const QString &v) {
                    return parseListenAddress(v, &c.server.address, &c.server.port)
                               ? QString()
                               : QStringLiteral("expected address:port, got \"%1\"").arg(v);
                });
    o << option("upstream", "url",
                "Upstream base URL every request is forwarded to (http or https).",
                [](Config &c, const QString &v) {
                    c.upstreamUrl = v;
                    return QString();
                });
    o << option("auth", "mode",
                "\"introspection\" (default): every request needs a token the IdP says is "
                "active. \"none\" proxies without checking tokens (public routes, benchmarks).",
                [](Config &c, const QString &v) {
                    if (v == u"none")
                        c.auth = AuthMode::None;
                    else if (v == u"introspection")
                        c.auth = AuthMode::Introspection;
                    else
                        return QStringLiteral("expected introspection or none, got \"%1\"").arg(v);
                    return QString();
                });
    o << option("introspection-url", "url", "The IdP's RFC 7662 token introspection endpoint.",
                [](Config &c, const QString &v) {
                    c.introspection.url = v;
                    return QString();
                },
                {QStringLiteral("SSO_INTROSPECTION")});
    o << option("client-id", "id",
                "Client id for the introspection call (HTTP Basic, form-urlencoded per RFC 6749).",
                [](Config &c, const QString &v) {
                    c.introspection.clientId = v;
                    return QString();
                },
                {QStringLiteral("SSO_CLIENT_ID")});
    o << option(
        "client-secret", "path", "Client secret for the introspection call.",
        [](Config &c, const QString &v) {
            c.introspection.clientSecret = v;
            c.introspection.clientSecretRef.clear();
            return QString();
        },
        {QStringLiteral("SSO_CLIENT_SECRET")}, true);
    o << option(
        "introspection-authorization", "path",
        "A verbatim Authorization header value for the introspection call (e.g. \"Basic "
        "...\"), instead of a client id and secret.",
        [](Config &c, const QString &v) {
            c.introspection.authorization = v;
            c.introspection.authorizationRef.clear();
            return QString();
        },
        {}, true);
    o << option(
        "introspection-timeout", "seconds",
        "Time allowed for an introspection call (default 5); then 504.",
        [](Config &c, const QString &v) { return setSeconds(c.introspection.timeoutMs, v); });
    o << option("introspection-max-connections", "n",
                "Introspection calls in flight per worker (default 32); more wait in line.",
                [](Config &c, const QString &v) {
                    return setInteger(c.introspection.maxConnections, v, 1, 10'000);
                });
    o << option("introspection-max-waiting", "n",
                "Introspection calls waiting for a connection per worker (default 256); beyond, "
                "503 idp_overloaded at once.",
                [](Config &c, const QString &v) {
                    return setInteger(c.introspection.maxWaiting, v, 0, 1'000'000);
                });
    o << option("cache-ttl", "seconds|off",
                "Remember active introspection answers this long, never past the token's exp "
                "(default off: every request asks the IdP; 0: bounded by exp only).",
                [](Config &c, const QString &v) {
                    if (v.trimmed().toLower() == u"off") {
                        c.cache.enabled = false;
                        return QString();
                    }
                    c.cache.enabled = true;
                    return setInteger(c.cache.ttlSecs, v, 0, 30 * 86400);
                });
    o << option("cache-negative-ttl", "seconds",
                "With the cache on, remember inactive answers this long (default 5; 0: never).",
                [](Config &c, const QString &v) {
                    return setInteger(c.cache.negativeTtlSecs, v, 0, 86400);
                });
    o << option("cache-stale-grace", "seconds",
                "With the cache on, while the IdP is unreachable, keep accepting a cached active "
                "answer this long past its TTL, never past the token's exp (default 0: off).",
                [](Config &c, const QString &v) {
                    return setInteger(c.cache.staleGraceSecs, v, 0, 86400);
                });
    o << option("cache-max-entries", "n", "Most cached answers (default 100000); LRU beyond.",
                [](Config &c, const QString &v) {
                    return setInteger(c.cache.maxEntries, v, 1, 100'000'000);
                });
    o << option("cache-max-bytes", "bytes", "Most cache memory (default 268435456); LRU beyond.",
                [](Config &c, const QString &v) {
                    return setInteger(c.cache.maxBytes, v, 4096, qint64(1) << 40);
                });
    o << option("redis-url", "url",
                "Share cached answers between instances through Redis: "
                "redis://[user@]host[:port][/database] (needs --cache-ttl; no TLS).",
                [](Config &c, const QString &v) {
                    c.cache.redis.url = v;
                    return QString();
                });
    o << option(
        "redis-password", "path", "Redis AUTH password (wins over one in the URL).",
        [](Config &c, const QString &v) {
            c.cache.redis.password = v;
            return QString();
        },
        {}, true);
    o << option("redis-key-prefix", "prefix",
                "Prefix of every Redis key and of the eviction channel (default \"tokengate:\").",
                [](Config &c, const QString &v) {
                    c.cache.redis.keyPrefix = v;
                    return QString();
                });
    o << option("redis-timeout", "seconds",
                "Longest wait for Redis per lookup (default 0.25); then the IdP is asked.",
                [](Config &c, const QString &v) { return setSeconds(c.cache.redis.timeoutMs, v); });
    o << option("required-scopes", "scopes",
                "Space- or comma-separated scopes every token must carry (all of them), checked "
                "on every request, cached or not; else 403 insufficient_scope.",
                [](Config &c, const QString &v) {
                    static const QRegularExpression separators(QStringLiteral("[,\\s]+"));
                    c.requiredScopes = v.split(separators, Qt::SkipEmptyParts);
                    return QString();
                });
    o << option("allow-missing-token", "",
                "Forward requests that carry no token, unauthenticated (the JWT header is "
                "stripped from them).",
                [](Config &c, const QString &) {
                    c.allowMissingToken = true;
                    return QString();
                },
                {QStringLiteral("ALLOW_MISSING_AUTH_HEADER")});
    o << option("jwt-header", "name",
                "Request header that carries an HS256 JWT with the introspection result to the "
                "upstream; unset: no JWT. A client-sent header of that name is removed.",
                [](Config &c, const QString &v) {
                    c.jwt.headerName = v.trimmed();
                    return QString();
                },
                {QStringLiteral("JWT_HEADER_NAME")});
    o << option(
        "jwt-secret", "path", "HS256 key of that JWT (default \"secret\": set it).",
        [](Config &c, const QString &v) {
            c.jwt.secret = v;
            c.jwt.secretRef.clear();
            return QString();
        },
        {QStringLiteral("JWT_SECRET")}, true);
    o << option("allow-jwt-passthrough", "",
                "Keep a client-sent JWT header instead of replacing it (trusts the client).",
                [](Config &c, const QString &) {
                    c.jwt.allowPassthrough = true;
                    return QString();
                },
                {QStringLiteral("ALLOW_JWT_PASSTHROUGH")});
    o << option("destination-allow", "patterns",
                "Without --upstream, each request names its upstream in the Destination header; "
                "these host[:port] patterns (comma-separated, \"*.example.com\", \"*\") limit "
                "which. Link-local and cloud metadata hosts need an exact pattern.",
                [](Config &c, const QString &v) {
                    c.destinationAllow = v;
                    return QString();
                });
    o << option("tls-verify", "true|false",
                "Verify TLS certificates of the upstream and the IdP (default true).",
                [](Config &c, const QString &v) { return setBool(c.upstream.verifyTls, v); },
                {QStringLiteral("SSL_SECURE")});
    o << option("log-level", "level", "debug, info (default), warn or error.",
                [](Config &c, const QString &v) {
                    c.logLevel = v.trimmed().toLower();
                    return QString();
                },
                {QStringLiteral("LOG_LEVEL")});
    o << option(
        "workers", "n", "Worker threads (default 0: one per core).",
        [](Config &c, const QString &v) { return setInteger(c.server.workers, v, 0, 256); });
    o << option("single-acceptor", "",
                "Accept in one thread and hand sockets to workers instead of SO_REUSEPORT.",
                [](Config &c, const QString &) {
                    c.server.reusePort = false;
                    return QString();
                });
    o << option("max-connections", "n", "Open client connections allowed (default 10000).",
                [](Config &c, const QString &v) {
                    return setInteger(c.server.limits.maxConnections, v, 1, 1'000'000);
                });
    o << option("max-connections-per-peer", "n",
                "Open connections one client address (IPv6: one /64) may hold (default 2500).",
                [](Config &c, const QString &v) {
                    return setInteger(c.server.limits.maxConnectionsPerPeer, v, 1, 1'000'000);
                });
    o << option("min-body-rate", "bytes",
                "Bytes per second a request body must average after the header timeout "
                "(default 500; 0: off); slower gets 408.",
                [](Config &c, const QString &v) {
                    return setInteger(c.server.limits.minBodyRate, v, 0, 1 << 30);
                });
    o << option("min-send-rate", "bytes",
                "Bytes per second a client must read a response at after the header timeout "
                "(default 500; 0: off); slower is closed.",
                [](Config &c, const QString &v) {
                    return setInteger(c.server.limits.minSendRate, v, 0, 1 << 30);
                });
    o << option("max-header-bytes", "bytes",
                "Largest request line plus header section (default 65536); more gets 431.",
                [](Config &c, const QString &v) {
                    return setInteger(c.server.limits.maxHeaderBytes, v, 1024, 16 << 20);
                });
    o << option("max-headers", "n",
                "Most header fields in one request (default 100); more gets 431.",
                [](Config &c, const QString &v) {
                    return setInteger(c.server.limits.maxHeaderCount, v, 1, 10'000);
                });
    o << option("max-body-bytes", "bytes",
                "Largest request body (default -1: unlimited, bodies are streamed); more gets 413.",
                [](Config &c, const QString &v) {
                    return setInteger(c.server.limits.maxBodyBytes, v, -1,
                                      std::numeric_limits<qint64>::max());
                });
    o << option(
        "header-timeout", "seconds",
        "Time allowed to receive a request's line and headers (default 10); then 408.",
        [](Config &c, const QString &v) { return setSeconds(c.server.limits.headerTimeoutMs, v); });
    o << option(
        "idle-timeout", "seconds",
        "Keep-alive client connection closed after this long without a request (default 60).",
        [](Config &c, const QString &v) { return setSeconds(c.server.limits.idleTimeoutMs, v); });
    o << option(
        "body-timeout", "seconds",
        "Longest pause while receiving a body or sending a response (default 60).",
        [](Config &c, const QString &v) { return setSeconds(c.server.limits.bodyTimeoutMs, v); });
    o << option(
        "upstream-connect-timeout", "seconds",
        "Time allowed to connect to the upstream (default 5); then 504.",
        [](Config &c, const QString &v) { return setSeconds(c.upstream.connectTimeoutMs, v); });
    o << option(
        "upstream-timeout", "seconds",
        "Time allowed for the upstream's response head, and between its body reads "
        "(default 60); then 504.",
        [](Config &c, const QString &v) { return setSeconds(c.upstream.responseTimeoutMs, v); });
    o << option(
        "upstream-idle-timeout", "seconds",
        "Pooled upstream connection closed after this long unused (default 30).",
        [](Config &c, const QString &v) { return setSeconds(c.upstream.idleTimeoutMs, v); });
    o << option("upstream-max-idle", "n",
                "Idle keep-alive connections kept per upstream and worker (default 256).",
                [](Config &c, const QString &v) {
                    return setInteger(c.upstream.maxIdlePerOrigin, v, 0, 100'000);
                });
    o << option("upstream-max-idle-total", "n",
                "Idle keep-alive connections kept per worker across all upstreams (default "
                "1024); the longest idle is closed first.",
                [](Config &c, const QString &v) {
                    return setInteger(c.upstream.maxIdleTotal, v, 0, 1'000'000);
                });
    o << option("upstream-ca-file", "path",
                "PEM file of extra CA certificates trusted for https upstreams (verification is "
                "always on).",
                [](Config &c, const QString &v) {
                    c.upstream.caFile = v;
                    return QString();
                });
    o << option("forwarded", "mode",
                "X-Forwarded-For/-Proto/-Host: \"replace\" (default: drop the client's, set ours), "
                "\"append\" (behind a trusted proxy) or \"off\".",
                [](Config &c, const QString &v) {
                    if (v == u"replace")
                        c.upstream.forwarded = ForwardedMode::Replace;
                    else if (v == u"append")
                        c.upstream.forwarded = ForwardedMode::Append;
                    else if (v == u"off")
                        c.upstream.forwarded = ForwardedMode::Off;
                    else
                        return QStringLiteral("expected replace, append or off, got \"%1\"").arg(v);
                    return QString();
                });
    o << option(
        "drain-timeout", "seconds",
        "On SIGTERM/SIGINT, time given to requests in progress before closing (default 10).",
        [](Config &c, const QString &v) { return setSeconds(c.drainTimeoutMs, v); });
    o << option(
        "access-log", "target",
        "Where the access log (JSON lines) goes: \"stdout\" (default), \"off\" or a file path.",
        [](Config &c, const QString &v) {
            if (v.isEmpty())
                return QStringLiteral("expected stdout, off or a file path");
            c.accessLog = v;
            return QString();
        });
    o << option("admin-listen", "address:port",
                "Where the admin listener (/healthz, /readyz, /metrics, JWKS) accepts "
                "connections (default 127.0.0.1:9090); \"off\" disables it. It has no "
                "authentication: keep it on loopback or a private network.",
                [](Config &c, const QString &v) {
                    if (v.trimmed().toLower() == u"off") {
                        c.admin.enabled = false;
                        return QString();
                    }
                    c.admin.enabled = true;
                    return parseListenAddress(v, &c.admin.address, &c.admin.port)
                               ? QString()
                               : QStringLiteral("expected address:port or off, got \"%1\"").arg(v);
                });
    o << option("log-format", "format",
                "Diagnostic log lines on stderr as \"text\" (default) or \"json\" (one object "
                "per line).",
                [](Config &c, const QString &v) {
                    const QString f = v.trimmed().toLower();
                    if (f != u"text" && f != u"json")
                        return QStringLiteral("expected text or json, got \"%1\"").arg(v);
                    c.logFormat = f;
                    return QString();
                });
    o << option("demo", "",
                "Run with the built-in demo IdP and echo upstream on loopback, and print a curl "
                "line with a fresh token to try.",
                [](Config &c, const QString &) {
                    c.demo = true;
                    return QString();
                });
    return o;
}

} // namespace

const QList<ConfigOption> &configOptions() {
    static const QList<ConfigOption> options = buildOptions();
    return options;
}

std::optional<QString> readSecretFile(const QString &path, QString *error) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read \"%1\": %2").arg(path, file.errorString());
        return std::nullopt;
    }
    QByteArray content = file.read(1 << 20);
    // Secret files (Docker, systemd credentials) usually end with a newline nobody means.
    while (content.endsWith('\n') || content.endsWith('\r'))
        content.chop(1);
    return QString::fromUtf8(content);
}

QString commandLineName(const ConfigOption &option) {
    return option.secret ? option.name + QStringLiteral("-file") : option.name;
}

QString applyCommandLine(const ConfigOption &option, Config &config, const QString &value) {
    if (!option.secret)
        return option.apply(config, value);
    QString error;
    const std::optional<QString> secret = readSecretFile(value, &error);
    return secret ? option.apply(config, *secret) : error;
}

QStringList applyEnvironment(Config &config, const QProcessEnvironment &env) {
    QStringList problems;
    for (const ConfigOption &o : configOptions()) {
        // Only the first name set counts, TOKENGATE_* before the compatibility names: "wins"
        // must also hold for a switch turned off (TOKENGATE_X=false beats X=true) and for a
        // compatibility value that would not parse.
        for (const QString &name : QStringList{o.env} + o.compatEnv) {
            const QString fileName = name + QStringLiteral("_FILE");
            if (!env.contains(name) && !env.contains(fileName))
                continue;
            if (env.contains(name) && env.contains(fileName)) {
                problems << QStringLiteral("%1 and %2: set one, not both").arg(name, fileName);
                break;
            }
            QString value;
            QString from = name;
            if (env.contains(name)) {
                value = env.value(name);
            } else if (env.contains(fileName)) {
                from = fileName;
                QString error;
                const std::optional<QString> content = readSecretFile(env.value(fileName), &error);
                if (!content) {
                    problems << fileName + QStringLiteral(": ") + error;
                    break;
                }
                value = *content;
            }
            QString error;
            if (o.valueName.isEmpty()) {
                bool on = false; // an empty switch is off
                if (!value.trimmed().isEmpty())
                    error = setBool(on, value);
                if (error.isEmpty() && on)
                    error = o.apply(config, value);
            } else {
                error = o.apply(config, value);
            }
            if (!error.isEmpty())
                problems << from + QStringLiteral(": ") + error;
            break;
        }
    }
    // SSO_INTROSPECTION_FILE counts too: Docker secrets users set only that one.
    const bool microgatewayMode = env.contains(QStringLiteral("SSO_INTROSPECTION")) ||
                                  env.contains(QStringLiteral("SSO_INTROSPECTION_FILE")) ||
                                  env.contains(QStringLiteral("PORT"));
    if (microgatewayMode && !env.contains(QStringLiteral("TOKENGATE_LISTEN"))) {
        const QString port = env.value(QStringLiteral("PORT"), QStringLiteral("8080"));
        bool ok = false;
        const uint p = port.toUInt(&ok);
        // Checked before anything is set, so a refused PORT leaves the default in place.
        if (!ok || p == 0 || p > 65535) {
            problems << QStringLiteral("PORT: expected a port number from 1 to 65535, got \"%1\"")
                            .arg(port);
        } else {
            config.server.address = QHostAddress::Any;
            config.server.port = quint16(p);
        }
    }
    return problems;
}

bool parseListenAddress(const QString &text, QHostAddress *address, quint16 *port) {
    QString host;
    QString portText = text;
    const qsizetype colon = text.lastIndexOf(u':');
    if (colon >= 0) {
        host = text.left(colon);
        portText = text.mid(colon + 1);
    }
    bool ok = false;
    const uint p = portText.toUInt(&ok);
    if (!ok || p > 65535)
        return false;
    QHostAddress a;
    if (host.isEmpty() && colon < 0)
        a = QHostAddress::LocalHost;
    else if (host == u"*")
        a = QHostAddress::Any;
    else if (host.startsWith(u'[') && host.endsWith(u']'))
        ok = a.setAddress(host.mid(1, host.size() - 2));
    else
        ok = a.setAddress(host);
    if (!ok || a.isNull())
        return false;
    *address = a;
    *port = quint16(p);
    return true;
}

} // namespace Tokengate
