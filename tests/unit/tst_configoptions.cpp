// SPDX-License-Identifier: Apache-2.0
// The option table as the environment sees it (TOKENGATE_*), listen address parsing, and the
// problems Config::validate() names.
#include "core/config/config.h"
#include "core/config/configoptions.h"

#include <QTemporaryFile>
#include <QTest>

#include <functional>

using namespace Tokengate;

using ConfigEdit = std::function<void(Config &)>;
Q_DECLARE_METATYPE(ConfigEdit)

namespace {

QHostAddress addressFor(const QString &name) {
    if (name == u"localhost")
        return QHostAddress(QHostAddress::LocalHost);
    if (name == u"any")
        return QHostAddress(QHostAddress::Any);
    return QHostAddress(name);
}

} // namespace

class TestConfigOptions : public QObject {
    Q_OBJECT

private slots:
    void parseListenAddress_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<QString>("address"); // "localhost", "any" or a literal
        QTest::addColumn<int>("port");

        auto good = [](const char *text, const char *address, int port) {
            QTest::newRow(text) << QString::fromLatin1(text) << true << QString::fromLatin1(address)
                                << port;
        };
        auto bad = [](const char *name, const char *text) {
            QTest::newRow(name) << QString::fromLatin1(text) << false << QString() << 0;
        };
        good("127.0.0.1:8080", "127.0.0.1", 8080);
        good("0.0.0.0:80", "0.0.0.0", 80);
        good("192.168.1.20:65535", "192.168.1.20", 65535);
        good("[::1]:8080", "::1", 8080);
        good("[::]:443", "::", 443);
        good("[2001:db8::7]:9000", "2001:db8::7", 9000);
        good("8080", "localhost", 8080);
        good("*:8080", "any", 8080);
        good("127.0.0.1:0", "127.0.0.1", 0);
        bad("empty", "");
        bad("port out of range", "127.0.0.1:65536");
        bad("bare port out of range", "70000");
        bad("negative port", "127.0.0.1:-1");
        bad("port not a number", "127.0.0.1:http");
        bad("missing port", "127.0.0.1:");
        bad("address without port", "127.0.0.1");
        bad("empty host", ":8080");
        bad("host name", "localhost:8080");
        bad("bracketed IPv6 without port", "[::1]");
        bad("garbage in brackets", "[nope]:80");
        bad("star without port", "*");
        bad("star with bad port", "*:x");
        bad("invalid IPv4", "256.1.1.1:80");
    }
    void parseListenAddress() {
        QFETCH(QString, text);
        QFETCH(bool, ok);
        QFETCH(QString, address);
        QFETCH(int, port);

        const QHostAddress untouched(QStringLiteral("10.9.8.7"));
        QHostAddress parsed = untouched;
        quint16 parsedPort = 4242;
        QCOMPARE(Tokengate::parseListenAddress(text, &parsed, &parsedPort), ok);
        if (ok) {
            QCOMPARE(parsed, addressFor(address));
            QCOMPARE(int(parsedPort), port);
        } else {
            // A refused value leaves the previous setting alone.
            QCOMPARE(parsed, untouched);
            QCOMPARE(int(parsedPort), 4242);
        }
    }

    void optionTableNamesEnvironmentVariables() {
        QStringList envs;
        for (const ConfigOption &o : configOptions()) {
            QVERIFY2(o.env.startsWith(u"TOKENGATE_"), qPrintable(o.env));
            QCOMPARE(o.env, QStringLiteral("TOKENGATE_") + o.name.toUpper().replace(u'-', u'_'));
            QVERIFY2(!o.description.isEmpty(), qPrintable(o.name));
            QVERIFY(o.apply);
            envs << o.env;
        }
        QCOMPARE(envs.removeDuplicates(), 0);
        for (const char *expected :
             {"TOKENGATE_LISTEN", "TOKENGATE_UPSTREAM", "TOKENGATE_AUTH", "TOKENGATE_WORKERS",
              "TOKENGATE_MAX_BODY_BYTES", "TOKENGATE_UPSTREAM_CA_FILE", "TOKENGATE_ACCESS_LOG"})
            QVERIFY2(envs.contains(QString::fromLatin1(expected)), expected);
    }

    void applyEnvironmentGoodValues() {
        QProcessEnvironment env;
        env.insert(QStringLiteral("TOKENGATE_LISTEN"), QStringLiteral("*:9000"));
        env.insert(QStringLiteral("TOKENGATE_UPSTREAM"),
                   QStringLiteral("http://127.0.0.1:7000/api"));
        env.insert(QStringLiteral("TOKENGATE_AUTH"), QStringLiteral("none"));
        env.insert(QStringLiteral("TOKENGATE_WORKERS"), QStringLiteral("4"));
        env.insert(QStringLiteral("TOKENGATE_SINGLE_ACCEPTOR"), QStringLiteral("1"));
        env.insert(QStringLiteral("TOKENGATE_MAX_CONNECTIONS"), QStringLiteral("500"));
        env.insert(QStringLiteral("TOKENGATE_MAX_HEADER_BYTES"), QStringLiteral("2048"));
        env.insert(QStringLiteral("TOKENGATE_MAX_HEADERS"), QStringLiteral("20"));
        env.insert(QStringLiteral("TOKENGATE_MAX_BODY_BYTES"), QStringLiteral("1000000"));
        env.insert(QStringLiteral("TOKENGATE_HEADER_TIMEOUT"), QStringLiteral("2.5"));
        env.insert(QStringLiteral("TOKENGATE_IDLE_TIMEOUT"), QStringLiteral("30"));
        env.insert(QStringLiteral("TOKENGATE_BODY_TIMEOUT"), QStringLiteral("0.25"));
        env.insert(QStringLiteral("TOKENGATE_UPSTREAM_CONNECT_TIMEOUT"), QStringLiteral("1"));
        env.insert(QStringLiteral("TOKENGATE_UPSTREAM_TIMEOUT"), QStringLiteral("90"));
        env.insert(QStringLiteral("TOKENGATE_UPSTREAM_IDLE_TIMEOUT"), QStringLiteral("15"));
        env.insert(QStringLiteral("TOKENGATE_UPSTREAM_MAX_IDLE"), QStringLiteral("0"));
        env.insert(QStringLiteral("TOKENGATE_UPSTREAM_CA_FILE"), QStringLiteral("/etc/ca.pem"));
        env.insert(QStringLiteral("TOKENGATE_FORWARDED"), QStringLiteral("append"));
        env.insert(QStringLiteral("TOKENGATE_EVENT_DISPATCHER"), QStringLiteral("qt"));
        env.insert(QStringLiteral("TOKENGATE_DRAIN_TIMEOUT"), QStringLiteral("3"));
        env.insert(QStringLiteral("TOKENGATE_ACCESS_LOG"), QStringLiteral("off"));
        env.insert(QStringLiteral("TOKENGATE_DEMO"), QStringLiteral("true"));
        env.insert(QStringLiteral("UNRELATED"), QStringLiteral("x"));

        Config c;
        QCOMPARE(applyEnvironment(c, env), QStringList());
        QCOMPARE(c.server.address, QHostAddress(QHostAddress::Any));
        QCOMPARE(c.server.port, quint16(9000));
        QCOMPARE(c.upstreamUrl, QStringLiteral("http://127.0.0.1:7000/api"));
        QVERIFY(c.auth == AuthMode::None);
        QCOMPARE(c.server.workers, 4);
        QCOMPARE(c.server.reusePort, false);
        QCOMPARE(c.server.limits.maxConnections, 500);
        QCOMPARE(c.server.limits.maxHeaderBytes, qint64(2048));
        QCOMPARE(c.server.limits.maxHeaderCount, 20);
        QCOMPARE(c.server.limits.maxBodyBytes, qint64(1000000));
        QCOMPARE(c.server.limits.headerTimeoutMs, 2500);
        QCOMPARE(c.server.limits.idleTimeoutMs, 30000);
        QCOMPARE(c.server.limits.bodyTimeoutMs, 250);
        QCOMPARE(c.upstream.connectTimeoutMs, 1000);
        QCOMPARE(c.upstream.responseTimeoutMs, 90000);
        QCOMPARE(c.upstream.idleTimeoutMs, 15000);
        QCOMPARE(c.upstream.maxIdlePerOrigin, 0);
        QCOMPARE(c.upstream.caFile, QStringLiteral("/etc/ca.pem"));
        QVERIFY(c.upstream.forwarded == ForwardedMode::Append);
        QVERIFY(c.server.eventDispatcher == EventDispatcher::Qt);
        QCOMPARE(c.drainTimeoutMs, 3000);
        QCOMPARE(c.accessLog, QStringLiteral("off"));
        QCOMPARE(c.demo, true);
    }

    void applyEnvironmentEmptyChangesNothing() {
        Config c;
        QCOMPARE(applyEnvironment(c, QProcessEnvironment()), QStringList());
        const Config defaults;
        QCOMPARE(c.server.address, defaults.server.address);
        QCOMPARE(c.server.port, quint16(8080));
        QCOMPARE(c.upstreamUrl, QString());
        QVERIFY(c.auth == AuthMode::Introspection);
        QCOMPARE(c.server.reusePort, true);
        QVERIFY(c.server.eventDispatcher == EventDispatcher::Epoll);
        QCOMPARE(c.demo, false);
        QCOMPARE(c.accessLog, QStringLiteral("stdout"));
    }

    // Switches are on with 1, true, yes or on; off with 0, false, no, off or empty.
    void switches_data() {
        QTest::addColumn<QString>("value");
        QTest::addColumn<bool>("on");
        QTest::newRow("1") << QStringLiteral("1") << true;
        QTest::newRow("true") << QStringLiteral("true") << true;
        QTest::newRow("0") << QStringLiteral("0") << false;
        QTest::newRow("false") << QStringLiteral("false") << false;
        QTest::newRow("yes") << QStringLiteral("yes") << true;
        QTest::newRow("no") << QStringLiteral("no") << false;
        QTest::newRow("on") << QStringLiteral("on") << true;
        QTest::newRow("off") << QStringLiteral("off") << false;
        QTest::newRow("TRUE, letter case ignored") << QStringLiteral("TRUE") << true;
        QTest::newRow("Off, letter case ignored") << QStringLiteral("Off") << false;
        QTest::newRow("empty") << QString() << false;
    }
    void switches() {
        QFETCH(QString, value);
        QFETCH(bool, on);
        QProcessEnvironment env;
        env.insert(QStringLiteral("TOKENGATE_DEMO"), value);
        env.insert(QStringLiteral("TOKENGATE_SINGLE_ACCEPTOR"), value);
        Config c;
        QCOMPARE(applyEnvironment(c, env), QStringList());
        QCOMPARE(c.demo, on);
        QCOMPARE(c.server.reusePort, !on);
    }

    void applyEnvironmentBadValues_data() {
        QTest::addColumn<QString>("variable");
        QTest::addColumn<QString>("value");

        auto row = [](const char *variable, const char *value) {
            QTest::addRow("%s=%s", variable, value)
                << QString::fromLatin1(variable) << QString::fromLatin1(value);
        };
        row("TOKENGATE_LISTEN", "nowhere");
        row("TOKENGATE_LISTEN", "127.0.0.1:99999");
        row("TOKENGATE_AUTH", "basic");
        row("TOKENGATE_DEMO", "maybe");
        row("TOKENGATE_TLS_VERIFY", "sometimes");
        row("TOKENGATE_INTROSPECTION_TIMEOUT", "0");
        row("TOKENGATE_AUTH", "None");
        row("TOKENGATE_WORKERS", "257");
        row("TOKENGATE_WORKERS", "-1");
        row("TOKENGATE_WORKERS", "four");
        row("TOKENGATE_MAX_CONNECTIONS", "0");
        row("TOKENGATE_MAX_HEADER_BYTES", "1023");
        row("TOKENGATE_MAX_HEADERS", "0");
        row("TOKENGATE_MAX_BODY_BYTES", "-2");
        row("TOKENGATE_MAX_BODY_BYTES", "1e9");
        row("TOKENGATE_HEADER_TIMEOUT", "0");
        row("TOKENGATE_HEADER_TIMEOUT", "-5");
        row("TOKENGATE_HEADER_TIMEOUT", "86401");
        row("TOKENGATE_IDLE_TIMEOUT", "soon");
        row("TOKENGATE_BODY_TIMEOUT", "inf");
        row("TOKENGATE_UPSTREAM_TIMEOUT", "nan");
        row("TOKENGATE_UPSTREAM_MAX_IDLE", "100001");
        row("TOKENGATE_FORWARDED", "maybe");
        row("TOKENGATE_EVENT_DISPATCHER", "poll");
        row("TOKENGATE_EVENT_DISPATCHER", "EPOLL");
        row("TOKENGATE_DRAIN_TIMEOUT", "");
        row("TOKENGATE_ACCESS_LOG", "");
    }
    void applyEnvironmentBadValues() {
        QFETCH(QString, variable);
        QFETCH(QString, value);

        QProcessEnvironment env;
        env.insert(variable, value);
        env.insert(QStringLiteral("TOKENGATE_WORKERS_EXTRA"), QStringLiteral("ignored"));
        Config c;
        const QStringList problems = applyEnvironment(c, env);
        QCOMPARE(problems.size(), 1);
        QVERIFY2(problems.first().startsWith(variable + QStringLiteral(": ")),
                 qPrintable(problems.first()));
        if (!value.isEmpty())
            QVERIFY2(problems.first().contains(u'"' + value + u'"'), qPrintable(problems.first()));

        // A refused value leaves the default in place.
        const Config defaults;
        QCOMPARE(c.server.address, defaults.server.address);
        QCOMPARE(c.server.port, defaults.server.port);
        QVERIFY(c.auth == defaults.auth);
        QCOMPARE(c.server.workers, defaults.server.workers);
        QCOMPARE(c.server.limits.maxConnections, defaults.server.limits.maxConnections);
        QCOMPARE(c.server.limits.maxHeaderBytes, defaults.server.limits.maxHeaderBytes);
        QCOMPARE(c.server.limits.maxHeaderCount, defaults.server.limits.maxHeaderCount);
        QCOMPARE(c.server.limits.maxBodyBytes, defaults.server.limits.maxBodyBytes);
        QCOMPARE(c.server.limits.headerTimeoutMs, defaults.server.limits.headerTimeoutMs);
        QCOMPARE(c.server.limits.idleTimeoutMs, defaults.server.limits.idleTimeoutMs);
        QCOMPARE(c.server.limits.bodyTimeoutMs, defaults.server.limits.bodyTimeoutMs);
        QCOMPARE(c.upstream.responseTimeoutMs, defaults.upstream.responseTimeoutMs);
        QCOMPARE(c.upstream.maxIdlePerOrigin, defaults.upstream.maxIdlePerOrigin);
        QVERIFY(c.upstream.forwarded == defaults.upstream.forwarded);
        QCOMPARE(c.drainTimeoutMs, defaults.drainTimeoutMs);
        QCOMPARE(c.accessLog, defaults.accessLog);
    }

    // NAME_FILE pointed at the wrong file: the problem says what the option expects, never
    // what the file holds (it may be a secret).
    void fileValuesAreNotEchoed_data() {
        QTest::addColumn<QString>("variable");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("expectation");
        QTest::newRow("number") << QStringLiteral("TOKENGATE_WORKERS_FILE")
                                << QByteArray("s3cr3t-pass\n") << QStringLiteral("whole number");
        QTest::newRow("listen") << QStringLiteral("TOKENGATE_LISTEN_FILE")
                                << QByteArray("hunter2-hunter2")
                                << QStringLiteral("not a valid value");
        QTest::newRow("part of the value quoted")
            << QStringLiteral("TOKENGATE_UPSTREAM_FILE") << QByteArray("hunter2 ")
            << QStringLiteral("not a valid value");
        QTest::newRow("switch") << QStringLiteral("TOKENGATE_DEMO_FILE")
                                << QByteArray("password=abc") << QStringLiteral("true or false");
        QTest::newRow("value inside the expectation")
            << QStringLiteral("TOKENGATE_WORKERS_FILE") << QByteArray("whole")
            << QStringLiteral("not a valid value");
    }
    void fileValuesAreNotEchoed() {
        QFETCH(QString, variable);
        QFETCH(QByteArray, content);
        QFETCH(QString, expectation);
        QTemporaryFile file;
        QVERIFY(file.open());
        file.write(content);
        file.close();
        QProcessEnvironment env;
        env.insert(variable, file.fileName());
        Config c;
        const QStringList problems = applyEnvironment(c, env);
        QCOMPARE(problems.size(), 1);
        const QString &problem = problems.first();
        QVERIFY2(problem.startsWith(variable + QStringLiteral(": ")), qPrintable(problem));
        QVERIFY2(problem.contains(expectation, Qt::CaseInsensitive), qPrintable(problem));
        QVERIFY2(!problem.contains(QString::fromUtf8(content.trimmed())), qPrintable(problem));
        QVERIFY2(problem.contains(QStringLiteral("not shown")), qPrintable(problem));
    }

    void applyEnvironmentReportsEveryProblem() {
        QProcessEnvironment env;
        env.insert(QStringLiteral("TOKENGATE_WORKERS"), QStringLiteral("x"));
        env.insert(QStringLiteral("TOKENGATE_FORWARDED"), QStringLiteral("y"));
        env.insert(QStringLiteral("TOKENGATE_LISTEN"), QStringLiteral("z"));
        env.insert(QStringLiteral("TOKENGATE_UPSTREAM"), QStringLiteral("http://ok"));
        Config c;
        QStringList problems = applyEnvironment(c, env);
        QCOMPARE(problems.size(), 3);
        QStringList variables;
        for (const QString &p : std::as_const(problems))
            variables << p.section(u':', 0, 0);
        variables.sort();
        QCOMPARE(variables, (QStringList{QStringLiteral("TOKENGATE_FORWARDED"),
                                         QStringLiteral("TOKENGATE_LISTEN"),
                                         QStringLiteral("TOKENGATE_WORKERS")}));
        QCOMPARE(c.upstreamUrl, QStringLiteral("http://ok"));
    }

    void validate_data() {
        QTest::addColumn<ConfigEdit>("edit");
        QTest::addColumn<QStringList>("problemPrefixes"); // in order

        auto usable = [](Config &c) {
            c.upstreamUrl = QStringLiteral("http://127.0.0.1:9000/base");
            c.auth = AuthMode::None;
        };
        QTest::newRow("defaults: introspection without an endpoint")
            << ConfigEdit([](Config &) {})
            << QStringList{QStringLiteral("introspection-url: no introspection endpoint")};
        QTest::newRow("usable") << ConfigEdit(usable) << QStringList{};
        QTest::newRow("https upstream") << ConfigEdit([=](Config &c) {
            usable(c);
            c.upstreamUrl = QStringLiteral("https://api.example.com");
        }) << QStringList{};
        QTest::newRow("no upstream: Destination mode") << ConfigEdit([=](Config &c) {
            usable(c);
            c.upstreamUrl.clear();
        }) << QStringList{};
        QTest::newRow("bad upstream scheme") << ConfigEdit([=](Config &c) {
            usable(c);
            c.upstreamUrl = QStringLiteral("ftp://files.example.com/");
        }) << QStringList{QStringLiteral("upstream: only http and https")};
        QTest::newRow("upstream with a fragment") << ConfigEdit([=](Config &c) {
            usable(c);
            c.upstreamUrl = QStringLiteral("http://u/#a");
        }) << QStringList{QStringLiteral("upstream: URL must not carry")};
        QTest::newRow("upstream with a query is fine") << ConfigEdit([=](Config &c) {
            usable(c);
            c.upstreamUrl = QStringLiteral("http://u/?a=1");
        }) << QStringList{};
        QTest::newRow("auth introspection without endpoint") << ConfigEdit([=](Config &c) {
            usable(c);
            c.auth = AuthMode::Introspection;
        }) << QStringList{QStringLiteral("introspection-url: no introspection endpoint")};
        QTest::newRow("introspection usable") << ConfigEdit([=](Config &c) {
            usable(c);
            c.auth = AuthMode::Introspection;
            c.introspection.url = QStringLiteral("https://idp.example.com/introspect");
            c.introspection.clientId = QStringLiteral("gw");
            c.introspection.clientSecret = QStringLiteral("s");
        }) << QStringList{};
        QTest::newRow("introspection problems")
            << ConfigEdit([=](Config &c) {
                   usable(c);
                   c.auth = AuthMode::Introspection;
                   c.introspection.url = QStringLiteral("ftp://idp/");
                   c.introspection.clientSecret = QStringLiteral("s");
                   c.introspection.timeoutMs = 0;
               })
            << QStringList{QStringLiteral("introspection-url: only http and https"),
                           QStringLiteral("client-id: a client secret is set"),
                           QStringLiteral("introspection-timeout: ")};
        QTest::newRow("client id and verbatim authorization") << ConfigEdit([=](Config &c) {
            usable(c);
            c.auth = AuthMode::Introspection;
            c.introspection.url = QStringLiteral("http://idp/introspect");
            c.introspection.clientId = QStringLiteral("gw");
            c.introspection.authorization = QStringLiteral("Basic Z3c6cw==");
        }) << QStringList{QStringLiteral("introspection-authorization: set either")};
        QTest::newRow("jwt, log level, destination allowlist")
            << ConfigEdit([=](Config &c) {
                   usable(c);
                   c.jwt.headerName = QStringLiteral("X JWT");
                   c.logLevel = QStringLiteral("verbose");
                   c.destinationAllow = QStringLiteral("*.x.com:99999");
               })
            << QStringList{QStringLiteral("destination-allow: \"*.x.com:99999\""),
                           QStringLiteral("jwt-header: \"X JWT\" is not a valid header name"),
                           QStringLiteral("log-level: expected debug, info, warn or error")};
        QTest::newRow("a required scope that breaks WWW-Authenticate's quoting")
            << ConfigEdit([=](Config &c) {
                   usable(c);
                   c.requiredScopes = {QStringLiteral("read"), QStringLiteral("a\"b")};
               })
            << QStringList{QStringLiteral("required-scopes: \"a\"b\" is not a scope token")};
        QTest::newRow("demo needs no upstream") << ConfigEdit([](Config &c) {
            c.demo = true;
            c.auth = AuthMode::None;
        }) << QStringList{};
        QTest::newRow("demo ignores a bad upstream") << ConfigEdit([](Config &c) {
            c.demo = true;
            c.auth = AuthMode::None;
            c.upstreamUrl = QStringLiteral("ftp://x");
        }) << QStringList{};
        QTest::newRow("workers") << ConfigEdit([=](Config &c) {
            usable(c);
            c.server.workers = 300;
        }) << QStringList{QStringLiteral("workers: ")};
        QTest::newRow("limits") << ConfigEdit([=](Config &c) {
            usable(c);
            c.server.limits.maxHeaderBytes = 100;
            c.server.limits.maxHeaderCount = 0;
            c.server.limits.maxConnections = 0;
        })
                                << QStringList{QStringLiteral("max-header-bytes: "),
                                               QStringLiteral("max-headers: "),
                                               QStringLiteral("max-connections: ")};
        QTest::newRow("timeouts") << ConfigEdit([=](Config &c) {
            usable(c);
            c.server.limits.idleTimeoutMs = 0;
            c.upstream.responseTimeoutMs = -1;
        }) << QStringList{QStringLiteral("idle-timeout: "), QStringLiteral("upstream-timeout: ")};
        QTest::newRow("unreadable CA file") << ConfigEdit([=](Config &c) {
            usable(c);
            c.upstream.caFile = QStringLiteral("/nonexistent/tokengate-ca.pem");
        }) << QStringList{QStringLiteral("upstream-ca-file: cannot read")};
        QTest::newRow("everything wrong")
            << ConfigEdit([](Config &c) {
                   c.upstreamUrl = QStringLiteral("gopher://x");
                   c.server.workers = -1;
               })
            << QStringList{QStringLiteral("upstream: "), QStringLiteral("introspection-url: "),
                           QStringLiteral("workers: ")};
    }
    void validate() {
        QFETCH(ConfigEdit, edit);
        QFETCH(QStringList, problemPrefixes);

        Config c;
        edit(c);
        const QStringList problems = c.validate();
        QCOMPARE(problems.size(), problemPrefixes.size());
        for (qsizetype i = 0; i < problems.size(); ++i)
            QVERIFY2(problems.at(i).startsWith(problemPrefixes.at(i)), qPrintable(problems.at(i)));
    }

    // A value the config file refuses is refused from the environment too, naming the variable.
    void environmentThenValidate() {
        QProcessEnvironment env;
        env.insert(QStringLiteral("TOKENGATE_UPSTREAM"), QStringLiteral("ftp://x/"));
        env.insert(QStringLiteral("TOKENGATE_AUTH"), QStringLiteral("none"));
        Config c;
        QStringList problems = applyEnvironment(c, env);
        problems << c.validate();
        QCOMPARE(problems.size(), 1);
        QVERIFY2(problems.first().startsWith(u"TOKENGATE_UPSTREAM: "),
                 qPrintable(problems.first()));
        QVERIFY2(problems.first().contains(u"ftp://x/"), qPrintable(problems.first()));
    }
};

QTEST_GUILESS_MAIN(TestConfigOptions)
#include "tst_configoptions.moc"
