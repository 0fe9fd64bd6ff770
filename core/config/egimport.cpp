// SPDX-License-Identifier: Apache-2.0
#include "core/config/egimport.h"

#include "core/config/configdump.h"
#include "core/config/configfile.h"
#include "core/config/egcors.h"
#include "core/config/egheaders.h"
#include "core/config/egratelimit.h"
#include "core/config/egrewrite.h"
#include "core/config/egyaml.h"
#include "core/config/settingvalue.h"
#include "core/server/tlscredentials.h"

#include <QFileInfo>
#include <QHash>
#include <QRegularExpression>

#include <yaml-cpp/yaml.h>

#include <optional>

namespace Tokengate {

namespace {

using namespace EgYaml;

// Express Gateway substitutes ${NAME} and ${NAME:-default} from the environment.
std::optional<QString> environmentName(const QString &value) {
    static const QRegularExpression whole(
        QStringLiteral("^\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\\}$"));
    const auto m = whole.match(value);
    if (!m.hasMatch())
        return std::nullopt;
    return m.captured(1);
}

bool usesEnvironment(const QString &value) {
    return value.contains(QStringLiteral("${"));
}

// One Express route path as a tokengate match (Express 4 route syntax, as Express Gateway's
// documentation uses it: "/admin" exact, "/admin/*" everything below, ":id" one segment).
struct PathRule {
    bool any = false;
    QString prefix;
    QString pattern;
    QString strip; // what stripPath removes
    bool canStrip = true;
};

std::optional<PathRule> convertPath(const QString &path, QString *why) {
    const QString p = path.trimmed();
    PathRule r;
    if (p.isEmpty() || p == u"*" || p == u"/*" || p == u"/**") {
        r.any = true;
        return r;
    }
    static const QRegularExpression regexSyntax(QStringLiteral("[()?+\\[\\]\\\\]"));
    if (regexSyntax.match(p).hasMatch() || !p.startsWith(u'/')) {
        *why =
            QStringLiteral("\"%1\" uses Express path syntax with no tokengate equivalent").arg(p);
        return std::nullopt;
    }
    QStringList segments = p.split(u'/');
    const bool trailingStar = segments.last() == u"*" || segments.last() == u"**";
    if (trailingStar)
        segments.removeLast();
    const bool wild = std::any_of(segments.cbegin(), segments.cend(), [](const QString &seg) {
        return seg.startsWith(u':') || seg.contains(u'*');
    });
    const QString base = segments.join(u'/');
    if (!wild && trailingStar) {
        r.prefix = base + u'/';
        r.strip = base;
    } else if (!wild) {
        r.pattern = p;
        r.strip = p;
    } else {
        for (QString &seg : segments) {
            if (seg.startsWith(u':'))
                seg = QStringLiteral("*");
            else if (seg == u"*")
                seg = QStringLiteral("**"); // Express's * crosses segments
        }
        r.pattern = segments.join(u'/') + (trailingStar ? QStringLiteral("/**") : QString());
        r.canStrip = false;
    }
    return r;
}

struct Introspection {
    QString name;
    QString url;
    QString authorizationRef; // env:NAME; empty: none sent
};

struct Pipeline {
    int introspection = -1; // index into the endpoints
    bool passThrough = false;
    bool proxies = false;
    QString upstream;
    bool preserveHost = false;
    bool stripPath = false;
    std::optional<CorsConfig> cors;
    HeaderRulesConfig requestHeaders;
    HeaderRulesConfig responseHeaders;
    QStringList rateLimits;
    std::optional<EgPrefixRewrite> rewrite;
};

class Importer {
public:
    EgImport result;

    void run(const YAML::Node &root);

private:
    void readHttp(const YAML::Node &n);
    void readServiceEndpoints(const YAML::Node &n);
    void readPipelines(const YAML::Node &n);
    Pipeline readPipeline(const QString &name, const YAML::Node &n);
    void readIntrospect(const QString &where, const YAML::Node &action, const QString &pipeline,
                        Pipeline &p);
    void readProxy(const QString &where, const YAML::Node &action, Pipeline &p);
    void readApiEndpoints(const YAML::Node &n);
    void readHttps(const YAML::Node &n);
    void write();

    // A switch of the action at `where`; anything but a boolean is an error, never false.
    bool flag(const YAML::Node &action, const QString &where, const char *key, bool fallback) {
        const YAML::Node n = child(action, key);
        if (!n.IsDefined() || n.IsNull())
            return fallback;
        const std::optional<bool> value = parseBool(str(n));
        if (!value) {
            result.errors << QStringLiteral("%1.%2: expected true or false, got \"%3\"")
                                 .arg(where, QLatin1StringView(key), str(n));
            return fallback;
        }
        return *value;
    }
    void skip(const QString &where, const QString &why) {
        result.notConverted << where + u": " + why;
    }
    void unknownKeys(const YAML::Node &map, const QString &where, const QStringList &known) {
        if (!map.IsMap())
            return;
        for (const auto &kv : map) {
            const QString key = str(kv.first);
            if (!known.contains(key))
                skip(where + u'.' + key, QStringLiteral("not converted"));
        }
    }

    QString m_listen;
    bool m_sawHttp = false;
    QString m_tlsListen;
    TlsFiles m_tls;
    QHash<QString, QString> m_services; // serviceEndpoint name -> URL
    QHash<QString, Pipeline> m_pipelines;
    QHash<QString, QString> m_pipelineOf; // apiEndpoint -> pipeline (the last one, as EG does)
    QList<Introspection> m_endpoints;
    QStringList m_endpointKeys; // endpoint URL + authorization_value, one entry per endpoint
    std::optional<int> m_ttl;

    struct Route {
        QString name;
        QString host;
        PathRule path;
        QStringList methods;
        QStringList scopes;
        QString pipeline;
    };
    QList<Route> m_routes;
};

void Importer::run(const YAML::Node &root) {
    if (!root.IsMap()) {
        result.errors << QStringLiteral("not an Express Gateway gateway.config.yml (expected a "
                                        "mapping with apiEndpoints and pipelines)");
        return;
    }
    // serviceEndpoints before pipelines, pipelines before apiEndpoints: each refers back.
    readServiceEndpoints(child(root, "serviceEndpoints"));
    readPipelines(child(root, "pipelines"));
    readApiEndpoints(child(root, "apiEndpoints"));
    for (const auto &kv : root) {
        const QString key = str(kv.first);
        if (key == u"http")
            readHttp(kv.second);
        else if (key == u"https")
            readHttps(kv.second);
        else if (key == u"admin")
            skip(key, QStringLiteral("Express Gateway's admin API has no equivalent (tokengate's "
                                     "admin listener serves health, metrics and JWKS)"));
        else if (key != u"apiEndpoints" && key != u"serviceEndpoints" && key != u"pipelines" &&
                 key != u"policies") // `policies` only declares which policies exist
            skip(key, QStringLiteral("not converted"));
    }
    if (result.errors.isEmpty())
        write();
}

void Importer::readHttp(const YAML::Node &n) {
    m_sawHttp = true;
    const QString port = str(child(n, "port"));
    if (!port.isEmpty()) {
        const QString host = str(child(n, "hostname"));
        m_listen = (host.isEmpty() ? QStringLiteral("*") : host) + u':' + port;
    }
    unknownKeys(n, QStringLiteral("http"), {QStringLiteral("port"), QStringLiteral("hostname")});
}

// https: {port, hostname, tls: {hostname or "default": {key, cert}}}. Express Gateway picks a
// certificate by the tls map's keys; tokengate by the names each certificate carries, which
// for a working Express Gateway setup are the same.
void Importer::readHttps(const YAML::Node &n) {
    const QString port = str(child(n, "port"));
    if (port.isEmpty()) {
        skip(QStringLiteral("https"), QStringLiteral("no port: no HTTPS listener"));
        return;
    }
    const QString host = str(child(n, "hostname"));
    m_tlsListen = (host.isEmpty() ? QStringLiteral("*") : host) + u':' + port;
    const YAML::Node tls = child(n, "tls");
    for (const auto &kv : tls) {
        const QString name = str(kv.first);
        const QString where = QStringLiteral("https.tls.\"%1\"").arg(name);
        const QString cert = str(child(kv.second, "cert"));
        const QString key = str(child(kv.second, "key"));
        unknownKeys(kv.second, where, {QStringLiteral("cert"), QStringLiteral("key")});
        if (cert.isEmpty() || key.isEmpty()) {
            skip(where, QStringLiteral("needs both cert and key"));
            continue;
        }
        if (name == u"default" || m_tls.certFile.isEmpty()) {
            if (!m_tls.certFile.isEmpty())
                m_tls.sniCertificates.insert(m_tls.certFile, m_tls.keyFile);
            m_tls.certFile = cert;
            m_tls.keyFile = key;
        } else if (QFileInfo(cert).isRelative() || QFileInfo(key).isRelative()) {
            skip(where, QStringLiteral("relative paths: add it to tls.sni_certificates with "
                                       "full paths"));
        } else {
            m_tls.sniCertificates.insert(cert, key);
        }
    }
    if (m_tls.certFile.isEmpty()) {
        skip(QStringLiteral("https"), QStringLiteral("no certificate in tls: no HTTPS listener"));
        m_tlsListen.clear();
    }
    unknownKeys(n, QStringLiteral("https"),
                {QStringLiteral("port"), QStringLiteral("hostname"), QStringLiteral("tls")});
}

void Importer::readServiceEndpoints(const YAML::Node &n) {
    if (!n.IsMap())
        return;
    for (const auto &kv : n) {
        const QString name = str(kv.first);
        const QString where = QStringLiteral("serviceEndpoints.") + name;
        QStringList urls = strings(child(kv.second, "url"));
        if (urls.isEmpty())
            urls = strings(child(kv.second, "urls"));
        if (urls.isEmpty()) {
            skip(where, QStringLiteral("no url"));
            continue;
        }
        if (urls.size() > 1)
            skip(where + QStringLiteral(".urls"),
                 QStringLiteral("only the first of %1 URLs is used (no load balancing)")
                     .arg(urls.size()));
        if (usesEnvironment(urls.first())) {
            result.errors << where + QStringLiteral(": \"%1\" is substituted from the environment; "
                                                    "write the URL itself")
                                         .arg(urls.first());
            continue;
        }
        m_services.insert(name, urls.first());
        unknownKeys(kv.second, where, {QStringLiteral("url"), QStringLiteral("urls")});
    }
}

void Importer::readPipelines(const YAML::Node &n) {
    if (!n.IsMap()) {
        result.errors << QStringLiteral("pipelines: none found");
        return;
    }
    for (const auto &kv : n) {
        const QString name = str(kv.first);
        m_pipelines.insert(name, readPipeline(name, kv.second));
        YAML::Node endpoints = child(kv.second, "apiEndpoints");
        if (!endpoints.IsDefined())
            endpoints.reset(child(kv.second, "apiEndpoint"));
        for (const QString &api : strings(endpoints))
            m_pipelineOf.insert(api, name);
    }
}

Pipeline Importer::readPipeline(const QString &name, const YAML::Node &n) {
    Pipeline p;
    const QString where = QStringLiteral("pipelines.") + name;
    unknownKeys(n, where,
                {QStringLiteral("apiEndpoints"), QStringLiteral("apiEndpoint"),
                 QStringLiteral("policies"), QStringLiteral("policy")});
    YAML::Node policies = child(n, "policies");
    if (!policies.IsDefined())
        policies.reset(child(n, "policy"));
    if (policies.IsMap()) {                        // a single policy
        YAML::Node list(YAML::NodeType::Sequence); // reset(), not =: = writes into the tree
        list.push_back(policies);
        policies.reset(list);
    }
    for (size_t i = 0; policies.IsSequence() && i < policies.size(); ++i) {
        const YAML::Node entry = policies[i];
        const QString policy =
            entry.IsMap() ? str(entry.begin()->first) : str(entry); // "- proxy" without steps
        const QString pwhere = where + QStringLiteral(".policies[%1].%2").arg(i).arg(policy);
        YAML::Node steps = entry.IsMap() ? entry.begin()->second : YAML::Node();
        if (steps.IsMap()) {
            YAML::Node list(YAML::NodeType::Sequence);
            list.push_back(steps);
            steps.reset(list);
        }
        const bool headerPolicy = policy == u"headers" || policy == u"request-transformer" ||
                                  policy == u"response-transformer";
        const bool known = policy == u"oauth2-introspect" || policy == u"proxy" ||
                           policy == u"cors" || policy == u"rate-limit" || policy == u"rewrite" ||
                           headerPolicy;
        if (!known) {
            skip(pwhere, QStringLiteral("policy not converted"));
            continue;
        }
        if (p.proxies) {
            skip(pwhere, QStringLiteral("after proxy, never reached"));
            continue;
        }
        YAML::Node action;
        YAML::Node condition;
        for (size_t k = 0; steps.IsSequence() && k < steps.size(); ++k) {
            const QString swhere = pwhere + QStringLiteral("[%1]").arg(k);
            if (k == 0)
                condition.reset(child(steps[k], "condition"));
            if (child(steps[k], "condition").IsDefined() && policy != u"rewrite") {
                skip(swhere + QStringLiteral(".condition"),
                     QStringLiteral("conditions are not converted; the action is used for every "
                                    "request"));
            }
            if (k == 0)
                action.reset(child(steps[k], "action"));
            else
                skip(swhere, QStringLiteral("only the first action of a policy is converted"));
        }
        const QString awhere = pwhere + QStringLiteral(".action");
        if (policy == u"proxy")
            readProxy(awhere, action, p);
        else if (policy == u"cors")
            p.cors = convertEgCors(action, awhere, result.notConverted, result.errors);
        else if (policy == u"rewrite")
            p.rewrite = convertEgRewrite(condition, action, pwhere + QStringLiteral("[0]"),
                                         result.notConverted);
        else if (policy == u"rate-limit") {
            if (const auto limit = convertEgRateLimit(action, awhere, p.introspection < 0,
                                                      result.notConverted, result.errors))
                p.rateLimits << *limit;
        } else if (headerPolicy)
            convertEgHeaders(policy, action, awhere, p.requestHeaders, p.responseHeaders,
                             result.notConverted);
        else
            readIntrospect(awhere, action, name, p);
    }
    if (!p.proxies)
        skip(where, QStringLiteral("no proxy policy: its apiEndpoints are not converted"));
    return p;
}

void Importer::readIntrospect(const QString &where, const YAML::Node &action,
                              const QString &pipeline, Pipeline &p) {
    unknownKeys(action, where,
                {QStringLiteral("endpoint"), QStringLiteral("authorization_value"),
                 QStringLiteral("ttl"), QStringLiteral("passThrough")});
    const QString url = str(child(action, "endpoint"));
    if (url.isEmpty() || usesEnvironment(url)) {
        result.errors << where + QStringLiteral(".endpoint: %1")
                                     .arg(url.isEmpty()
                                              ? QStringLiteral("missing")
                                              : QStringLiteral("\"%1\" is substituted from "
                                                               "the environment; write the "
                                                               "URL itself")
                                                    .arg(url));
        return;
    }
    const QString authorization = str(child(action, "authorization_value"));
    const QString key = url + u'\n' + authorization;
    qsizetype index = m_endpointKeys.indexOf(key);
    if (index < 0) {
        const QString name = m_endpoints.isEmpty() ? QStringLiteral("default") : pipeline;
        QString ref;
        if (const auto env = environmentName(authorization)) {
            ref = QStringLiteral("env:") + *env;
        } else if (!authorization.isEmpty()) {
            // The secret never goes into the output; the operator puts it in this variable.
            static const QRegularExpression notName(QStringLiteral("[^A-Z0-9]"));
            QString var = QStringLiteral("TOKENGATE_AUTHORIZATION");
            if (!m_endpoints.isEmpty())
                var += u'_' + name.toUpper().replace(notName, QStringLiteral("_"));
            ref = QStringLiteral("env:") + var;
            skip(where + QStringLiteral(".authorization_value"),
                 QStringLiteral("secrets are not written into the config: set %1 to this value")
                     .arg(var));
        }
        m_endpoints << Introspection{name, url, ref};
        m_endpointKeys << key;
        index = m_endpoints.size() - 1;
    }
    p.introspection = int(index);
    p.passThrough = flag(action, where, "passThrough", false);
    const YAML::Node ttlNode = child(action, "ttl");
    bool ok = true;
    const int ttl = ttlNode.IsDefined() ? str(ttlNode).toInt(&ok) : 60;
    if (!ok || ttl < 0) {
        // 0 would mean "until exp": never read a typo as that.
        result.errors
            << where + QStringLiteral(".ttl: expected whole seconds, got \"%1\"").arg(str(ttlNode));
        return;
    }
    // One cache for all: the shortest TTL wins; 0 is the longest (only exp bounds it).
    const auto shorter = [](int a, int b) { return b == 0 || (a != 0 && a < b) ? a : b; };
    if (m_ttl && *m_ttl != ttl)
        skip(where + QStringLiteral(".ttl"),
             QStringLiteral("one cache TTL for all pipelines: %1 s, the shortest, is used")
                 .arg(shorter(*m_ttl, ttl)));
    m_ttl = m_ttl ? shorter(*m_ttl, ttl) : ttl;
}

void Importer::readProxy(const QString &where, const YAML::Node &action, Pipeline &p) {
    unknownKeys(action, where,
                {QStringLiteral("serviceEndpoint"), QStringLiteral("changeOrigin"),
                 QStringLiteral("stripPath"), QStringLiteral("strategy"),
                 QStringLiteral("prependPath"), QStringLiteral("ignorePath")});
    const QString service = str(child(action, "serviceEndpoint"));
    if (!m_services.contains(service)) {
        result.errors << where + QStringLiteral(".serviceEndpoint: no serviceEndpoint named \"%1\"")
                                     .arg(service);
        return;
    }
    if (!flag(action, where, "prependPath", true))
        skip(where + QStringLiteral(".prependPath"),
             QStringLiteral("false is not converted: the service URL's path is always kept"));
    if (flag(action, where, "ignorePath", false))
        skip(where + QStringLiteral(".ignorePath"),
             QStringLiteral("true is not converted: the request path is always forwarded"));
    p.proxies = true;
    p.upstream = m_services.value(service);
    p.preserveHost = !flag(action, where, "changeOrigin", true); // Express Gateway's default: true
    p.stripPath = flag(action, where, "stripPath", false);
}

void Importer::readApiEndpoints(const YAML::Node &n) {
    if (!n.IsMap()) {
        result.errors << QStringLiteral("apiEndpoints: none found");
        return;
    }
    QStringList hostOrder;
    QHash<QString, QList<Route>> byHost;
    for (const auto &kv : n) {
        const QString api = str(kv.first);
        YAML::Node configs = kv.second;
        if (configs.IsMap()) {
            YAML::Node list(YAML::NodeType::Sequence);
            list.push_back(configs);
            configs.reset(list);
        }
        const QString pipeline = m_pipelineOf.value(api);
        for (size_t i = 0; configs.IsSequence() && i < configs.size(); ++i) {
            const YAML::Node c = configs[i];
            const QString where = QStringLiteral("apiEndpoints.") + api +
                                  (configs.size() > 1 ? QStringLiteral("[%1]").arg(i) : QString());
            if (pipeline.isEmpty()) {
                skip(where, QStringLiteral("in no pipeline (Express Gateway answers 404 there, "
                                           "and so does tokengate without a route)"));
                continue;
            }
            if (!m_pipelines.value(pipeline).proxies)
                continue; // reported with the pipeline
            if (child(c, "pathRegex").IsDefined() || child(c, "hostRegex").IsDefined()) {
                skip(where, QStringLiteral("pathRegex and hostRegex are not converted; this "
                                           "apiEndpoint is left out"));
                continue;
            }
            unknownKeys(c, where,
                        {QStringLiteral("host"), QStringLiteral("paths"), QStringLiteral("path"),
                         QStringLiteral("methods"), QStringLiteral("scopes")});
            QString host = str(child(c, "host"));
            if (host == u"*")
                host.clear();
            QStringList paths = strings(child(c, "paths"));
            if (paths.isEmpty())
                paths = strings(child(c, "path"));
            if (paths.isEmpty())
                paths << QStringLiteral("*");
            QStringList methods;
            for (const QString &m : strings(child(c, "methods")))
                for (const QString &one : m.split(u',', Qt::SkipEmptyParts))
                    if (one.trimmed() != u"*")
                        methods << one.trimmed().toUpper();
            const QStringList scopes = strings(child(c, "scopes"));

            QList<PathRule> rules;
            for (const QString &path : paths) {
                QString why;
                if (const auto rule = convertPath(path, &why))
                    rules << *rule;
                else
                    skip(where + QStringLiteral(".paths"), why);
            }
            // "/admin" with "/admin/*" is one prefix: /admin and everything below.
            for (qsizetype a = 0; a < rules.size(); ++a) {
                for (qsizetype b = 0; b < rules.size(); ++b) {
                    if (a != b && !rules[a].pattern.isEmpty() && rules[a].canStrip &&
                        rules[b].prefix == rules[a].pattern + u'/') {
                        rules[b].prefix = rules[a].pattern;
                        rules.removeAt(a--);
                        break;
                    }
                }
            }
            if (!hostOrder.contains(host))
                hostOrder << host;
            for (qsizetype k = 0; k < rules.size(); ++k) {
                Route r;
                r.name = api + (configs.size() > 1 ? QStringLiteral("-%1").arg(i + 1) : QString()) +
                         (rules.size() > 1 ? QStringLiteral("-%1").arg(k + 1) : QString());
                r.host = host;
                r.path = rules[k];
                r.methods = methods;
                r.scopes = scopes;
                r.pipeline = pipeline;
                if (m_pipelines.value(pipeline).stripPath && !r.path.canStrip)
                    skip(where + QStringLiteral(".paths"),
                         QStringLiteral("stripPath with \"%1\" is not converted (only fixed "
                                        "paths and path/* can be stripped)")
                             .arg(r.path.pattern));
                byHost[host] << r;
            }
        }
    }
    // Express Gateway mounts one router per host, in the order hosts first appear.
    for (const QString &host : hostOrder)
        m_routes << byHost.value(host);
}

// The converted settings go through the config file's own writer, so the output is exactly
// what the reader takes.
void Importer::write() {
    Config c;
    if (!m_listen.isEmpty() && !parseListenAddress(m_listen, &c.server.address, &c.server.port))
        skip(QStringLiteral("http"),
             QStringLiteral("\"%1\" is not an IP address and port; tokengate listens on %2")
                 .arg(m_listen, formatListenAddress(c.server.address, c.server.port)));
    if (!m_tlsListen.isEmpty()) {
        TlsListen &l = c.server.tls;
        if (parseListenAddress(m_tlsListen, &l.address, &l.port)) {
            l.enabled = true;
            c.tls = m_tls;
            c.server.plainEnabled = m_sawHttp; // Express Gateway serves no HTTP without http:
        } else {
            skip(QStringLiteral("https"),
                 QStringLiteral("\"%1\" is not an IP address and port: no HTTPS listener")
                     .arg(m_tlsListen));
        }
    }
    if (m_endpoints.isEmpty())
        c.auth = AuthMode::None;
    for (qsizetype i = 0; i < m_endpoints.size(); ++i) {
        IntrospectionConfig e;
        e.name = m_endpoints[i].name;
        e.url = m_endpoints[i].url;
        if (!m_endpoints[i].authorizationRef.isEmpty()) {
            e.authMethod = ClientAuthMethod::AuthorizationValue;
            e.authorizationRef = m_endpoints[i].authorizationRef;
        }
        e.timeoutMs = 10'000; // Express Gateway's
        if (i == 0)
            c.introspection = e;
        else
            c.moreIntrospection << e;
    }
    if (!m_endpoints.isEmpty()) {
        // Express Gateway remembers active answers only, for ttl seconds, never past exp.
        c.cache.enabled = true;
        c.cache.ttlSecs = m_ttl.value_or(60);
        c.cache.negativeTtlSecs = 0;
    }
    for (const Route &r : m_routes) {
        const Pipeline &p = m_pipelines[r.pipeline];
        RouteConfig route;
        route.name = r.name;
        if (!r.host.isEmpty())
            route.hosts = {r.host};
        route.pathPrefix = r.path.prefix;
        route.pathPattern = r.path.pattern;
        // express.Router ignores letter case: "/ADMIN" took the "/admin" pipeline there.
        if (!r.path.prefix.isEmpty() || !r.path.pattern.isEmpty())
            route.caseInsensitive = true;
        route.methods = r.methods;
        route.upstreamUrl = p.upstream;
        route.preserveHost = p.preserveHost;
        if (p.cors)
            route.cors = *p.cors;
        route.rateLimits = p.rateLimits;
        route.requestHeaders = p.requestHeaders;
        route.responseHeaders = p.responseHeaders;
        if (p.stripPath && r.path.canStrip && !r.path.strip.isEmpty())
            route.stripPrefix = r.path.strip;
        if (p.rewrite && !route.stripPrefix.isEmpty()) {
            skip(QStringLiteral("pipelines.") + r.pipeline,
                 QStringLiteral("rewrite together with stripPath is not converted; the rewrite "
                                "is left out"));
        } else if (p.rewrite) {
            route.stripPrefix = p.rewrite->strip;
            route.rewritePrefix = p.rewrite->rewrite;
        }
        if (p.introspection < 0) {
            route.authenticate = false;
        } else {
            if (p.introspection > 0)
                route.introspection = m_endpoints[p.introspection].name;
            route.tokenSources = {{TokenSource::Kind::BearerHeader, QString()},
                                  {TokenSource::Kind::Query, QStringLiteral("access_token")}};
            route.requiredScopes = r.scopes;
            route.passThrough = p.passThrough;
            // Express Gateway forwards the token; upstreams may rely on it.
            route.stripCredential = false;
        }
        c.routes << route;
    }
    result.tokengateYaml = "# Converted from an Express Gateway gateway.config.yml by tokengated "
                           "import-eg.\n" +
                           describeConfig(c, ConfigDump::Changes).toUtf8();
}

} // namespace

EgImport importExpressGateway(const QByteArray &yaml) {
    Importer importer;
    try {
        importer.run(YAML::Load(yaml.toStdString()));
    } catch (const YAML::Exception &e) {
        importer.result.errors << QStringLiteral("line %1: %2")
                                      .arg(e.mark.is_null() ? 0 : e.mark.line + 1)
                                      .arg(QString::fromStdString(e.msg));
    }
    if (importer.result.errors.isEmpty()) {
        // Values are copied, not judged (a URL Express Gateway took may not be one tokengate
        // takes): the config loader judges them, so a conversion never yields a file that
        // tokengate then refuses. Secrets are references to be filled in later.
        Config config;
        const auto anySecret = [](const QString &, QString *) -> std::optional<QString> {
            return QStringLiteral("secret");
        };
        QStringList problems =
            applyConfigText(importer.result.tokengateYaml, QStringLiteral("the converted config"),
                            config, anySecret);
        // The certificates may live only on the server the config is for: unreadable here,
        // they are named, and judged when tokengated starts there.
        if (problems.isEmpty() && config.server.tls.enabled) {
            QString why;
            if (!loadTlsCertificates(config.tls, &why))
                importer.result.notConverted
                    << QStringLiteral("https: %1 (tokengated checks it again when it starts)")
                           .arg(why);
            config.server.tls = {};
            config.server.plainEnabled = true;
            config.tls = {};
        }
        if (problems.isEmpty())
            problems = config.validate();
        importer.result.errors << problems;
    }
    if (!importer.result.errors.isEmpty())
        importer.result.tokengateYaml.clear();
    return importer.result;
}

} // namespace Tokengate
