// SPDX-License-Identifier: Apache-2.0
// introspection-microgateway's environment (README, "Switching from introspection-microgateway") as
// applyEnvironment reads it: each variable and its X_FILE form, TOKENGATE_* precedence, PORT, and
// what validate() and warnings() then say. Also the --<name>-file form of secret options on the
// command line.
#include "core/config/config.h"
#include "core/config/configoptions.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <functional>

using namespace Tokengate;

using ConfigField = std::function<QString(const Config &)>;
Q_DECLARE_METATYPE(ConfigField)

namespace {

QString onOff(bool on) {
    return on ? QStringLiteral("true") : QStringLiteral("false");
}

// The settings introspection-microgateway's variables reach, by a readable name.
ConfigField field(const char *name) {
    const QString n = QString::fromLatin1(name);
    return [n](const Config &c) -> QString {
        if (n == u"introspection.url")
            return c.introspection.url;
        if (n == u"introspection.clientId")
            return c.introspection.clientId;
        if (n == u"introspection.clientSecret")
            return c.introspection.clientSecret;
        if (n == u"jwt.headerName")
            return c.jwt.headerName;
        if (n == u"jwt.secret")
            return c.jwt.secret;
        if (n == u"jwt.allowPassthrough")
            return onOff(c.jwt.allowPassthrough);
        if (n == u"allowMissingToken")
            return onOff(c.allowMissingToken);
        if (n == u"upstream.verifyTls")
            return onOff(c.upstream.verifyTls);
        if (n == u"logLevel")
            return c.logLevel;
        qFatal("unknown field %s", qPrintable(n));
    };
}

QProcessEnvironment environment(const QStringList &assignments) {
    QProcessEnvironment env;
    for (const QString &a : assignments)
        env.insert(a.section(u'=', 0, 0), a.section(u'=', 1));
    return env;
}

QString listenText(const QHostAddress &address, quint16 port) {
    return address.toString() + u'|' + QString::number(port);
}

const ConfigOption &optionNamed(const char *name) {
    for (const ConfigOption &o : configOptions()) {
        if (o.name == QLatin1StringView(name))
            return o;
    }
    qFatal("no option %s", name);
}

bool anyStartsWith(const QStringList &list, const QString &prefix) {
    for (const QString &s : list) {
        if (s.startsWith(prefix))
            return true;
    }
    return false;
}

} // namespace

class TestMicrogatewayEnv : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString writeFile(const QString &name, const QByteArray &content) {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
            f.write(content) != content.size())
            qFatal("cannot write %s", qPrintable(path));
        return path;
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void defaults() {
        Config c;
        QCOMPARE(applyEnvironment(c, QProcessEnvironment()), QStringList());
        QCOMPARE(c.introspection.url, QString());
        QCOMPARE(c.jwt.headerName, QString());
        QCOMPARE(c.jwt.secret, QStringLiteral("secret"));
        QCOMPARE(c.jwt.allowPassthrough, false);
        QCOMPARE(c.allowMissingToken, false);
        QCOMPARE(c.upstream.verifyTls, true); // the documented default, not the code's false
        QCOMPARE(c.logLevel, QStringLiteral("info"));
        QCOMPARE(listenText(c.server.address, c.server.port),
                 listenText(QHostAddress(QHostAddress::LocalHost), 8080));
    }

    // Each variable, set directly and through X_FILE (a secret file ending in a newline).
    void variables_data() {
        QTest::addColumn<QString>("variable");
        QTest::addColumn<QString>("value");
        QTest::addColumn<ConfigField>("field");
        QTest::addColumn<QString>("expected");

        auto row = [](const char *variable, const char *value, const char *fieldName,
                      const char *expected) {
            QTest::addRow("%s=%s", variable, value)
                << QString::fromLatin1(variable) << QString::fromUtf8(value) << field(fieldName)
                << QString::fromUtf8(expected);
        };
        row("SSO_INTROSPECTION", "https://idp.example.com/oauth2/introspect", "introspection.url",
            "https://idp.example.com/oauth2/introspect");
        row("SSO_CLIENT_ID", "gateway", "introspection.clientId", "gateway");
        row("SSO_CLIENT_ID", "client:id", "introspection.clientId", "client:id");
        row("SSO_CLIENT_SECRET", "s+/=%&:", "introspection.clientSecret", "s+/=%&:");
        row("SSO_CLIENT_SECRET", "p\xc3\xa4ss word", "introspection.clientSecret",
            "p\xc3\xa4ss word");
        row("JWT_HEADER_NAME", "X-JWT-Assertion", "jwt.headerName", "X-JWT-Assertion");
        row("JWT_HEADER_NAME", " x-user-jwt ", "jwt.headerName", "x-user-jwt");
        row("JWT_SECRET", "hunter2", "jwt.secret", "hunter2");
        row("ALLOW_JWT_PASSTHROUGH", "true", "jwt.allowPassthrough", "true");
        row("ALLOW_JWT_PASSTHROUGH", "1", "jwt.allowPassthrough", "true");
        row("ALLOW_JWT_PASSTHROUGH", "false", "jwt.allowPassthrough", "false");
        row("ALLOW_JWT_PASSTHROUGH", "", "jwt.allowPassthrough", "false");
        row("ALLOW_MISSING_AUTH_HEADER", "true", "allowMissingToken", "true");
        row("ALLOW_MISSING_AUTH_HEADER", "TRUE", "allowMissingToken", "true");
        row("ALLOW_MISSING_AUTH_HEADER", "false", "allowMissingToken", "false");
        row("SSL_SECURE", "false", "upstream.verifyTls", "false");
        row("SSL_SECURE", "0", "upstream.verifyTls", "false");
        row("SSL_SECURE", "true", "upstream.verifyTls", "true");
        row("LOG_LEVEL", "debug", "logLevel", "debug");
        row("LOG_LEVEL", "WARN", "logLevel", "warn");
        row("LOG_LEVEL", "error", "logLevel", "error");
    }
    void variables() {
        QFETCH(QString, variable);
        QFETCH(QString, value);
        QFETCH(ConfigField, field);
        QFETCH(QString, expected);

        const QString before = field(Config());
        {
            QProcessEnvironment env;
            env.insert(variable, value);
            Config c;
            QCOMPARE(applyEnvironment(c, env), QStringList());
            QCOMPARE(field(c), expected);
        }
        for (const char *ending : {"\n", "", "\r\n"}) {
            QProcessEnvironment env;
            env.insert(variable + QStringLiteral("_FILE"),
                       writeFile(variable, value.toUtf8() + ending));
            Config c;
            QCOMPARE(applyEnvironment(c, env), QStringList());
            QCOMPARE(field(c), expected);
        }
        // Neither set: the default.
        Config c;
        QCOMPARE(applyEnvironment(c, environment({QStringLiteral("UNRELATED=1")})), QStringList());
        QCOMPARE(field(c), before);
    }

    void badValues_data() {
        QTest::addColumn<QStringList>("env");
        QTest::addColumn<QString>("problemStart");
        QTest::addColumn<ConfigField>("field");

        QTest::newRow("SSL_SECURE=maybe")
            << QStringList{QStringLiteral("SSL_SECURE=maybe")}
            << QStringLiteral("SSL_SECURE: expected true or false, got \"maybe\"")
            << field("upstream.verifyTls");
        QTest::newRow("ALLOW_MISSING_AUTH_HEADER=yes please")
            << QStringList{QStringLiteral("ALLOW_MISSING_AUTH_HEADER=yes please")}
            << QStringLiteral("ALLOW_MISSING_AUTH_HEADER: expected true or false")
            << field("allowMissingToken");
        QTest::newRow("X and X_FILE")
            << QStringList{QStringLiteral("JWT_SECRET=a"), QStringLiteral("JWT_SECRET_FILE=/x")}
            << QStringLiteral("JWT_SECRET and JWT_SECRET_FILE: set one, not both")
            << field("jwt.secret");
        QTest::newRow("unreadable X_FILE")
            << QStringList{QStringLiteral("SSO_CLIENT_SECRET_FILE=/nonexistent/tokengate/secret")}
            << QStringLiteral("SSO_CLIENT_SECRET_FILE: cannot read "
                              "\"/nonexistent/tokengate/secret\"")
            << field("introspection.clientSecret");
        QTest::newRow("unreadable switch file")
            << QStringList{QStringLiteral("SSL_SECURE_FILE=/nonexistent/tokengate/ssl")}
            << QStringLiteral("SSL_SECURE_FILE: cannot read") << field("upstream.verifyTls");
        // A secret file is small; a larger one is a wrong path (a log, an archive), never
        // silently cut to its first MiB.
        QTest::newRow("X_FILE over 1 MiB")
            << QStringList{QStringLiteral("SSO_CLIENT_SECRET_FILE=<file-over-1-MiB>")}
            << QStringLiteral("SSO_CLIENT_SECRET_FILE: \"") << field("introspection.clientSecret");
        QTest::newRow("bad value read from a file")
            << QStringList{QStringLiteral("SSL_SECURE_FILE=<file:nope>")}
            << QStringLiteral("SSL_SECURE_FILE: expected true or false (the value is not shown")
            << field("upstream.verifyTls");
    }
    void badValues() {
        QFETCH(QStringList, env);
        QFETCH(QString, problemStart);
        QFETCH(ConfigField, field);

        for (QString &assignment : env) {
            if (assignment.endsWith(QStringLiteral("=<file-over-1-MiB>"))) {
                assignment = assignment.section(u'=', 0, 0) + u'=' +
                             writeFile(QStringLiteral("big"), QByteArray((1 << 20) + 1, 's'));
            } else if (assignment.contains(QStringLiteral("=<file:"))) {
                const QString content = assignment.section(QStringLiteral("=<file:"), 1).chopped(1);
                assignment = assignment.section(u'=', 0, 0) + u'=' +
                             writeFile(QStringLiteral("bad"), content.toUtf8() + '\n');
            }
        }
        Config c;
        const QStringList problems = applyEnvironment(c, environment(env));
        QCOMPARE(problems.size(), 1);
        QVERIFY2(problems.first().startsWith(problemStart), qPrintable(problems.first()));
        QCOMPARE(field(c), field(Config())); // left at the default
    }

    void tokengateNameWins_data() {
        QTest::addColumn<QStringList>("env");
        QTest::addColumn<ConfigField>("field");
        QTest::addColumn<QString>("expected");

        auto row = [](const char *name, QStringList env, const char *fieldName,
                      const char *expected) {
            QTest::newRow(name) << env << field(fieldName) << QString::fromLatin1(expected);
        };
        auto l = [](std::initializer_list<const char *> items) {
            QStringList list;
            for (const char *i : items)
                list << QString::fromLatin1(i);
            return list;
        };
        row("introspection url",
            l({"SSO_INTROSPECTION=http://old/introspect",
               "TOKENGATE_INTROSPECTION_URL=http://new/introspect"}),
            "introspection.url", "http://new/introspect");
        row("client id", l({"SSO_CLIENT_ID=old", "TOKENGATE_CLIENT_ID=new"}),
            "introspection.clientId", "new");
        row("client secret", l({"SSO_CLIENT_SECRET=old", "TOKENGATE_CLIENT_SECRET=new"}),
            "introspection.clientSecret", "new");
        row("jwt header", l({"JWT_HEADER_NAME=X-Old", "TOKENGATE_JWT_HEADER=X-New"}),
            "jwt.headerName", "X-New");
        row("jwt secret", l({"JWT_SECRET=old", "TOKENGATE_JWT_SECRET=new"}), "jwt.secret", "new");
        row("log level", l({"LOG_LEVEL=debug", "TOKENGATE_LOG_LEVEL=error"}), "logLevel", "error");
        row("tls verify on", l({"SSL_SECURE=false", "TOKENGATE_TLS_VERIFY=true"}),
            "upstream.verifyTls", "true");
        row("tls verify off", l({"SSL_SECURE=true", "TOKENGATE_TLS_VERIFY=false"}),
            "upstream.verifyTls", "false");
        row("switch turned off",
            l({"ALLOW_JWT_PASSTHROUGH=true", "TOKENGATE_ALLOW_JWT_PASSTHROUGH=false"}),
            "jwt.allowPassthrough", "false");
        row("switch turned on",
            l({"ALLOW_JWT_PASSTHROUGH=false", "TOKENGATE_ALLOW_JWT_PASSTHROUGH=true"}),
            "jwt.allowPassthrough", "true");
        row("missing token turned off",
            l({"ALLOW_MISSING_AUTH_HEADER=true", "TOKENGATE_ALLOW_MISSING_TOKEN=false"}),
            "allowMissingToken", "false");
        row("bad compatibility value is not consulted",
            l({"SSL_SECURE=maybe", "TOKENGATE_TLS_VERIFY=true"}), "upstream.verifyTls", "true");
    }
    void tokengateNameWins() {
        QFETCH(QStringList, env);
        QFETCH(ConfigField, field);
        QFETCH(QString, expected);

        Config c;
        QCOMPARE(applyEnvironment(c, environment(env)), QStringList());
        QCOMPARE(field(c), expected);
        // Order of insertion does not matter.
        std::reverse(env.begin(), env.end());
        Config reversed;
        QCOMPARE(applyEnvironment(reversed, environment(env)), QStringList());
        QCOMPARE(field(reversed), expected);
    }

    void tokengateFileWins() {
        QProcessEnvironment env;
        env.insert(QStringLiteral("JWT_SECRET"), QStringLiteral("old"));
        env.insert(QStringLiteral("TOKENGATE_JWT_SECRET_FILE"),
                   writeFile(QStringLiteral("tg-secret"), "from-file\n"));
        Config c;
        QCOMPARE(applyEnvironment(c, env), QStringList());
        QCOMPARE(c.jwt.secret, QStringLiteral("from-file"));
    }

    void listen_data() {
        QTest::addColumn<QStringList>("env");
        QTest::addColumn<QString>("expected"); // address|port
        QTest::addColumn<QString>("problemStart");

        const QString any = QHostAddress(QHostAddress::Any).toString();
        const QString loopback = QHostAddress(QHostAddress::LocalHost).toString();
        auto row = [](const char *name, const QStringList &env, const QString &address, int port,
                      const char *problem = "") {
            QTest::newRow(name) << env << (address + u'|' + QString::number(port))
                                << QString::fromLatin1(problem);
        };
        const QString sso = QStringLiteral("SSO_INTROSPECTION=https://idp/introspect");
        row("nothing: loopback 8080", {}, loopback, 8080);
        row("PORT: all interfaces", {QStringLiteral("PORT=9000")}, any, 9000);
        row("PORT 1", {QStringLiteral("PORT=1")}, any, 1);
        row("PORT 65535", {QStringLiteral("PORT=65535")}, any, 65535);
        row("SSO_INTROSPECTION alone: all interfaces, 8080", {sso}, any, 8080);
        row("SSO_INTROSPECTION and PORT", {sso, QStringLiteral("PORT=3128")}, any, 3128);
        row("TOKENGATE_LISTEN beats PORT",
            {QStringLiteral("PORT=9000"), QStringLiteral("TOKENGATE_LISTEN=127.0.0.1:7000")},
            QStringLiteral("127.0.0.1"), 7000);
        row("TOKENGATE_LISTEN with SSO_INTROSPECTION",
            {sso, QStringLiteral("TOKENGATE_LISTEN=[::1]:7001")}, QStringLiteral("::1"), 7001);
        row("TOKENGATE_LISTEN: a bad PORT is ignored",
            {QStringLiteral("PORT=abc"), QStringLiteral("TOKENGATE_LISTEN=127.0.0.1:7000")},
            QStringLiteral("127.0.0.1"), 7000);
        row("TOKENGATE_LISTEN only", {QStringLiteral("TOKENGATE_LISTEN=*:7002")}, any, 7002);
        row("bad PORT", {QStringLiteral("PORT=abc")}, loopback, 8080, "PORT: ");
        row("PORT 0", {QStringLiteral("PORT=0")}, loopback, 8080, "PORT: ");
        row("PORT 65536", {QStringLiteral("PORT=65536")}, loopback, 8080, "PORT: ");
        row("PORT -1", {QStringLiteral("PORT=-1")}, loopback, 8080, "PORT: ");
        row("PORT with a host", {QStringLiteral("PORT=127.0.0.1:80")}, loopback, 8080, "PORT: ");
        row("bad PORT with SSO_INTROSPECTION", {sso, QStringLiteral("PORT=http")}, loopback, 8080,
            "PORT: ");
        row("bad TOKENGATE_LISTEN, PORT ignored",
            {QStringLiteral("PORT=9000"), QStringLiteral("TOKENGATE_LISTEN=nowhere")}, loopback,
            8080, "TOKENGATE_LISTEN: ");
    }
    void listen() {
        QFETCH(QStringList, env);
        QFETCH(QString, expected);
        QFETCH(QString, problemStart);

        Config c;
        const QStringList problems = applyEnvironment(c, environment(env));
        if (problemStart.isEmpty()) {
            QCOMPARE(problems, QStringList());
        } else {
            QCOMPARE(problems.size(), 1);
            QVERIFY2(problems.first().startsWith(problemStart), qPrintable(problems.first()));
        }
        QCOMPARE(listenText(c.server.address, c.server.port), expected);
    }

    void listenAnyIsQHostAddressAny() {
        Config c;
        QCOMPARE(applyEnvironment(c, environment({QStringLiteral("PORT=9000")})), QStringList());
        QCOMPARE(c.server.address, QHostAddress(QHostAddress::Any));
        QCOMPARE(c.server.port, quint16(9000));
    }

    // Docker secrets users may give the endpoint only as a file: still the container mode.
    void introspectionFileListensOnAllInterfaces() {
        QProcessEnvironment env;
        env.insert(QStringLiteral("SSO_INTROSPECTION_FILE"),
                   writeFile(QStringLiteral("url"), "https://idp/introspect\n"));
        Config c;
        QCOMPARE(applyEnvironment(c, env), QStringList());
        QCOMPARE(c.introspection.url, QStringLiteral("https://idp/introspect"));
        QCOMPARE(c.server.address, QHostAddress(QHostAddress::Any));
        QCOMPARE(c.server.port, quint16(8080));
    }

    void validate_data() {
        QTest::addColumn<QStringList>("env");
        QTest::addColumn<QStringList>("problemStarts");

        const QStringList usable{QStringLiteral("SSO_INTROSPECTION=https://idp/introspect"),
                                 QStringLiteral("SSO_CLIENT_ID=gw"),
                                 QStringLiteral("SSO_CLIENT_SECRET=s")};
        QTest::newRow("usable") << usable << QStringList{};
        QTest::newRow("with JWT") << usable + QStringList{QStringLiteral("JWT_HEADER_NAME=X-JWT")}
                                  << QStringList{};
        for (const char *level : {"debug", "info", "warn", "error", "Info"}) {
            QTest::addRow("LOG_LEVEL=%s", level)
                << usable + QStringList{QStringLiteral("LOG_LEVEL=") + QLatin1StringView(level)}
                << QStringList{};
        }
        for (const char *level : {"verbose", "warning", "trace", ""}) {
            QTest::addRow("LOG_LEVEL=%s", level)
                << usable + QStringList{QStringLiteral("LOG_LEVEL=") + QLatin1StringView(level)}
                << QStringList{QStringLiteral("LOG_LEVEL: expected debug, info, warn or error, "
                                              "got \"%1\"")
                                   .arg(QLatin1StringView(level))};
        }
        QTest::newRow("no SSO_INTROSPECTION")
            << QStringList{QStringLiteral("SSO_CLIENT_ID=gw"), QStringLiteral("PORT=9000")}
            << QStringList{QStringLiteral("introspection-url: no introspection endpoint "
                                          "(SSO_INTROSPECTION")};
        QTest::newRow("secret without id")
            << QStringList{QStringLiteral("SSO_INTROSPECTION=https://idp/introspect"),
                           QStringLiteral("SSO_CLIENT_SECRET=s")}
            << QStringList{QStringLiteral("client-id: ")};
        QTest::newRow("ftp introspection")
            << QStringList{QStringLiteral("SSO_INTROSPECTION=ftp://idp/introspect")}
            << QStringList{QStringLiteral("SSO_INTROSPECTION: only http and https"),
                           QStringLiteral("introspection-url: no introspection endpoint")};
        QTest::newRow("bad JWT header name")
            << usable + QStringList{QStringLiteral("JWT_HEADER_NAME=X JWT")}
            << QStringList{QStringLiteral("JWT_HEADER_NAME: \"X JWT\" is not a valid header name")};
        QTest::newRow("empty JWT secret")
            << usable + QStringList{QStringLiteral("JWT_HEADER_NAME=X-JWT"),
                                    QStringLiteral("JWT_SECRET=")}
            << QStringList{QStringLiteral("jwt-secret: must not be empty")};
    }
    void validate() {
        QFETCH(QStringList, env);
        QFETCH(QStringList, problemStarts);

        Config c;
        // A value the file would refuse is refused as it is read, as in the file.
        QStringList problems = applyEnvironment(c, environment(env));
        problems << c.validate();
        QCOMPARE(problems.size(), problemStarts.size());
        for (qsizetype i = 0; i < problems.size(); ++i)
            QVERIFY2(problems.at(i).startsWith(problemStarts.at(i)), qPrintable(problems.at(i)));
    }

    void warnings_data() {
        QTest::addColumn<QStringList>("env");
        QTest::addColumn<bool>("defaultSecret");
        QTest::addColumn<bool>("passthrough");
        QTest::addColumn<bool>("missingAuth");
        QTest::addColumn<bool>("insecureTls");

        const QStringList base{QStringLiteral("SSO_INTROSPECTION=https://idp/introspect"),
                               QStringLiteral("SSO_CLIENT_ID=gw"),
                               QStringLiteral("SSO_CLIENT_SECRET=s")};
        auto with = [&](std::initializer_list<const char *> more) {
            QStringList env = base;
            for (const char *m : more)
                env << QString::fromLatin1(m);
            return env;
        };
        QTest::newRow("none") << base << false << false << false << false;
        QTest::newRow("JWT with the default secret")
            << with({"JWT_HEADER_NAME=X-JWT"}) << true << false << false << false;
        QTest::newRow("JWT with a secret")
            << with({"JWT_HEADER_NAME=X-JWT", "JWT_SECRET=long-random"}) << false << false << false
            << false;
        QTest::newRow("JWT secret spelled out as the default")
            << with({"JWT_HEADER_NAME=X-JWT", "JWT_SECRET=secret"}) << true << false << false
            << false;
        QTest::newRow("default secret without JWT is harmless")
            << with({"ALLOW_JWT_PASSTHROUGH=true"}) << false << false << false << false;
        QTest::newRow("passthrough")
            << with({"JWT_HEADER_NAME=X-JWT", "JWT_SECRET=k", "ALLOW_JWT_PASSTHROUGH=true"})
            << false << true << false << false;
        QTest::newRow("missing auth allowed")
            << with({"ALLOW_MISSING_AUTH_HEADER=true"}) << false << false << true << false;
        QTest::newRow("SSL_SECURE=false")
            << with({"SSL_SECURE=false"}) << false << false << false << true;
        QTest::newRow("everything") << with({"JWT_HEADER_NAME=X-JWT", "ALLOW_JWT_PASSTHROUGH=1",
                                             "ALLOW_MISSING_AUTH_HEADER=1", "SSL_SECURE=0"})
                                    << true << true << true << true;
    }
    void warnings() {
        QFETCH(QStringList, env);
        QFETCH(bool, defaultSecret);
        QFETCH(bool, passthrough);
        QFETCH(bool, missingAuth);
        QFETCH(bool, insecureTls);

        Config c;
        QCOMPARE(applyEnvironment(c, environment(env)), QStringList());
        QCOMPARE(c.validate(), QStringList());
        const QStringList w = c.warnings();
        QCOMPARE(anyStartsWith(w, QStringLiteral("JWT_SECRET is the default")), defaultSecret);
        QCOMPARE(anyStartsWith(w, QStringLiteral("ALLOW_JWT_PASSTHROUGH")), passthrough);
        QCOMPARE(anyStartsWith(w, QStringLiteral("ALLOW_MISSING_AUTH_HEADER")), missingAuth);
        QCOMPARE(anyStartsWith(w, QStringLiteral("SSL_SECURE=false")), insecureTls);
        for (const QString &warning : w) {
            QVERIFY2(!warning.contains(u"long-random"), qPrintable(warning)); // no secrets
        }
    }

    void commandLineName_data() {
        QTest::addColumn<QString>("option");
        QTest::addColumn<QString>("commandLine");
        auto row = [](const char *option, const char *commandLine) {
            QTest::newRow(option) << QString::fromLatin1(option)
                                  << QString::fromLatin1(commandLine);
        };
        row("client-secret", "client-secret-file");
        row("jwt-secret", "jwt-secret-file");
        row("introspection-authorization", "introspection-authorization-file");
        row("client-id", "client-id");
        row("introspection-url", "introspection-url");
        row("jwt-header", "jwt-header");
        row("tls-verify", "tls-verify");
        row("log-level", "log-level");
        row("listen", "listen");
    }
    void commandLineName() {
        QFETCH(QString, option);
        QFETCH(QString, commandLine);
        QCOMPARE(Tokengate::commandLineName(optionNamed(qPrintable(option))), commandLine);
    }

    // Every secret is --<name>-file, and no two options share a command-line name.
    void secretsOnlyAsFiles() {
        QSet<QString> names;
        for (const ConfigOption &o : configOptions()) {
            const QString name = Tokengate::commandLineName(o);
            QCOMPARE(name.endsWith(QStringLiteral("-file")), o.secret || o.name.endsWith(u"-file"));
            QVERIFY2(!names.contains(name), qPrintable(name));
            names.insert(name);
        }
        QVERIFY(optionNamed("client-secret").secret);
        QVERIFY(optionNamed("jwt-secret").secret);
        QVERIFY(!optionNamed("client-id").secret);
    }

    void applyCommandLineSecretReadsFile_data() {
        QTest::addColumn<QString>("option");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<ConfigField>("field");
        QTest::addColumn<QString>("expected");
        QTest::newRow("jwt-secret") << QStringLiteral("jwt-secret") << QByteArray("k3y\n")
                                    << field("jwt.secret") << QStringLiteral("k3y");
        QTest::newRow("client-secret, no newline")
            << QStringLiteral("client-secret") << QByteArray("s+/=%&:")
            << field("introspection.clientSecret") << QStringLiteral("s+/=%&:");
        QTest::newRow("client-secret, CRLF and blanks kept")
            << QStringLiteral("client-secret") << QByteArray(" a b \r\n")
            << field("introspection.clientSecret") << QStringLiteral(" a b ");
        QTest::newRow("inner newline kept")
            << QStringLiteral("jwt-secret") << QByteArray("l1\nl2\n\n") << field("jwt.secret")
            << QStringLiteral("l1\nl2");
    }
    void applyCommandLineSecretReadsFile() {
        QFETCH(QString, option);
        QFETCH(QByteArray, content);
        QFETCH(ConfigField, field);
        QFETCH(QString, expected);

        const QString path = writeFile(QStringLiteral("cli-secret"), content);
        Config c;
        QCOMPARE(applyCommandLine(optionNamed(qPrintable(option)), c, path), QString());
        QCOMPARE(field(c), expected);

        // The path itself is never taken as the secret; an unreadable path is an error.
        Config d;
        const QString error = applyCommandLine(optionNamed(qPrintable(option)), d,
                                               QStringLiteral("/nonexistent/tokengate/s"));
        QVERIFY2(error.startsWith(QStringLiteral("cannot read \"/nonexistent/tokengate/s\"")),
                 qPrintable(error));
        QCOMPARE(field(d), field(Config()));
    }

    void applyCommandLinePlainValues() {
        Config c;
        QCOMPARE(applyCommandLine(optionNamed("jwt-header"), c, QStringLiteral("X-JWT")),
                 QString());
        QCOMPARE(c.jwt.headerName, QStringLiteral("X-JWT"));
        QCOMPARE(applyCommandLine(optionNamed("client-id"), c, QStringLiteral("gw")), QString());
        QCOMPARE(c.introspection.clientId, QStringLiteral("gw"));
        QCOMPARE(applyCommandLine(optionNamed("tls-verify"), c, QStringLiteral("false")),
                 QString());
        QCOMPARE(c.upstream.verifyTls, false);
        QVERIFY(!applyCommandLine(optionNamed("tls-verify"), c, QStringLiteral("nah")).isEmpty());
        QCOMPARE(c.upstream.verifyTls, false);
    }

    // The compatibility names are exactly introspection-microgateway's.
    void compatNames() {
        QStringList all;
        for (const ConfigOption &o : configOptions())
            all += o.compatEnv;
        all.sort();
        QCOMPARE(all,
                 (QStringList{QStringLiteral("ALLOW_JWT_PASSTHROUGH"),
                              QStringLiteral("ALLOW_MISSING_AUTH_HEADER"),
                              QStringLiteral("JWT_HEADER_NAME"), QStringLiteral("JWT_SECRET"),
                              QStringLiteral("LOG_LEVEL"), QStringLiteral("SSL_SECURE"),
                              QStringLiteral("SSO_CLIENT_ID"), QStringLiteral("SSO_CLIENT_SECRET"),
                              QStringLiteral("SSO_INTROSPECTION")}));
    }
};

QTEST_GUILESS_MAIN(TestMicrogatewayEnv)
#include "tst_microgatewayenv.moc"
