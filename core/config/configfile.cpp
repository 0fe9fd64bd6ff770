// SPDX-License-Identifier: Apache-2.0
#include "core/config/configfile.h"

#include "core/config/configoptions.h"
#include "core/config/configschema.h"
#include "core/http/upstreamtarget.h"
#include "core/pipeline/destinationpolicy.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSet>

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <functional>

namespace Tokengate {

namespace {

using namespace ConfigSchema;

constexpr qint64 MaxFileBytes = 4 << 20;

QString join(const QString &path, const QString &key) {
    return path.isEmpty() ? key : path + u'.' + key;
}

QString indexed(const QString &path, size_t i) {
    return path + u'[' + QString::number(i) + u']';
}

bool isHeaderName(const QString &name) {
    static const QByteArray tchar = "!#$%&'*+-.^_`|~";
    if (name.isEmpty())
        return false;
    return std::all_of(name.cbegin(), name.cend(), [](QChar c) {
        return c.unicode() < 0x80 && (c.isLetterOrNumber() || tchar.contains(char(c.unicode())));
    });
}

// Walks the YAML tree once, applying what it understands and noting every problem with
// its line and key path.
class FileReader {
public:
    FileReader(QString path, const SecretResolver &resolve)
        : m_path(std::move(path))
        , m_dir(QFileInfo(m_path).absoluteDir())
        , m_resolve(resolve) {}

    QStringList problems;

    using Apply = std::function<void(const YAML::Node &value, const QString &path)>;
    struct Field {
        const char *key;
        Apply apply;
    };

    void error(const YAML::Node &node, const QString &path, const QString &message) {
        const int line = node.Mark().is_null() ? 0 : node.Mark().line + 1;
        problems << QStringLiteral("%1:%2: %3: %4").arg(m_path).arg(line).arg(path, message);
    }

    // Applies each key of a mapping through its field; unknown and repeated keys are errors.
    void mapping(const YAML::Node &node, const QString &path, const std::vector<Field> &fields) {
        if (node.IsNull())
            return;
        if (!node.IsMap()) {
            error(node, path.isEmpty() ? QStringLiteral("(top)") : path,
                  QStringLiteral("expected a mapping of keys to values"));
            return;
        }
        QSet<QString> seen;
        for (const auto &entry : node) {
            const QString key = QString::fromStdString(entry.first.Scalar());
            const QString keyPath = join(path, key);
            if (seen.contains(key)) {
                error(entry.first, keyPath, QStringLiteral("given twice"));
                continue;
            }
            seen.insert(key);
            const Field *field = nullptr;
            for (const Field &f : fields) {
                if (key == QLatin1StringView(f.key))
                    field = &f;
            }
            if (!field) {
                QStringList known;
                for (const Field &f : fields)
                    known << QString::fromLatin1(f.key);
                error(entry.first, keyPath,
                      QStringLiteral("unknown key (expected one of: %1)")
                          .arg(known.join(QStringLiteral(", "))));
                continue;
            }
            field->apply(entry.second, keyPath);
        }
    }

    // A nested mapping's fields.
    Apply section(std::vector<Field> fields) {
        return [this, fields = std::move(fields)](const YAML::Node &n, const QString &p) {
            mapping(n, p, fields);
        };
    }

    Apply headerName(QString &target) {
        return [this, &target](const YAML::Node &n, const QString &p) {
            const auto v = text(n, p);
            if (v && !v->isEmpty() && !isHeaderName(*v))
                error(n, p, QStringLiteral("\"%1\" is not a valid header name").arg(*v));
            else if (v)
                target = *v;
        };
    }

    std::optional<QString> text(const YAML::Node &node, const QString &path) {
        if (node.IsNull())
            return QString();
        if (!node.IsScalar()) {
            error(node, path, QStringLiteral("expected a single value"));
            return std::nullopt;
        }
        return QString::fromStdString(node.Scalar());
    }

    Apply string(QString &target) {
        return [this, &target](const YAML::Node &n, const QString &p) {
            if (const auto v = text(n, p))
                target = *v;
        };
    }

    Apply path(QString &target) {
        return [this, &target](const YAML::Node &n, const QString &p) {
            if (const auto v = text(n, p))
                target = v->isEmpty() ? QString() : absolute(*v);
        };
    }

    QString absolute(const QString &file) const { return QDir::cleanPath(m_dir.filePath(file)); }

    template<typename Int> Apply integer(Int &target, qint64 min, qint64 max) {
        return [this, &target, min, max](const YAML::Node &n, const QString &p) {
            const auto v = text(n, p);
            if (!v)
                return;
            bool ok = false;
            const qint64 i = v->toLongLong(&ok);
            if (!ok || i < min || i > max) {
                error(n, p,
                      QStringLiteral("expected a whole number from %1 to %2, got \"%3\"")
                          .arg(min)
                          .arg(max)
                          .arg(*v));
                return;
            }
            target = Int(i);
        };
    }

    // A duration in seconds (fractions allowed), kept in milliseconds.
    Apply seconds(int &targetMs) {
        return [this, &targetMs](const YAML::Node &n, const QString &p) {
            const auto v = text(n, p);
            if (!v)
                return;
            bool ok = false;
            const double s = v->toDouble(&ok);
            if (!ok || !std::isfinite(s) || s <= 0 || s > 86400) {
                error(n, p,
                      QStringLiteral("expected seconds, more than 0 and at most 86400, got \"%1\"")
                          .arg(*v));
                return;
            }
            targetMs = int(std::lround(s * 1000));
        };
    }

    Apply boolean(bool &target) {
        return [this, &target](const YAML::Node &n, const QString &p) {
            const auto v = text(n, p);
            if (!v)
                return;
            const QString b = v->toLower();
            if (b == u"true" || b == u"yes" || b == u"on")
                target = true;
            else if (b == u"false" || b == u"no" || b == u"off")
                target = false;
            else
                error(n, p, QStringLiteral("expected true or false, got \"%1\"").arg(*v));
        };
    }

    // True for a list or nothing; anything else is reported.
    bool sequence(const YAML::Node &node, const QString &path, const char *what) {
        if (node.IsNull() || node.IsSequence())
            return true;
        error(node, path, QStringLiteral("expected a list of %1").arg(QLatin1StringView(what)));
        return false;
    }

    // A sequence of values; a single value is a list of one.
    std::optional<QStringList> list(const YAML::Node &node, const QString &path) {
        if (node.IsNull())
            return QStringList();
        if (node.IsScalar())
            return QStringList{QString::fromStdString(node.Scalar())};
        if (!node.IsSequence()) {
            error(node, path, QStringLiteral("expected a list of values"));
            return std::nullopt;
        }
        QStringList out;
        for (size_t i = 0; i < node.size(); ++i) {
            const auto v = text(node[i], indexed(path, i));
            if (!v)
                return std::nullopt;
            out << *v;
        }
        return out;
    }

    Apply strings(QStringList &target) {
        return [this, &target](const YAML::Node &n, const QString &p) {
            if (const auto v = list(n, p))
                target = *v;
        };
    }

    Apply stringMap(QMap<QString, QString> &target) {
        return [this, &target](const YAML::Node &n, const QString &p) {
            if (n.IsNull()) {
                target.clear();
                return;
            }
            if (!n.IsMap()) {
                error(n, p, QStringLiteral("expected a mapping of names to values"));
                return;
            }
            QMap<QString, QString> out;
            for (const auto &entry : n) {
                const QString key = QString::fromStdString(entry.first.Scalar());
                if (out.contains(key)) {
                    error(entry.first, join(p, key), QStringLiteral("given twice"));
                    continue;
                }
                if (const auto v = text(entry.second, join(p, key)))
                    out.insert(key, *v);
            }
            target = out;
        };
    }

    template<typename Enum, size_t N>
    Apply choice(Enum &target, const std::array<std::pair<Enum, const char *>, N> &table) {
        return [this, &target, &table](const YAML::Node &n, const QString &p) {
            const auto v = text(n, p);
            if (!v)
                return;
            if (const auto e = valueOf(table, *v))
                target = *e;
            else
                error(n, p,
                      QStringLiteral("expected one of %1, got \"%2\"").arg(namesOf(table), *v));
        };
    }

    Apply url(QString &target) {
        return [this, &target](const YAML::Node &n, const QString &p) {
            const auto v = text(n, p);
            if (!v)
                return;
            QString why;
            if (!v->isEmpty() && !UpstreamTarget::parse(*v, &why)) {
                error(n, p, why);
                return;
            }
            target = *v;
        };
    }

    Apply listen(QHostAddress &address, quint16 &port) {
        return [this, &address, &port](const YAML::Node &n, const QString &p) {
            const auto v = text(n, p);
            if (v && !parseListenAddress(*v, &address, &port))
                error(n, p,
                      QStringLiteral("expected address:port (\"127.0.0.1:8080\", \"*:8080\", "
                                     "\"[::1]:8080\"), got \"%1\"")
                          .arg(*v));
        };
    }

    // Patterns for DestinationPolicy, as a list or one comma-separated value.
    Apply destinationAllow(QString &target) {
        return [this, &target](const YAML::Node &n, const QString &p) {
            const auto v = list(n, p);
            if (!v)
                return;
            const QString joined = v->join(u',');
            QString why;
            if (!DestinationPolicy::parse(joined, &why)) {
                error(n, p, why);
                return;
            }
            target = joined;
        };
    }

    // A secret: a reference resolved now; the reference is kept for --check-config.
    Apply secret(QString &value, QString &reference) {
        return [this, &value, &reference](const YAML::Node &n, const QString &p) {
            const auto v = text(n, p);
            if (!v)
                return;
            if (v->isEmpty() || *v == u"<not set>") {
                value.clear();
                reference.clear();
                return;
            }
            if (*v == u"<set>") {
                error(n, p,
                      QStringLiteral("a masked value as --check-config prints it; give a "
                                     "reference: env:NAME, file:/path or keychain:NAME"));
                return;
            }
            if (!isSecretReference(*v)) {
                error(n, p,
                      QStringLiteral("secrets are not written in the config file; give a "
                                     "reference: env:NAME, file:/path or keychain:NAME"));
                return;
            }
            QString ref = *v;
            if (ref.startsWith(u"file:"))
                ref = QStringLiteral("file:") + absolute(ref.mid(5));
            QString why;
            const std::optional<QString> resolved = m_resolve(ref, &why);
            if (!resolved) {
                error(n, p, QStringLiteral("%1: %2").arg(ref, why));
                return;
            }
            value = *resolved;
            reference = ref;
        };
    }

    void read(const YAML::Node &root, Config &c);

private:
    void readLog(const YAML::Node &n, const QString &p, Config &c);
    void readIntrospection(const YAML::Node &n, const QString &p, Config &c);
    void readEndpoint(const YAML::Node &n, const QString &p, IntrospectionConfig &e);
    void readRoutes(const YAML::Node &n, const QString &p, Config &c);
    void readRoute(const YAML::Node &n, const QString &p, RouteConfig &r);
    void readTokenSources(const YAML::Node &n, const QString &p, QList<TokenSource> &out);
    void readClaimRules(const YAML::Node &n, const QString &p, QList<ClaimRule> &out);

    QString m_path;
    QDir m_dir;
    const SecretResolver &m_resolve;
    // Route references to endpoints, checked once every endpoint is known.
    struct EndpointUse {
        YAML::Node node;
        QString path;
        QString name;
    };
    QList<EndpointUse> m_endpointUses;
};

void FileReader::read(const YAML::Node &root, Config &c) {
    HttpLimits &l = c.server.limits;
    UpstreamSettings &u = c.upstream;
    JwtConfig &j = c.jwt;
    CacheSettings &cache = c.cache;
    const qint64 maxBody = std::numeric_limits<qint64>::max();
    mapping(
        root, {},
        {
            {"listen", listen(c.server.address, c.server.port)},
            {"workers", integer(c.server.workers, 0, 256)},
            {"reuse_port", boolean(c.server.reusePort)},
            {"limits", section({
                           {"max_connections", integer(l.maxConnections, 1, 1'000'000)},
                           {"max_connections_per_peer",
                            integer(l.maxConnectionsPerPeer, 1, 1'000'000)},
                           {"min_body_rate", integer(l.minBodyRate, 0, 1 << 30)},
                           {"min_send_rate", integer(l.minSendRate, 0, 1 << 30)},
                           {"max_header_bytes", integer(l.maxHeaderBytes, 1024, 16 << 20)},
                           {"max_headers", integer(l.maxHeaderCount, 1, 10'000)},
                           {"max_body_bytes", integer(l.maxBodyBytes, -1, maxBody)},
                       })},
            {"timeouts", section({
                             {"header", seconds(l.headerTimeoutMs)},
                             {"idle", seconds(l.idleTimeoutMs)},
                             {"body", seconds(l.bodyTimeoutMs)},
                             {"drain", seconds(c.drainTimeoutMs)},
                         })},
            {"admin", section({
                          {"enabled", boolean(c.admin.enabled)},
                          {"listen", listen(c.admin.address, c.admin.port)},
                      })},
            {"log", [&](const YAML::Node &n, const QString &p) { readLog(n, p, c); }},
            {"request_id_header", headerName(c.requestIdHeader)},
            {"auth",
             [&](const YAML::Node &n, const QString &p) {
                 const auto v = text(n, p);
                 if (v == u"introspection")
                     c.auth = AuthMode::Introspection;
                 else if (v == u"none")
                     c.auth = AuthMode::None;
                 else if (v)
                     error(n, p,
                           QStringLiteral("expected introspection or none, got \"%1\"").arg(*v));
             }},
            {"allow_missing_token", boolean(c.allowMissingToken)},
            {"required_scopes", strings(c.requiredScopes)},
            {"upstream", section({
                             {"url", url(c.upstreamUrl)},
                             {"connect_timeout", seconds(u.connectTimeoutMs)},
                             {"timeout", seconds(u.responseTimeoutMs)},
                             {"idle_timeout", seconds(u.idleTimeoutMs)},
                             {"max_idle", integer(u.maxIdlePerOrigin, 0, 100'000)},
                             {"max_idle_total", integer(u.maxIdleTotal, 0, 1'000'000)},
                             {"forwarded", choice(u.forwarded, forwardedModes)},
                             {"tls", section({
                                         {"verify", boolean(u.verifyTls)},
                                         {"ca_file", path(u.caFile)},
                                     })},
                         })},
            {"destination_allow", destinationAllow(c.destinationAllow)},
            {"introspection",
             [&](const YAML::Node &n, const QString &p) { readIntrospection(n, p, c); }},
            {"cache",
             [&, fields = section({
                     {"enabled", boolean(cache.enabled)},
                     {"ttl", integer(cache.ttlSecs, 0, 30 * 86400)},
                     {"negative_ttl", integer(cache.negativeTtlSecs, 0, 86400)},
                     {"stale_grace", integer(cache.staleGraceSecs, 0, 86400)},
                     {"max_entries", integer(cache.maxEntries, 1, 100'000'000)},
                     {"max_bytes", integer(cache.maxBytes, 4096, qint64(1) << 40)},
                 })](const YAML::Node &n, const QString &p) {
                 // Writing the section turns the cache on unless it says otherwise.
                 if (n.IsMap())
                     cache.enabled = true;
                 fields(n, p);
             }},
            {"jwt", section({
                        {"header", headerName(j.headerName)},
                        {"algorithm", choice(j.algorithm, jwtAlgorithms)},
                        {"secret", secret(j.secret, j.secretRef)},
                        {"private_key_file", path(j.privateKeyFile)},
                        {"key_id", string(j.keyId)},
                        {"lifetime", integer(j.lifetimeSecs, 1, 30 * 86400)},
                        {"allow_passthrough", boolean(j.allowPassthrough)},
                        {"claims", stringMap(j.claims)},
                    })},
            {"path_normalization",
             section({
                 {"normalize_path", boolean(c.paths.normalizePath)},
                 {"merge_slashes", boolean(c.paths.mergeSlashes)},
                 {"path_with_escaped_slashes_action",
                  choice(c.paths.escapedSlashes, escapedSlashActions)},
                 {"path_parameters", choice(c.paths.parameters, pathParameterActions)},
                 {"case_insensitive", boolean(c.paths.caseInsensitive)},
             })},
            {"routes", [&](const YAML::Node &n, const QString &p) { readRoutes(n, p, c); }},
        });

    QStringList names{c.introspection.name};
    for (const IntrospectionConfig &e : c.moreIntrospection)
        names << e.name;
    for (const EndpointUse &use : m_endpointUses) {
        if (!names.contains(use.name))
            error(use.node, use.path,
                  QStringLiteral("no introspection endpoint named \"%1\" (there are: %2)")
                      .arg(use.name, names.join(QStringLiteral(", "))));
    }
}

void FileReader::readLog(const YAML::Node &n, const QString &p, Config &c) {
    mapping(
        n, p,
        {
            {"level",
             [&](const YAML::Node &v, const QString &vp) {
                 static const QStringList levels{QStringLiteral("debug"), QStringLiteral("info"),
                                                 QStringLiteral("warn"), QStringLiteral("error")};
                 const auto t = text(v, vp);
                 if (t && levels.contains(*t))
                     c.logLevel = *t;
                 else if (t)
                     error(
                         v, vp,
                         QStringLiteral("expected debug, info, warn or error, got \"%1\"").arg(*t));
             }},
            {"format",
             [&](const YAML::Node &v, const QString &vp) {
                 const auto t = text(v, vp);
                 if (t == u"text" || t == u"json")
                     c.logFormat = *t;
                 else if (t)
                     error(v, vp, QStringLiteral("expected text or json, got \"%1\"").arg(*t));
             }},
            {"access_log",
             [&](const YAML::Node &v, const QString &vp) {
                 const auto t = text(v, vp);
                 if (!t)
                     return;
                 if (t->isEmpty())
                     error(v, vp, QStringLiteral("expected stdout, off or a file path"));
                 else
                     c.accessLog = (*t == u"stdout" || *t == u"off") ? *t : absolute(*t);
             }},
        });
}

void FileReader::readIntrospection(const YAML::Node &n, const QString &p, Config &c) {
    QList<IntrospectionConfig> endpoints;
    if (n.IsMap()) { // one endpoint needs no list
        endpoints << IntrospectionConfig();
        readEndpoint(n, p, endpoints.back());
    } else if (n.IsSequence() && n.size() > 0) {
        QSet<QString> names;
        for (size_t i = 0; i < n.size(); ++i) {
            IntrospectionConfig e;
            if (i > 0)
                e.name.clear(); // only the first has a default name
            readEndpoint(n[i], indexed(p, i), e);
            if (e.name.isEmpty())
                error(n[i], indexed(p, i) + QStringLiteral(".name"),
                      QStringLiteral("every endpoint after the first needs a name"));
            else if (names.contains(e.name))
                error(n[i], indexed(p, i) + QStringLiteral(".name"),
                      QStringLiteral("another endpoint is named \"%1\"").arg(e.name));
            names.insert(e.name);
            endpoints << e;
        }
    } else {
        error(n, p, QStringLiteral("expected an endpoint, or a list of endpoints"));
        return;
    }
    c.introspection = endpoints.takeFirst();
    c.moreIntrospection = endpoints;
}

void FileReader::readEndpoint(const YAML::Node &n, const QString &p, IntrospectionConfig &e) {
    bool methodGiven = false;
    mapping(n, p,
            {
                {"name", string(e.name)},
                {"url", url(e.url)},
                {"issuer", url(e.issuer)},
                {"auth_method",
                 [&](const YAML::Node &v, const QString &vp) {
                     methodGiven = true;
                     choice(e.authMethod, authMethods)(v, vp);
                 }},
                {"client_id", string(e.clientId)},
                {"client_secret", secret(e.clientSecret, e.clientSecretRef)},
                {"authorization", secret(e.authorization, e.authorizationRef)},
                {"private_key_file", path(e.privateKeyFile)},
                {"key_id", string(e.keyId)},
                {"assertion_audience", url(e.assertionAudience)},
                {"timeout", seconds(e.timeoutMs)},
                {"max_connections", integer(e.maxConnections, 1, 10'000)},
                {"max_waiting", integer(e.maxWaiting, 0, 1'000'000)},
            });
    if (!n.IsMap())
        return;
    if (!methodGiven) { // what the other keys imply
        if (!e.authorizationRef.isEmpty())
            e.authMethod = ClientAuthMethod::AuthorizationValue;
        else if (!e.privateKeyFile.isEmpty())
            e.authMethod = ClientAuthMethod::PrivateKeyJwt;
    }
}

void FileReader::readRoutes(const YAML::Node &n, const QString &p, Config &c) {
    if (!sequence(n, p, "routes"))
        return;
    QList<RouteConfig> routes;
    for (size_t i = 0; i < n.size(); ++i) {
        RouteConfig r;
        readRoute(n[i], indexed(p, i), r);
        if (r.name.isEmpty())
            r.name = QStringLiteral("route-%1").arg(i + 1);
        routes << r;
    }
    c.routes = routes;
}

void FileReader::readRoute(const YAML::Node &n, const QString &p, RouteConfig &r) {
    const auto pathValue = [this](QString &target) -> Apply {
        return [this, &target](const YAML::Node &v, const QString &vp) {
            const auto t = text(v, vp);
            if (t && !t->isEmpty() && !t->startsWith(u'/'))
                error(v, vp, QStringLiteral("must start with \"/\", got \"%1\"").arg(*t));
            else if (t)
                target = *t;
        };
    };
    mapping(
        n, p,
        {
            {"name", string(r.name)},
            {"hosts", strings(r.hosts)},
            {"path_prefix", pathValue(r.pathPrefix)},
            {"path_pattern", pathValue(r.pathPattern)},
            {"methods",
             [&](const YAML::Node &v, const QString &vp) {
                 const auto l = list(v, vp);
                 if (!l)
                     return;
                 QStringList methods;
                 for (const QString &m : *l) {
                     if (!isHeaderName(m)) // a method is an HTTP token as well
                         error(v, vp, QStringLiteral("\"%1\" is not an HTTP method").arg(m));
                     methods << m.toUpper();
                 }
                 r.methods = methods;
             }},
            {"case_insensitive",
             [&](const YAML::Node &v, const QString &vp) {
                 bool value = false;
                 const qsizetype before = problems.size();
                 boolean(value)(v, vp);
                 if (problems.size() == before && !v.IsNull())
                     r.caseInsensitive = value;
             }},
            {"upstream", url(r.upstreamUrl)},
            {"destination", boolean(r.destinationMode)},
            {"destination_allow", destinationAllow(r.destinationAllow)},
            {"preserve_host", boolean(r.preserveHost)},
            {"strip_prefix", pathValue(r.stripPrefix)},
            {"rewrite_prefix", pathValue(r.rewritePrefix)},
            {"authenticate", boolean(r.authenticate)},
            {"introspection",
             [&](const YAML::Node &v, const QString &vp) {
                 if (const auto t = text(v, vp)) {
                     r.introspection = *t;
                     if (!t->isEmpty())
                         m_endpointUses << EndpointUse{v, vp, *t};
                 }
             }},
            {"token_sources", [&](const YAML::Node &v,
                                  const QString &vp) { readTokenSources(v, vp, r.tokenSources); }},
            {"required_scopes", strings(r.requiredScopes)},
            {"audiences", strings(r.audiences)},
            {"issuers", strings(r.issuers)},
            {"claims",
             [&](const YAML::Node &v, const QString &vp) { readClaimRules(v, vp, r.claimRules); }},
            {"pass_through", boolean(r.passThrough)},
            {"strip_credential", boolean(r.stripCredential)},
            {"identity_headers",
             [&](const YAML::Node &v, const QString &vp) {
                 stringMap(r.identityHeaders)(v, vp);
                 for (auto it = r.identityHeaders.cbegin(); it != r.identityHeaders.cend(); ++it) {
                     if (!isHeaderName(it.key()))
                         error(v, vp,
                               QStringLiteral("\"%1\" is not a valid header name").arg(it.key()));
                 }
             }},
        });
    if (!n.IsMap())
        return;
    if (!r.pathPrefix.isEmpty() && !r.pathPattern.isEmpty())
        error(n, p, QStringLiteral("give path_prefix or path_pattern, not both"));
    if (!r.upstreamUrl.isEmpty() && r.destinationMode)
        error(n, p, QStringLiteral("give upstream or destination: true, not both"));
    if (!r.rewritePrefix.isEmpty() && r.stripPrefix.isEmpty())
        error(n, p, QStringLiteral("rewrite_prefix replaces strip_prefix: give both"));
}

void FileReader::readTokenSources(const YAML::Node &n, const QString &p, QList<TokenSource> &out) {
    const auto l = list(n, p);
    if (!l)
        return;
    QList<TokenSource> sources;
    for (const QString &s : *l) {
        const qsizetype colon = s.indexOf(u':');
        const QString kind = colon < 0 ? s : s.left(colon);
        const QString name = colon < 0 ? QString() : s.mid(colon + 1);
        TokenSource t;
        t.name = name;
        if (kind == u"bearer" && colon < 0) {
            t.kind = TokenSource::Kind::BearerHeader;
        } else if (kind == u"query") {
            t.kind = TokenSource::Kind::Query;
            if (colon < 0)
                t.name = QStringLiteral("access_token");
        } else if (kind == u"header" && isHeaderName(name)) {
            t.kind = TokenSource::Kind::Header;
        } else if (kind == u"cookie" && !name.isEmpty()) {
            t.kind = TokenSource::Kind::Cookie;
        } else {
            error(n, p,
                  QStringLiteral("\"%1\": expected bearer, query, query:NAME, header:NAME or "
                                 "cookie:NAME")
                      .arg(s));
            continue;
        }
        if (t.kind == TokenSource::Kind::Query && t.name.isEmpty())
            t.name = QStringLiteral("access_token");
        sources << t;
    }
    out = sources;
}

void FileReader::readClaimRules(const YAML::Node &n, const QString &p, QList<ClaimRule> &out) {
    if (!sequence(n, p, "claim rules"))
        return;
    QList<ClaimRule> rules;
    for (size_t i = 0; i < n.size(); ++i) {
        const QString rp = indexed(p, i);
        ClaimRule rule;
        int ops = 0;
        const auto op = [&](ClaimRule::Op which, bool single) -> Apply {
            return [&, which, single](const YAML::Node &v, const QString &vp) {
                ++ops;
                rule.op = which;
                if (single) {
                    if (const auto t = text(v, vp))
                        rule.values = {*t};
                } else if (const auto l = list(v, vp)) {
                    rule.values = *l;
                }
            };
        };
        mapping(n[i], rp,
                {
                    {"claim", string(rule.claim)},
                    {"equals", op(ClaimRule::Op::Equals, true)},
                    {"one_of", op(ClaimRule::Op::OneOf, false)},
                    {"contains", op(ClaimRule::Op::Contains, false)},
                });
        if (!n[i].IsMap())
            continue;
        if (rule.claim.isEmpty())
            error(n[i], rp + QStringLiteral(".claim"), QStringLiteral("name the claim"));
        if (ops != 1)
            error(n[i], rp, QStringLiteral("give exactly one of equals, one_of or contains"));
        rules << rule;
    }
    out = rules;
}

} // namespace

QStringList applyConfigText(const QByteArray &yaml, const QString &path, Config &config,
                            const SecretResolver &resolve) {
    YAML::Node root;
    try {
        root = YAML::Load(yaml.toStdString());
    } catch (const YAML::Exception &e) {
        return {QStringLiteral("%1:%2: %3")
                    .arg(path)
                    .arg(e.mark.is_null() ? 0 : e.mark.line + 1)
                    .arg(QString::fromStdString(e.msg))};
    }
    Config next = config;
    FileReader reader(path, resolve);
    try {
        reader.read(root, next);
    } catch (const YAML::Exception &e) { // a malformed node the reader did not foresee
        reader.problems << QStringLiteral("%1:%2: %3")
                               .arg(path)
                               .arg(e.mark.is_null() ? 0 : e.mark.line + 1)
                               .arg(QString::fromStdString(e.msg));
    }
    if (!reader.problems.isEmpty())
        return reader.problems;
    next.configFile = QFileInfo(path).absoluteFilePath();
    config = next;
    return {};
}

QStringList applyConfigFile(const QString &path, Config &config, const SecretResolver &resolve) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {QStringLiteral("%1: cannot read: %2").arg(path, file.errorString())};
    if (file.size() > MaxFileBytes)
        return {QStringLiteral("%1: larger than %2 bytes").arg(path).arg(MaxFileBytes)};
    return applyConfigText(file.read(MaxFileBytes), path, config, resolve);
}

} // namespace Tokengate
