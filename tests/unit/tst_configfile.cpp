// SPDX-License-Identifier: Apache-2.0
// The YAML config file: what it sets, every problem with its line and key, secret
// references, the environment on top of it, and --check-config's output loading back.
#include "core/config/configdump.h"
#include "core/config/configfile.h"
#include "core/config/configoptions.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Tokengate;

namespace {

const QString FileName = QStringLiteral("t.yml");

// Resolves env: from a fixed table and file: from disk, like the daemon's.
SecretResolver fakeEnvResolver(const QProcessEnvironment &env) {
    return daemonSecretResolver(env);
}

QProcessEnvironment envOf(std::initializer_list<std::pair<const char *, const char *>> vars) {
    QProcessEnvironment env;
    for (const auto &[k, v] : vars)
        env.insert(QString::fromLatin1(k), QString::fromLatin1(v));
    return env;
}

QStringList load(const QByteArray &yaml, Config &config,
                 const QProcessEnvironment &env = envOf({{"SECRET", "s3cr3t"}})) {
    return applyConfigText(yaml, FileName, config, fakeEnvResolver(env));
}

} // namespace

class TestConfigFile : public QObject {
    Q_OBJECT

private slots:
    void badFiles_data() {
        QTest::addColumn<QByteArray>("yaml");
        QTest::addColumn<QString>("problem"); // the whole first problem

        auto row = [](const char *name, const char *yaml, const char *problem) {
            QTest::newRow(name) << QByteArray(yaml) << QString::fromUtf8(problem);
        };
        row("unknown top-level key", "listen: \"*:80\"\nlisen: 8080\n",
            "t.yml:2: lisen: unknown key (expected one of: listen, plain_http, tls, workers, "
            "reuse_port, "
            "event_dispatcher, limits, "
            "timeouts, admin, log, request_id_header, auth, allow_missing_token, "
            "required_scopes, upstream, destination_allow, introspection, cache, jwt, "
            "path_normalization, routes)");
        row("unknown nested key", "cache:\n  ttl: 5\n  tll: 6\n",
            "t.yml:3: cache.tll: unknown key (expected one of: enabled, ttl, negative_ttl, "
            "stale_grace, max_entries, max_bytes, redis)");
        row("unknown event dispatcher", "event_dispatcher: kqueue\n",
            "t.yml:1: event_dispatcher: expected epoll or qt, got \"kqueue\"");
        row("key given twice", "workers: 2\nworkers: 3\n", "t.yml:2: workers: given twice");
        row("admin listener off and enabled", "admin:\n  listen: off\n  enabled: true\n",
            "t.yml:3: admin.enabled: true, but admin.listen is off: remove one of them");
        row("cache off and enabled", "cache: {enabled: true, ttl: off}\n",
            "t.yml:1: cache.enabled: true, but cache.ttl is off: remove one of them");
        row("unknown escaped slash action",
            "path_normalization: {path_with_escaped_slashes_action: decode}\n",
            "t.yml:1: path_normalization.path_with_escaped_slashes_action: expected "
            "reject_request, keep_unchanged or unescape_and_forward, got \"decode\"");
        row("route letter case not a boolean",
            "routes:\n  - {path_prefix: /a, upstream: \"http://u\", case_insensitive: maybe}\n",
            "t.yml:2: routes[0].case_insensitive: expected true or false, got \"maybe\"");
        row("syntax error", "routes:\n  - name: [a\n", "t.yml:3: end of sequence flow not found");
        row("not a mapping", "- a\n- b\n", "t.yml:1: (top): expected a mapping of keys to values");
        row("bad listen", "\nlisten: 127.0.0.1\n",
            "t.yml:2: listen: expected address:port (\"127.0.0.1:8080\", \"*:8080\", "
            "\"[::1]:8080\"), got \"127.0.0.1\"");
        row("workers out of range", "workers: 1000\n",
            "t.yml:1: workers: expected a whole number from 0 to 256, got \"1000\"");
        row("timeout not seconds", "timeouts:\n  idle: soon\n",
            "t.yml:2: timeouts.idle: expected seconds, more than 0 and at most 86400, got "
            "\"soon\"");
        row("bool", "upstream:\n  tls:\n    verify: maybe\n",
            "t.yml:3: upstream.tls.verify: expected true or false, got \"maybe\"");
        row("log level", "log:\n  level: verbose\n",
            "t.yml:2: log.level: expected debug, info, warn or error, got \"verbose\"");
        row("bad upstream url", "upstream:\n  url: ftp://x\n",
            "t.yml:2: upstream.url: only http and https are supported: \"ftp://x\"");
        row("inline client secret",
            "introspection:\n  url: http://idp/i\n  client_id: a\n  client_secret: hunter2\n",
            "t.yml:4: introspection.client_secret: secrets are not written in the config file; "
            "give a reference: env:NAME, file:/path or keychain:NAME");
        row("masked secret pasted back",
            "introspection:\n  url: http://idp/i\n  authorization: <set>\n",
            "t.yml:3: introspection.authorization: a masked value as --check-config prints it; "
            "give a reference: env:NAME, file:/path or keychain:NAME");
        row("unset env reference", "jwt:\n  secret: env:NOPE\n",
            "t.yml:2: jwt.secret: env:NOPE: environment variable NOPE is not set");
        row("keychain in the daemon", "jwt:\n  secret: keychain:jwt\n",
            "t.yml:2: jwt.secret: keychain:jwt: keychain: references need the desktop app; use "
            "env:NAME or file:/path with tokengated");
        row("auth method", "introspection:\n  url: http://i/\n  auth_method: mtls\n",
            "t.yml:3: introspection.auth_method: expected client_secret_basic, "
            "client_secret_post, authorization_value, private_key_jwt, tls_client_auth or "
            "self_signed_tls_client_auth, got \"mtls\"");
        row("jwt algorithm", "jwt:\n  algorithm: none\n",
            "t.yml:2: jwt.algorithm: expected HS256, RS256 or ES256, got \"none\"");
        row("second endpoint without name",
            "introspection:\n  - url: http://a/\n  - url: http://b/\n",
            "t.yml:3: introspection[1].name: every endpoint after the first needs a name");
        row("duplicate endpoint name",
            "introspection:\n  - url: http://a/\n  - name: default\n    url: http://b/\n",
            "t.yml:3: introspection[1].name: another endpoint is named \"default\"");
        row("route names a missing endpoint",
            "routes:\n  - path_prefix: /a\n    introspection: partner\n",
            "t.yml:3: routes[0].introspection: no introspection endpoint named \"partner\" "
            "(there are: default)");
        row("route path without slash", "routes:\n  - path_prefix: api\n",
            "t.yml:2: routes[0].path_prefix: must start with \"/\", got \"api\"");
        row("prefix and pattern", "routes:\n  - path_prefix: /a\n    path_pattern: /b/*\n",
            "t.yml:2: routes[0]: give path_prefix or path_pattern, not both");
        row("upstream and destination", "routes:\n  - upstream: http://u/\n    destination: true\n",
            "t.yml:2: routes[0]: give upstream or destination: true, not both");
        row("token source", "routes:\n  - token_sources: [bearer, form]\n",
            "t.yml:2: routes[0].token_sources: \"form\": expected bearer, query, query:NAME, "
            "header:NAME or cookie:NAME");
        row("claim rule with two ops",
            "routes:\n  - claims:\n      - claim: a\n        equals: x\n        one_of: [y]\n",
            "t.yml:3: routes[0].claims[0]: give exactly one of equals, one_of or contains");
        row("identity header name", "routes:\n  - identity_headers:\n      \"X User\": sub\n",
            "t.yml:3: routes[0].identity_headers: \"X User\" is not a valid header name");
        row("destination pattern", "destination_allow: [\"a/b\"]\n",
            "t.yml:1: destination_allow: ");
        row("list expected", "required_scopes:\n  a: b\n",
            "t.yml:2: required_scopes: expected a list of values");
    }

    void badFiles() {
        QFETCH(QByteArray, yaml);
        QFETCH(QString, problem);
        Config config;
        const Config before = config;
        const QStringList problems = load(yaml, config);
        QVERIFY2(!problems.isEmpty(), "accepted");
        QVERIFY2(problems.first().startsWith(problem),
                 qPrintable(problems.join(u'\n') + QStringLiteral("\nexpected: ") + problem));
        QVERIFY(config.configFile.isEmpty()); // nothing applied
        QCOMPARE(config.server.workers, before.server.workers);
    }

    void everyProblemIsReported() {
        Config config;
        const QStringList problems = load("workers: x\nlog:\n  format: xml\nbogus: 1\n", config);
        QCOMPARE(problems.size(), 3);
    }

    void goodFile() {
        QTemporaryDir dir;
        QFile secret(dir.filePath(QStringLiteral("client.secret")));
        QVERIFY(secret.open(QIODevice::WriteOnly));
        secret.write("from-file\n");
        secret.close();
        const QByteArray yaml = "listen: \"*:8443\"\n"
                                "workers: 2\n"
                                "limits: {max_headers: 50, max_body_bytes: 1048576}\n"
                                "timeouts: {idle: 1.5, drain: 3}\n"
                                "admin: {enabled: false, listen: \"127.0.0.1:9191\"}\n"
                                "log: {level: debug, format: json, access_log: access.log}\n"
                                "upstream:\n"
                                "  url: https://backend.example:8443/base\n"
                                "  forwarded: append\n"
                                "  tls: {verify: false}\n"
                                "introspection:\n"
                                "  - url: http://idp.example/introspect\n"
                                "    auth_method: client_secret_post\n"
                                "    client_id: gw\n"
                                "    client_secret: file:client.secret\n"
                                "    timeout: 2\n"
                                "  - name: legacy\n"
                                "    issuer: http://legacy.example\n"
                                "    authorization: env:SECRET\n"
                                "cache: {ttl: 30}\n"
                                "jwt: {header: X-Jwt, secret: env:SECRET, claims: {user: sub}}\n"
                                "routes:\n"
                                "  - hosts: api.example\n"
                                "    path_pattern: /v1/*/items/**\n"
                                "    methods: [get, POST]\n"
                                "    introspection: legacy\n"
                                "    upstream: http://items.example\n"
                                "    token_sources: [bearer, query, cookie:sid, header:X-T]\n"
                                "    required_scopes: [items:read]\n"
                                "    claims:\n"
                                "      - {claim: tenant, one_of: [a, b]}\n"
                                "    pass_through: yes\n"
                                "    identity_headers: {X-User: sub}\n"
                                "  - name: open\n"
                                "    path_prefix: /health\n"
                                "    upstream: http://health.example\n"
                                "    authenticate: false\n";
        Config c;
        const QString path = dir.filePath(QStringLiteral("tokengate.yml"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(yaml);
        file.close();
        const QStringList problems =
            applyConfigFile(path, c, fakeEnvResolver(envOf({{"SECRET", "s3cr3t"}})));
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        QCOMPARE(c.configFile, path);
        QCOMPARE(c.server.address, QHostAddress(QHostAddress::Any));
        QCOMPARE(c.server.port, 8443);
        QCOMPARE(c.server.workers, 2);
        QCOMPARE(c.server.limits.maxHeaderCount, 50);
        QCOMPARE(c.server.limits.maxBodyBytes, 1048576);
        QCOMPARE(c.server.limits.idleTimeoutMs, 1500);
        QCOMPARE(c.drainTimeoutMs, 3000);
        QCOMPARE(c.admin.enabled, false);
        QCOMPARE(c.admin.port, 9191);
        QCOMPARE(c.logLevel, QStringLiteral("debug"));
        QCOMPARE(c.logFormat, QStringLiteral("json"));
        QCOMPARE(c.accessLog, dir.filePath(QStringLiteral("access.log")));
        QCOMPARE(c.upstreamUrl, QStringLiteral("https://backend.example:8443/base"));
        QCOMPARE(c.upstream.forwarded, ForwardedMode::Append);
        QCOMPARE(c.upstream.verifyTls, false);
        QCOMPARE(c.introspection.name, QStringLiteral("default"));
        QCOMPARE(c.introspection.authMethod, ClientAuthMethod::ClientSecretPost);
        QCOMPARE(c.introspection.clientSecret, QStringLiteral("from-file"));
        QCOMPARE(c.introspection.clientSecretRef,
                 QStringLiteral("file:") + dir.filePath(QStringLiteral("client.secret")));
        QCOMPARE(c.introspection.timeoutMs, 2000);
        QCOMPARE(c.moreIntrospection.size(), 1);
        QCOMPARE(c.moreIntrospection[0].name, QStringLiteral("legacy"));
        QCOMPARE(c.moreIntrospection[0].issuer, QStringLiteral("http://legacy.example"));
        QCOMPARE(c.moreIntrospection[0].authMethod, ClientAuthMethod::AuthorizationValue);
        QCOMPARE(c.moreIntrospection[0].authorization, QStringLiteral("s3cr3t"));
        QCOMPARE(c.cache.enabled, true);
        QCOMPARE(c.cache.ttlSecs, 30);
        QCOMPARE(c.jwt.headerName, QStringLiteral("X-Jwt"));
        QCOMPARE(c.jwt.secret, QStringLiteral("s3cr3t"));
        QCOMPARE(c.jwt.claims.value(QStringLiteral("user")), QStringLiteral("sub"));
        QCOMPARE(c.routes.size(), 2);
        const RouteConfig &r = c.routes[0];
        QCOMPARE(r.name, QStringLiteral("route-1"));
        QCOMPARE(r.hosts, QStringList{QStringLiteral("api.example")});
        QCOMPARE(r.pathPattern, QStringLiteral("/v1/*/items/**"));
        QCOMPARE(r.methods, (QStringList{QStringLiteral("GET"), QStringLiteral("POST")}));
        QCOMPARE(r.introspection, QStringLiteral("legacy"));
        QCOMPARE(r.tokenSources.size(), 4);
        QCOMPARE(r.tokenSources[1].kind, TokenSource::Kind::Query);
        QCOMPARE(r.tokenSources[1].name, QStringLiteral("access_token"));
        QCOMPARE(r.tokenSources[2].kind, TokenSource::Kind::Cookie);
        QCOMPARE(r.tokenSources[2].name, QStringLiteral("sid"));
        QCOMPARE(r.tokenSources[3].kind, TokenSource::Kind::Header);
        QCOMPARE(r.claimRules.size(), 1);
        QCOMPARE(r.claimRules[0].op, ClaimRule::Op::OneOf);
        QCOMPARE(r.claimRules[0].values, (QStringList{QStringLiteral("a"), QStringLiteral("b")}));
        QCOMPARE(r.passThrough, true);
        QCOMPARE(r.identityHeaders.value(QStringLiteral("X-User")), QStringLiteral("sub"));
        QCOMPARE(c.routes[1].name, QStringLiteral("open"));
        QCOMPARE(c.routes[1].authenticate, false);
        QVERIFY2(c.validate().isEmpty(), qPrintable(c.validate().join(u'\n')));
    }

    void emptyFileKeepsDefaults() {
        Config c;
        QVERIFY(load("# nothing\n", c).isEmpty());
        Config defaults;
        defaults.configFile = c.configFile;
        QCOMPARE(describeConfig(c), describeConfig(defaults));
    }

    // The shipped, documented example loads and validates with its references set.
    void exampleConfig() {
        Config c;
        const QString path =
            QStringLiteral(TOKENGATE_SOURCE_DIR "/resources/tokengate.example.yml");
        const auto env = envOf({{"TOKENGATE_EXAMPLE_SECRET", "a"},
                                {"TOKENGATE_EXAMPLE_PARTNERS_SECRET", "b"},
                                {"TOKENGATE_EXAMPLE_JWT_SECRET", "c"}});
        QStringList problems = applyConfigFile(path, c, daemonSecretResolver(env));
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        problems = c.validate();
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        QCOMPARE(c.routes.size(), 3);
        QCOMPARE(c.moreIntrospection.size(), 1);
        QCOMPARE(c.jwt.secret, QStringLiteral("c"));
        // Without its variables it names each missing one.
        Config d;
        problems = applyConfigFile(path, d, daemonSecretResolver({}));
        QCOMPARE(problems.size(), 3);
    }

    // introspection-microgateway's variables keep working on top of a file (later wins).
    void environmentOverridesTheFile() {
        Config c;
        QVERIFY(load("introspection:\n  url: http://file-idp/i\n  client_id: file-client\n"
                     "  client_secret: env:SECRET\nlog: {level: warn}\n"
                     "listen: \"127.0.0.1:7000\"\njwt: {header: X-From-File}\n",
                     c)
                    .isEmpty());
        const QStringList problems =
            applyEnvironment(c, envOf({{"SSO_INTROSPECTION", "http://env-idp/introspect"},
                                       {"SSO_CLIENT_SECRET", "env-secret"},
                                       {"LOG_LEVEL", "error"},
                                       {"PORT", "9000"}}));
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        QCOMPARE(c.introspection.url, QStringLiteral("http://env-idp/introspect"));
        QCOMPARE(c.introspection.clientId, QStringLiteral("file-client")); // file's, not reset
        QCOMPARE(c.introspection.clientSecret, QStringLiteral("env-secret"));
        QVERIFY(c.introspection.clientSecretRef.isEmpty()); // --check-config shows <set>
        QCOMPARE(c.logLevel, QStringLiteral("error"));
        QCOMPARE(c.server.port, 9000); // PORT: the microgateway's all-interfaces mode
        QCOMPARE(c.server.address, QHostAddress(QHostAddress::Any));
        QCOMPARE(c.jwt.headerName, QStringLiteral("X-From-File"));
        QVERIFY(describeConfig(c).contains(QStringLiteral("client_secret: <set>")));
        // TOKENGATE_* beat the file too.
        QVERIFY(applyEnvironment(c, envOf({{"TOKENGATE_LISTEN", "127.0.0.1:7100"}})).isEmpty());
        QCOMPARE(c.server.port, 7100);
    }

    void checkConfigHidesPasswordsInUrls_data() {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("shown");
        QTest::newRow("redis, password only")
            << QStringLiteral("redis://:pw-secret-1@cache.test:6380/1")
            << QStringLiteral("redis://cache.test:6380/1");
        QTest::newRow("redis, user and password")
            << QStringLiteral("redis://gw:pw-secret-1@cache.test/2")
            << QStringLiteral("redis://gw@cache.test/2");
        QTest::newRow("redis, no password") << QStringLiteral("redis://gw@cache.test/2")
                                            << QStringLiteral("redis://gw@cache.test/2");
    }
    void checkConfigHidesPasswordsInUrls() {
        QFETCH(QString, url);
        QFETCH(QString, shown);
        Config c;
        c.cache.enabled = true;
        c.cache.redis.url = url;
        const QString dump = describeConfig(c);
        QVERIFY2(!dump.contains(u"pw-secret-1"), qPrintable(dump));
        QVERIFY2(dump.contains(QStringLiteral("url: ") + shown), qPrintable(dump));
    }

    void checkConfigMasksSecretsAndLoadsBack() {
        Config c;
        const QByteArray yaml = "introspection:\n"
                                "  - url: http://idp/i\n"
                                "    client_id: gw\n"
                                "    client_secret: env:SECRET\n"
                                "  - name: p\n"
                                "    url: http://p/i\n"
                                "    auth_method: private_key_jwt\n"
                                "    client_id: gw\n"
                                "    private_key_file: /k.pem\n"
                                "    key_id: k1\n"
                                "    assertion_audience: http://p\n"
                                "timeouts: {idle: 2.5}\n"
                                "jwt: {header: X-J, secret: env:SECRET}\n"
                                "destination_allow: \"*.a.example, b.example:443\"\n"
                                "routes:\n"
                                "  - hosts: [a]\n"
                                "    path_prefix: /a/\n"
                                "    destination: true\n"
                                "    destination_allow: [\"*.svc\"]\n"
                                "    claims: [{claim: x, equals: y}, {claim: g, contains: [a]}]\n"
                                "    token_sources: [query:tok]\n"
                                "    identity_headers: {X-U: sub}\n"
                                "    case_insensitive: true\n"
                                "path_normalization:\n"
                                "  normalize_path: false\n"
                                "  merge_slashes: false\n"
                                "  path_with_escaped_slashes_action: keep_unchanged\n"
                                "  path_parameters: reject_request\n"
                                "  case_insensitive: true\n";
        QStringList problems = load(yaml, c);
        QCOMPARE(c.routes.value(0).caseInsensitive, std::optional<bool>(true));
        QCOMPARE(c.paths.escapedSlashes, PathConfig::EscapedSlashes::Keep);
        QCOMPARE(c.paths.parameters, PathConfig::Parameters::Reject);
        QVERIFY(!c.paths.normalizePath && !c.paths.mergeSlashes && c.paths.caseInsensitive);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        const QString dump = describeConfig(c);
        QVERIFY2(!dump.contains(QStringLiteral("s3cr3t")), qPrintable(dump));
        QVERIFY2(dump.contains(QStringLiteral("client_secret: env:SECRET")), qPrintable(dump));
        Config back;
        problems = load(dump.toUtf8(), back);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n') + u'\n' + dump));
        back.configFile = c.configFile;
        QCOMPARE(describeConfig(back), dump);
        QCOMPARE(back.introspection, c.introspection);
        QCOMPARE(back.moreIntrospection, c.moreIntrospection);
        QCOMPARE(back.jwt, c.jwt);
        QCOMPARE(back.routes, c.routes);
        QCOMPARE(back.paths, c.paths);
        // The defaults load back as well.
        Config defaults;
        Config reloaded;
        problems = load(describeConfig(defaults).toUtf8(), reloaded);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        reloaded.configFile.clear();
        QCOMPARE(describeConfig(reloaded), describeConfig(defaults));
        QCOMPARE(reloaded.jwt, defaults.jwt);
    }

    void inlineSecretsNeverAppearInProblems() {
        Config c;
        const QStringList problems = load("jwt:\n  secret: my-plain-secret\n", c);
        QCOMPARE(problems.size(), 1);
        QVERIFY(!problems.first().contains(QStringLiteral("my-plain-secret")));
    }
};

QTEST_GUILESS_MAIN(TestConfigFile)
#include "tst_configfile.moc"
