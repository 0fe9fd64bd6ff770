// SPDX-License-Identifier: Apache-2.0
// The settings table as the one description of every setting: each row's value survives
// --check-config's output read back, so does a Config with every field set, the example file
// documents every row, and every option and variable name, old spellings included, parses.
#include "core/config/configdump.h"
#include "core/config/configfile.h"
#include "core/config/configoptions.h"
#include "core/config/settingstable.h"

#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <tuple>

using namespace Tokengate;

namespace {

// Each struct's fields by structured binding: a field added to one of them stops this file
// compiling until it is listed here, and then everyFieldSurvivesTheFile() fails until the
// settings table (or the list of what is not a setting) carries it.
#define TOKENGATE_FIELDS(Type, ...)                                                                \
    auto fields(const Type &o) {                                                                   \
        const auto &[__VA_ARGS__] = o;                                                             \
        return std::tie(__VA_ARGS__);                                                              \
    }                                                                                              \
    QStringList fieldNames(const Type &) {                                                         \
        return QStringLiteral(#__VA_ARGS__).split(QStringLiteral(", "));                           \
    }

TOKENGATE_FIELDS(HttpLimits, maxHeaderBytes, maxHeaderCount, maxBodyBytes, headerTimeoutMs,
                 idleTimeoutMs, bodyTimeoutMs, tunnelIdleTimeoutMs, maxConnections,
                 maxConnectionsPerPeer, minBodyRate, minSendRate)
TOKENGATE_FIELDS(ServerSettings, plainEnabled, address, port, tls, workers, limits, reusePort,
                 eventDispatcher)
TOKENGATE_FIELDS(TlsListen, enabled, address, port)
TOKENGATE_FIELDS(TlsFiles, certFile, keyFile, sniCertificates, clientAuth, clientCaFile)
TOKENGATE_FIELDS(UpstreamSettings, connectTimeoutMs, responseTimeoutMs, idleTimeoutMs,
                 maxIdlePerOrigin, maxIdleTotal, verifyTls, caFile, clientCertFile, clientKeyFile,
                 clientSide, forwarded, trustedProxies, refuseInternalPeers, internalPeersAllowed)
TOKENGATE_FIELDS(IntrospectionConfig, name, url, issuer, authMethod, clientId, clientSecret,
                 authorization, privateKeyFile, keyId, assertionAudience, tlsCaFile,
                 tlsClientCertFile, tlsClientKeyFile, clientSecretRef, authorizationRef, timeoutMs,
                 maxConnections, maxWaiting, validation, jwksUri, audiences, leewaySecs,
                 requireAtJwt, introspectOpaque, jwksRefreshSecs, jwksRefetchSecs, signedAnswers)
TOKENGATE_FIELDS(JwtConfig, headerName, algorithm, secret, secretRef, privateKeyFile, keyId,
                 allowPassthrough, lifetimeSecs, claims)
TOKENGATE_FIELDS(RedisSettings, url, password, passwordRef, database, keyPrefix, timeoutMs)
TOKENGATE_FIELDS(CacheSettings, enabled, ttlSecs, negativeTtlSecs, staleGraceSecs, maxEntries,
                 maxBytes, redis)
TOKENGATE_FIELDS(PathConfig, normalizePath, mergeSlashes, escapedSlashes, parameters,
                 caseInsensitive)
TOKENGATE_FIELDS(AdminConfig, enabled, address, port, token, tokenRef)
TOKENGATE_FIELDS(TokenSource, kind, name)
TOKENGATE_FIELDS(HeaderRulesConfig, set, add, remove)
TOKENGATE_FIELDS(CorsConfig, enabled, allowOrigins, allowMethods, allowHeaders, exposeHeaders,
                 allowCredentials, maxAgeSecs)
TOKENGATE_FIELDS(ClaimRule, claim, op, values)
TOKENGATE_FIELDS(RouteConfig, name, hosts, pathPrefix, pathPattern, methods, caseInsensitive,
                 upstreamUrl, destinationMode, destinationAllow, preserveHost, stripPrefix,
                 rewritePrefix, authenticate, introspection, tokenSources, requiredScopes,
                 audiences, issuers, claimRules, passThrough, stripCredential, websocket,
                 maxTunnels, websocketUntilExpiry, identityHeaders, clientCertificateHeaders,
                 clientCertificateRequired, cors, rateLimits, requestHeaders, responseHeaders)
TOKENGATE_FIELDS(Config, server, tls, upstreamUrl, upstream, auth, introspection, jwt, cache,
                 requiredScopes, allowMissingToken, destinationAllow, moreIntrospection, routes,
                 paths, requestIdHeader, admin, logFormat, configFile, logLevel, drainTimeoutMs,
                 accessLog, demo)

template<typename T>
concept HasFields = requires(const T &t) {
    fields(t);
};

template<typename T>
concept ListOfFields = requires {
    typename T::value_type;
}
&&HasFields<typename T::value_type> &&std::is_same_v<T, QList<typename T::value_type>>;

QString join(const QString &path, const QString &name) {
    return path.isEmpty() ? name : path + u'.' + name;
}

// The paths of the fields where `a` and `b` differ (or, with `same`, agree), down to the
// leaves. A list's items count as one: "routes[].name" agrees only if it does in every item.
template<typename T>
void compare(const T &a, const T &b, const QString &path, bool same, QSet<QString> &out);

template<typename T>
void compareList(const QList<T> &a, const QList<T> &b, const QString &path, bool same,
                 QSet<QString> &out) {
    if (same) { // every item against a default one
        if (a.isEmpty()) {
            out << path;
            return;
        }
        std::optional<QSet<QString>> common;
        for (const T &item : a) {
            QSet<QString> found;
            compare(item, T(), path + QStringLiteral("[]"), true, found);
            common = common ? common->intersect(found) : found;
        }
        out += *common;
    } else if (a.size() != b.size()) {
        out << path;
    } else {
        for (qsizetype i = 0; i < a.size(); ++i)
            compare(a[i], b[i], path + QStringLiteral("[%1]").arg(i), false, out);
    }
}

template<typename T>
void compare(const T &a, const T &b, const QString &path, bool same, QSet<QString> &out) {
    if constexpr (HasFields<T>) {
        const auto fa = fields(a);
        const auto fb = fields(b);
        const QStringList names = fieldNames(a);
        [&]<size_t... I>(std::index_sequence<I...>) {
            (compare(std::get<I>(fa), std::get<I>(fb), join(path, names[I]), same, out), ...);
        }
        (std::make_index_sequence<std::tuple_size_v<decltype(fa)>>());
    } else if constexpr (ListOfFields<T>) {
        compareList(a, b, path, same, out);
    } else if ((a == b) == same) {
        out << path;
    }
}

QStringList differences(const Config &a, const Config &b) {
    QSet<QString> out;
    compare(a, b, QString(), false, out);
    QStringList sorted(out.cbegin(), out.cend());
    sorted.sort();
    return sorted;
}

QStringList leftAtDefault(const Config &c) {
    QSet<QString> out;
    compare(c, Config(), QString(), true, out);
    QStringList sorted(out.cbegin(), out.cend());
    sorted.sort();
    return sorted;
}

// Fields that are not settings: the command line's mode and what the service derives.
void copyNonSettings(const Config &from, Config &to) {
    to.demo = from.demo; // --demo / TOKENGATE_DEMO only: a mode of the shells, not of a file
    to.upstream.refuseInternalPeers = from.upstream.refuseInternalPeers; // from the routes
    to.upstream.internalPeersAllowed = from.upstream.internalPeersAllowed;
    to.upstream.clientSide = from.upstream.clientSide; // what the files hold, loaded by the service
}

QProcessEnvironment secrets() {
    QProcessEnvironment env;
    for (const char *name : {"S1", "A1", "S2", "A2", "J1", "R1", "ADM1", "SAMPLE"})
        env.insert(QString::fromLatin1(name),
                   QStringLiteral("value-of-") + QLatin1StringView(name));
    return env;
}

IntrospectionConfig endpoint(const QString &name, const QString &n) {
    IntrospectionConfig e;
    e.name = name;
    e.url = QStringLiteral("http://idp%1.test/introspect").arg(n);
    e.issuer = QStringLiteral("http://idp%1.test").arg(n);
    e.authMethod = ClientAuthMethod::PrivateKeyJwt;
    e.clientId = QStringLiteral("gw") + n;
    e.clientSecret = QStringLiteral("value-of-S") + n;
    e.clientSecretRef = QStringLiteral("env:S") + n;
    e.authorization = QStringLiteral("value-of-A") + n;
    e.authorizationRef = QStringLiteral("env:A") + n;
    e.privateKeyFile = QStringLiteral("/keys/%1.pem").arg(n);
    e.keyId = QStringLiteral("kid") + n;
    e.assertionAudience = QStringLiteral("http://aud%1.test").arg(n);
    e.tlsCaFile = QStringLiteral("/etc/tokengate/idp%1-ca.pem").arg(n);
    e.tlsClientCertFile = QStringLiteral("/etc/tokengate/idp%1.crt").arg(n);
    e.tlsClientKeyFile = QStringLiteral("/etc/tokengate/idp%1.key").arg(n);
    e.timeoutMs = 1500;
    e.maxConnections = 2;
    e.maxWaiting = 3;
    e.validation = TokenValidation::Jwt;
    e.jwksUri = QStringLiteral("http://idp%1.test/jwks").arg(n);
    e.audiences = {QStringLiteral("api") + n, QStringLiteral("https://api%1.test").arg(n)};
    e.leewaySecs = 7;
    e.requireAtJwt = true;
    e.introspectOpaque = true;
    e.jwksRefreshSecs = 120;
    e.jwksRefetchSecs = 4;
    e.signedAnswers = true;
    return e;
}

Config everyFieldSet(const QString &file) {
    Config c;
    c.server.address = QHostAddress(QStringLiteral("127.0.0.2"));
    c.server.port = 8443;
    c.server.workers = 3;
    c.server.reusePort = false;
    c.server.eventDispatcher = EventDispatcher::Qt;
    c.server.plainEnabled = false;
    c.server.tls.enabled = true;
    c.server.tls.address = QHostAddress(QStringLiteral("127.0.0.4"));
    c.server.tls.port = 9443;
    c.tls.certFile = QStringLiteral("/etc/tokengate/tls/chain.pem");
    c.tls.keyFile = QStringLiteral("/etc/tokengate/tls/key.pem");
    c.tls.sniCertificates = {{QStringLiteral("/etc/tokengate/tls/api.pem"),
                              QStringLiteral("/etc/tokengate/tls/api.key")}};
    c.tls.clientAuth = ClientAuth::Required;
    c.tls.clientCaFile = QStringLiteral("/etc/tokengate/tls/clients.pem");
    HttpLimits &l = c.server.limits;
    l.maxHeaderBytes = 2048;
    l.maxHeaderCount = 50;
    l.maxBodyBytes = 1000;
    l.headerTimeoutMs = 2500;
    l.idleTimeoutMs = 1500;
    l.bodyTimeoutMs = 250;
    l.tunnelIdleTimeoutMs = 2'000;
    l.maxConnections = 100;
    l.maxConnectionsPerPeer = 10;
    l.minBodyRate = 0;
    l.minSendRate = 1000;
    c.upstreamUrl = QStringLiteral("http://upstream.test/base");
    UpstreamSettings &u = c.upstream;
    u.connectTimeoutMs = 1000;
    u.responseTimeoutMs = 2000;
    u.idleTimeoutMs = 3000;
    u.maxIdlePerOrigin = 1;
    u.maxIdleTotal = 2;
    u.verifyTls = false;
    u.caFile = QStringLiteral("/etc/tokengate/ca.pem");
    u.clientCertFile = QStringLiteral("/etc/tokengate/upstream-client.crt");
    u.clientKeyFile = QStringLiteral("/etc/tokengate/upstream-client.key");
    u.clientSide = std::make_shared<TlsClientSide>();
    u.forwarded = ForwardedMode::Append;
    u.trustedProxies = {QStringLiteral("10.0.0.0/8"), QStringLiteral("fd00::/8")};
    u.refuseInternalPeers = true;
    u.internalPeersAllowed = {QStringLiteral("metadata.test")};
    c.auth = AuthMode::None;
    c.introspection = endpoint(QStringLiteral("main"), QStringLiteral("1"));
    c.moreIntrospection = {endpoint(QStringLiteral("second"), QStringLiteral("2"))};
    JwtConfig &j = c.jwt;
    j.headerName = QStringLiteral("X-Jwt");
    j.algorithm = JwtAlgorithm::RS256;
    j.secret = QStringLiteral("value-of-J1");
    j.secretRef = QStringLiteral("env:J1");
    j.privateKeyFile = QStringLiteral("/keys/jwt.pem");
    j.keyId = QStringLiteral("jwt-1");
    j.allowPassthrough = true;
    j.lifetimeSecs = 60;
    j.claims = {{QStringLiteral("user"), QStringLiteral("sub")}};
    CacheSettings &cache = c.cache;
    cache.enabled = true;
    cache.ttlSecs = 30;
    cache.negativeTtlSecs = 1;
    cache.staleGraceSecs = 2;
    cache.maxEntries = 10;
    cache.maxBytes = 8192;
    cache.redis.url = QStringLiteral("redis://cache.test:6380/1");
    cache.redis.password = QStringLiteral("value-of-R1");
    cache.redis.passwordRef = QStringLiteral("env:R1");
    cache.redis.database = 2;
    cache.redis.keyPrefix = QStringLiteral("gw:");
    cache.redis.timeoutMs = 100;
    c.requiredScopes = {QStringLiteral("read"), QStringLiteral("write")};
    c.allowMissingToken = true;
    c.destinationAllow = QStringLiteral("*.a.test,b.test:443");
    RouteConfig fixed;
    fixed.name = QStringLiteral("fixed");
    fixed.hosts = {QStringLiteral("api.test")};
    fixed.pathPrefix = QStringLiteral("/a/");
    fixed.methods = {QStringLiteral("GET"), QStringLiteral("PUT")};
    fixed.caseInsensitive = true;
    fixed.upstreamUrl = QStringLiteral("http://a.test");
    fixed.preserveHost = true;
    fixed.stripPrefix = QStringLiteral("/a");
    fixed.rewritePrefix = QStringLiteral("/v1");
    fixed.authenticate = false;
    fixed.introspection = QStringLiteral("second");
    fixed.tokenSources = {{TokenSource::Kind::Query, QStringLiteral("tok")},
                          {TokenSource::Kind::Cookie, QStringLiteral("sid")}};
    fixed.requiredScopes = {QStringLiteral("a:read")};
    fixed.audiences = {QStringLiteral("https://api.test")};
    fixed.issuers = {QStringLiteral("http://idp1.test")};
    fixed.claimRules = {{QStringLiteral("tenant"),
                         ClaimRule::Op::OneOf,
                         {QStringLiteral("acme"), QStringLiteral("Big Corp")}}};
    fixed.passThrough = true;
    fixed.stripCredential = false;
    fixed.websocket = false;
    fixed.maxTunnels = 12;
    fixed.websocketUntilExpiry = true;
    fixed.identityHeaders = {{QStringLiteral("X-User"), QStringLiteral("sub")}};
    fixed.clientCertificateHeaders = {{QStringLiteral("X-Client"), QStringLiteral("subject")}};
    fixed.clientCertificateRequired = true;
    fixed.cors.enabled = true;
    fixed.cors.allowOrigins = {QStringLiteral("https://app.test"),
                               QStringLiteral("https://*.b.test")};
    fixed.cors.allowMethods = {QStringLiteral("GET"), QStringLiteral("PATCH")};
    fixed.cors.allowHeaders = {QStringLiteral("Content-Type"), QStringLiteral("X-Trace")};
    fixed.cors.exposeHeaders = {QStringLiteral("ETag")};
    fixed.cors.allowCredentials = true;
    fixed.cors.maxAgeSecs = 60;
    fixed.rateLimits = {QStringLiteral("10/s"), QStringLiteral("100/10s by address before auth")};
    fixed.requestHeaders.set = {{QStringLiteral("X-Tenant"), QStringLiteral("t-{tenant}")}};
    fixed.requestHeaders.add = {{QStringLiteral("X-Env"), QStringLiteral("prod")}};
    fixed.requestHeaders.remove = {QStringLiteral("X-Debug")};
    fixed.responseHeaders.set = {{QStringLiteral("Cache-Control"), QStringLiteral("no-store")}};
    fixed.responseHeaders.add = {{QStringLiteral("X-Frame-Options"), QStringLiteral("DENY")}};
    fixed.responseHeaders.remove = {QStringLiteral("Server")};
    RouteConfig chosen = fixed; // the other half of what one route cannot hold at once
    chosen.name = QStringLiteral("chosen");
    chosen.pathPrefix.clear();
    chosen.pathPattern = QStringLiteral("/b/*/items/**");
    chosen.upstreamUrl.clear();
    chosen.destinationMode = true;
    chosen.destinationAllow = QStringLiteral("*.svc.test");
    chosen.claimRules = {
        {QStringLiteral("env"), ClaimRule::Op::Contains, {QStringLiteral("prod")}}};
    c.routes = {fixed, chosen};
    PathConfig &p = c.paths;
    p.normalizePath = false;
    p.mergeSlashes = false;
    p.escapedSlashes = PathConfig::EscapedSlashes::Keep;
    p.parameters = PathConfig::Parameters::Reject;
    p.caseInsensitive = true;
    c.requestIdHeader = QStringLiteral("X-Req");
    c.admin.enabled = false;
    c.admin.address = QHostAddress(QStringLiteral("127.0.0.3"));
    c.admin.port = 9191;
    c.admin.token = QStringLiteral("value-of-ADM1");
    c.admin.tokenRef = QStringLiteral("env:ADM1");
    c.logFormat = QStringLiteral("json");
    c.configFile = file;
    c.logLevel = QStringLiteral("debug");
    c.drainTimeoutMs = 3000;
    c.accessLog = QStringLiteral("/var/log/tokengate/access.log");
    c.demo = true;
    return c;
}

// A value of the setting other than its default, as the config file writes it.
template<typename Owner> QString sampleValue(const Setting<Owner> &s, const Owner &defaults) {
    const QString now = settingText(s, defaults);
    const auto other = [&](const QStringList &candidates) {
        for (const QString &c : candidates) {
            if (c != now)
                return c;
        }
        return QString();
    };
    const auto number = [&](qint64 value) {
        return s.kind == SettingKind::Seconds ? secondsText(value) : QString::number(value);
    };
    switch (s.kind) {
    case SettingKind::Bool:
        return other({QStringLiteral("true"), QStringLiteral("false")});
    case SettingKind::Integer:
    case SettingKind::Seconds:
        return other({number(s.min), number(s.max)});
    case SettingKind::Choice: {
        const auto *e = std::get_if<EnumRef<Owner>>(&s.field);
        return other(e ? e->names() : s.choices);
    }
    case SettingKind::Text:
        return QStringLiteral("sample text");
    case SettingKind::Url:
        return QStringLiteral("http://sample.test/x");
    case SettingKind::UrlPath:
        return QStringLiteral("/sample");
    case SettingKind::Path:
        return QStringLiteral("/sample/file.pem");
    case SettingKind::HeaderName:
        return QStringLiteral("X-Sample");
    case SettingKind::List:
        return QStringLiteral("[\"a\", \"b:c\"]");
    case SettingKind::Methods:
        return QStringLiteral("[GET, PUT]");
    case SettingKind::Patterns:
        return QStringLiteral("[\"*.sample.test\", \"b.test:443\"]");
    case SettingKind::TokenSources:
        return QStringLiteral("[\"cookie:c\", \"query\"]");
    case SettingKind::Listen:
        return QStringLiteral("127.0.0.9:1234");
    case SettingKind::Secret:
        return QStringLiteral("env:SAMPLE");
    case SettingKind::Map:
        return QStringLiteral("{a: b}");
    case SettingKind::HeaderMap:
        return QStringLiteral("{X-Sample: sub}");
    case SettingKind::ClaimRules:
        return QStringLiteral("[{claim: a, one_of: [b, \"c d\"]}]");
    case SettingKind::Endpoints:
        return QStringLiteral(
            "[{url: \"http://i.test/\"}, {name: two, issuer: \"http://j.test\"}]");
    case SettingKind::Routes:
        return QStringLiteral("[{path_prefix: /a}]");
    }
    return {};
}

bool isStructured(SettingKind k) {
    return k == SettingKind::List || k == SettingKind::Methods || k == SettingKind::Patterns ||
           k == SettingKind::TokenSources || k == SettingKind::Map || k == SettingKind::HeaderMap ||
           k == SettingKind::ClaimRules || k == SettingKind::Endpoints || k == SettingKind::Routes;
}

// {a: {b: value}} for "a.b".
QString nested(const QString &key, const QString &value) {
    QString yaml = value;
    QStringList parts = key.split(u'.');
    std::reverse(parts.begin(), parts.end());
    for (const QString &part : parts)
        yaml = QStringLiteral("{%1: %2}").arg(part, yaml);
    return yaml;
}

QString scalar(SettingKind kind, const QString &value) {
    return isStructured(kind) ? value : u'"' + value + u'"';
}

QStringList load(const QByteArray &yaml, const QString &file, Config &c) {
    return applyConfigText(yaml, file, c, daemonSecretResolver(secrets()));
}

QStringList latin1(std::initializer_list<const char *> items) {
    QStringList out;
    for (const char *item : items)
        out << QString::fromLatin1(item);
    return out;
}

const Setting<Config> *settingOfOption(const QString &option) {
    for (const Setting<Config> &s : configSettings()) {
        if (s.option == option)
            return &s;
    }
    return nullptr;
}

} // namespace

class TestSettingsTable : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString file() const { return m_dir.filePath(QStringLiteral("tokengate.yml")); }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    // load(dump(c)) == c for a Config with every field away from its default.
    void everyFieldSurvivesTheFile() {
        const Config c = everyFieldSet(file());
        QVERIFY2(leftAtDefault(c).isEmpty(),
                 qPrintable(leftAtDefault(c).join(u' '))); // the test itself leaves nothing out
        const QString dump = describeConfig(c);
        Config back;
        const QStringList problems = load(dump.toUtf8(), file(), back);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n') + u'\n' + dump));
        copyNonSettings(c, back);
        QVERIFY2(differences(back, c).isEmpty(), qPrintable(differences(back, c).join(u' ')));
        QVERIFY(back == c);
        QCOMPARE(describeConfig(back), dump); // and it writes the same file again
    }

    // Only what differs from the defaults, as the importer writes, loads back the same.
    void changesSurviveTheFile() {
        const Config c = everyFieldSet(file());
        Config back;
        const QString dump = describeConfig(c, ConfigDump::Changes);
        const QStringList problems = load(dump.toUtf8(), file(), back);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n') + u'\n' + dump));
        copyNonSettings(c, back);
        QVERIFY2(differences(back, c).isEmpty(), qPrintable(differences(back, c).join(u' ')));
        Config defaults;
        defaults.configFile = file();
        QCOMPARE(describeConfig(defaults, ConfigDump::Changes), QStringLiteral("{}\n"));
    }

    // Each row alone: its key in a file sets a field, and --check-config's output of that
    // loads back to the same Config.
    void eachSettingSurvivesTheFile_data() {
        QTest::addColumn<QByteArray>("with");
        QTest::addColumn<QByteArray>("without");
        for (const Setting<Config> &s : configSettings()) {
            if (s.key.isEmpty() || s.flags.testFlag(SettingFlag::FirstItem))
                continue;
            QTest::newRow(qPrintable(s.key))
                << nested(s.key, scalar(s.kind, sampleValue(s, Config()))).toUtf8()
                << QByteArray("{}");
        }
        for (const Setting<IntrospectionConfig> &s : endpointSettings()) {
            QTest::addRow("introspection[0].%s", qPrintable(s.key))
                << QStringLiteral("{introspection: [%1]}")
                       .arg(nested(s.key, scalar(s.kind, sampleValue(s, IntrospectionConfig()))))
                       .toUtf8()
                << QByteArray("{introspection: [{}]}");
        }
        // A second endpoint for the route row naming one; rewrite_prefix needs strip_prefix.
        const QString endpoints =
            QStringLiteral("introspection: [{}, {name: \"sample text\", url: \"http://i.test/\"}]");
        for (const Setting<RouteConfig> &s : routeSettings()) {
            // The row without the setting keeps strip_prefix, with no separator after it.
            const bool self = s.key == u"strip_prefix";
            const QString base = self ? QString() : QStringLiteral("strip_prefix: /b, ");
            const QString bare = self ? QString() : QStringLiteral("strip_prefix: /b");
            const QString given = nested(s.key, scalar(s.kind, sampleValue(s, RouteConfig())));
            QTest::addRow("routes[0].%s", qPrintable(s.key))
                << QStringLiteral("{%1, routes: [{%2%3}]}")
                       .arg(endpoints, base, given.mid(1).chopped(1)) // {key: value} unbraced
                       .toUtf8()
                << QStringLiteral("{%1, routes: [{%2}]}").arg(endpoints, bare).toUtf8();
        }
    }
    void eachSettingSurvivesTheFile() {
        QFETCH(QByteArray, with);
        QFETCH(QByteArray, without);
        Config set;
        QStringList problems = load(with, file(), set);
        QVERIFY2(problems.isEmpty(),
                 qPrintable(problems.join(u'\n') + u'\n' + QString::fromUtf8(with)));
        Config unset;
        problems = load(without, file(), unset);
        QVERIFY2(problems.isEmpty(),
                 qPrintable(problems.join(u'\n') + u'\n' + QString::fromUtf8(without)));
        QVERIFY2(!differences(set, unset).isEmpty(), with.constData()); // the key sets something
        const QString dump = describeConfig(set);
        Config back;
        problems = load(dump.toUtf8(), file(), back);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n') + u'\n' + dump));
        QVERIFY2(differences(back, set).isEmpty(), qPrintable(differences(back, set).join(u' ')));
    }

    // Every key of the shipped example is a row (the reader knows only rows), and every row
    // of the file is shown there, as a key or as a commented-out one.
    void exampleDocumentsEveryKey() {
        const QString path =
            QStringLiteral(TOKENGATE_SOURCE_DIR "/resources/tokengate.example.yml");
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString example = QString::fromUtf8(f.readAll());
        QProcessEnvironment env;
        for (const char *name : {"TOKENGATE_EXAMPLE_SECRET", "TOKENGATE_EXAMPLE_PARTNERS_SECRET",
                                 "TOKENGATE_EXAMPLE_JWT_SECRET"})
            env.insert(QString::fromLatin1(name), QStringLiteral("x"));
        Config c;
        const QStringList problems =
            applyConfigText(example.toUtf8(), path, c, daemonSecretResolver(env));
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        QStringList keys;
        for (const Setting<Config> &s : configSettings())
            keys << s.key;
        for (const Setting<IntrospectionConfig> &s : endpointSettings())
            keys << s.key;
        for (const Setting<RouteConfig> &s : routeSettings())
            keys << s.key;
        for (const QString &key : std::as_const(keys)) {
            if (key.isEmpty())
                continue;
            const QRegularExpression shown(
                QStringLiteral("^[ #-]*%1:").arg(QRegularExpression::escape(key.section(u'.', -1))),
                QRegularExpression::MultilineOption);
            QVERIFY2(shown.match(example).hasMatch(), qPrintable(key));
        }
    }

    // Every option, by its TOKENGATE_* name, its microgateway names and on the command line,
    // takes a value and changes the Config.
    void everyOptionParses_data() {
        QTest::addColumn<QString>("option");
        QTest::addColumn<QString>("variable"); // empty: the command line
        for (const ConfigOption &o : configOptions()) {
            QTest::addRow("--%s", qPrintable(o.name)) << o.name << QString();
            for (const QString &name : QStringList{o.env} + o.compatEnv)
                QTest::addRow("%s", qPrintable(name)) << o.name << name;
        }
    }
    void everyOptionParses() {
        QFETCH(QString, option);
        QFETCH(QString, variable);
        const Setting<Config> *s = settingOfOption(option);
        QVERIFY(s);
        QString value = sampleValue(*s, Config());
        if (isStructured(s->kind)) // a list is one value here: "a b:c"
            value = value.mid(1).chopped(1).remove(u'"').replace(u',', u' ');
        if (s->isSecret())
            value = QStringLiteral("se cret");
        const ConfigOption *o = nullptr;
        for (const ConfigOption &candidate : configOptions()) {
            if (candidate.name == option)
                o = &candidate;
        }
        Config c;
        if (variable.isEmpty()) {
            QString argument = value;
            if (s->isSecret()) { // --<name>-file
                argument = m_dir.filePath(option);
                QFile f(argument);
                QVERIFY(f.open(QIODevice::WriteOnly));
                f.write(value.toUtf8() + '\n');
            }
            if (s->flags.testFlag(SettingFlag::Switch)) // given means on
                value = argument = QString();
            QCOMPARE(applyCommandLine(*o, c, argument), QString());
        } else {
            QProcessEnvironment env;
            env.insert(variable,
                       s->flags.testFlag(SettingFlag::Switch) ? QStringLiteral("yes") : value);
            QCOMPARE(applyEnvironment(c, env), QStringList());
        }
        QVERIFY2(!differences(c, Config()).isEmpty(), qPrintable(value));
    }

    // The names tokengated and introspection-microgateway had before the table keep working.
    void earlierNamesKeepWorking() {
        const QStringList options = latin1({"listen",
                                            "upstream",
                                            "auth",
                                            "introspection-url",
                                            "client-id",
                                            "client-secret-file",
                                            "introspection-authorization-file",
                                            "introspection-timeout",
                                            "introspection-max-connections",
                                            "introspection-max-waiting",
                                            "cache-ttl",
                                            "cache-negative-ttl",
                                            "cache-stale-grace",
                                            "cache-max-entries",
                                            "cache-max-bytes",
                                            "redis-url",
                                            "redis-password-file",
                                            "redis-key-prefix",
                                            "redis-timeout",
                                            "required-scopes",
                                            "allow-missing-token",
                                            "jwt-header",
                                            "jwt-secret-file",
                                            "allow-jwt-passthrough",
                                            "destination-allow",
                                            "tls-verify",
                                            "log-level",
                                            "workers",
                                            "single-acceptor",
                                            "max-connections",
                                            "max-connections-per-peer",
                                            "min-body-rate",
                                            "min-send-rate",
                                            "max-header-bytes",
                                            "max-headers",
                                            "max-body-bytes",
                                            "header-timeout",
                                            "idle-timeout",
                                            "body-timeout",
                                            "upstream-connect-timeout",
                                            "upstream-timeout",
                                            "upstream-idle-timeout",
                                            "upstream-max-idle",
                                            "upstream-max-idle-total",
                                            "upstream-ca-file",
                                            "forwarded",
                                            "drain-timeout",
                                            "access-log",
                                            "admin-listen",
                                            "log-format",
                                            "demo"});
        const QStringList switches =
            latin1({"allow-missing-token", "allow-jwt-passthrough", "single-acceptor", "demo"});
        QHash<QString, const ConfigOption *> byCommandLine;
        QStringList variables;
        for (const ConfigOption &o : configOptions()) {
            byCommandLine.insert(commandLineName(o), &o);
            variables << o.env << o.compatEnv;
            QCOMPARE(o.valueName.isEmpty(), switches.contains(o.name));
        }
        for (const QString &option : options) {
            const ConfigOption *o = byCommandLine.value(option);
            QVERIFY2(o, qPrintable(option));
            QCOMPARE(o->env, QStringLiteral("TOKENGATE_") + o->name.toUpper().replace(u'-', u'_'));
        }
        for (const char *legacy : {"SSO_INTROSPECTION", "SSO_CLIENT_ID", "SSO_CLIENT_SECRET",
                                   "JWT_HEADER_NAME", "JWT_SECRET", "ALLOW_JWT_PASSTHROUGH",
                                   "ALLOW_MISSING_AUTH_HEADER", "SSL_SECURE", "LOG_LEVEL"})
            QVERIFY2(variables.contains(QString::fromLatin1(legacy)), legacy);
    }

    // One boolean spelling everywhere: the file, the environment and the switches agree.
    void booleansAgree_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("value");
        for (const char *on : {"true", "True", "yes", "on", "1", " TRUE "})
            QTest::newRow(on) << QString::fromLatin1(on) << true;
        for (const char *off : {"false", "no", "Off", "0"})
            QTest::newRow(off) << QString::fromLatin1(off) << false;
    }
    void booleansAgree() {
        QFETCH(QString, text);
        QFETCH(bool, value);
        Config file;
        const QStringList problems =
            load(QStringLiteral("{upstream: {tls: {verify: \"%1\"}}, allow_missing_token: \"%1\"}")
                     .arg(text)
                     .toUtf8(),
                 this->file(), file);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        QProcessEnvironment env;
        env.insert(QStringLiteral("SSL_SECURE"), text);
        env.insert(QStringLiteral("TOKENGATE_ALLOW_MISSING_TOKEN"), text);
        Config fromEnv;
        QCOMPARE(applyEnvironment(fromEnv, env), QStringList());
        for (const Config *c : {&file, &fromEnv}) {
            QCOMPARE(c->upstream.verifyTls, value);
            QCOMPARE(c->allowMissingToken, value);
        }
    }

    // A key that turns its section on (cache.ttl, admin.listen) does not override what the
    // section's own `enabled` says, in whichever order the file gives them; "off" turns off.
    void enabledHoldsInAnyOrder_data() {
        QTest::addColumn<QByteArray>("yaml");
        QTest::addColumn<bool>("cache");
        QTest::addColumn<bool>("admin");
        QTest::newRow("enabled first")
            << QByteArray("{cache: {enabled: false, ttl: 30}, admin: {enabled: false, "
                          "listen: \"127.0.0.1:9\"}}")
            << false << false;
        QTest::newRow("enabled last")
            << QByteArray("{cache: {ttl: 30, enabled: false}, admin: {listen: \"127.0.0.1:9\", "
                          "enabled: false}}")
            << false << false;
        QTest::newRow("section alone")
            << QByteArray("{cache: {ttl: 30}, admin: {}}") << true << true;
        QTest::newRow("off") << QByteArray("{cache: {ttl: off}, admin: {listen: off}}") << false
                             << false;
    }
    void enabledHoldsInAnyOrder() {
        QFETCH(QByteArray, yaml);
        QFETCH(bool, cache);
        QFETCH(bool, admin);
        Config c;
        const QStringList problems = load(yaml, file(), c);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        QCOMPARE(c.cache.enabled, cache);
        QCOMPARE(c.admin.enabled, admin);
    }

    // The environment wins over the file also when it turns a switch off.
    void environmentTurnsOffWhatTheFileTurnedOn() {
        Config c;
        QVERIFY(load("{allow_missing_token: true, cache: {ttl: 30}}", file(), c).isEmpty());
        QProcessEnvironment env;
        env.insert(QStringLiteral("ALLOW_MISSING_AUTH_HEADER"), QStringLiteral("false"));
        env.insert(QStringLiteral("TOKENGATE_CACHE_TTL"), QStringLiteral("off"));
        QCOMPARE(applyEnvironment(c, env), QStringList());
        QCOMPARE(c.allowMissingToken, false);
        QCOMPARE(c.cache.enabled, false);
        QCOMPARE(c.cache.ttlSecs, 30);
    }
};

QTEST_GUILESS_MAIN(TestSettingsTable)
#include "tst_settingstable.moc"
