// SPDX-License-Identifier: Apache-2.0
#include "core/config/configoptions.h"

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

ConfigOption option(const char *name, const char *valueName, const char *description,
                    std::function<QString(Config &, const QString &)> apply) {
    const QString n = QString::fromLatin1(name);
    return {n, QStringLiteral("TOKENGATE_") + n.toUpper().replace(u'-', u'_'),
            QString::fromLatin1(valueName), QString::fromLatin1(description), std::move(apply)};
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
                "Authentication: \"none\" proxies without checking tokens (public routes, "
                "benchmarks). Introspection arrives in a later version.",
                [](Config &c, const QString &v) {
                    if (v == u"none") {
                        c.auth = AuthMode::None;
                        return QString();
                    }
                    return QStringLiteral("expected \"none\", got \"%1\"").arg(v);
                });
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
    o << option("demo", "",
                "Run with the built-in echo upstream on loopback and no authentication, and print "
                "a curl line to try.",
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

QStringList applyEnvironment(Config &config, const QProcessEnvironment &env) {
    QStringList problems;
    for (const ConfigOption &o : configOptions()) {
        if (!env.contains(o.env))
            continue;
        const QString value = env.value(o.env);
        if (o.valueName.isEmpty() && value != u"1" && value != u"true")
            continue; // switches are on with 1 or true
        const QString error = o.apply(config, value);
        if (!error.isEmpty())
            problems << o.env + QStringLiteral(": ") + error;
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
