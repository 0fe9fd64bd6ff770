// SPDX-License-Identifier: Apache-2.0
// tokengated's start-up as an operator meets it: the real binary, configured by environment,
// ./.env, *_FILE and the command line; refused configurations exit 1 naming every problem,
// insecure ones start with a warning, and no secret is ever echoed back.
#include "tests/support/daemonprocess.h"

#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

namespace {

struct Run {
    int exitCode = -1;
    QByteArray err;
};

// Runs tokengated to completion (configuration errors) in `dir` with exactly `env`.
Run runToExit(const QStringList &args, const QProcessEnvironment &env, const QString &dir) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.setWorkingDirectory(dir);
    p.start(qEnvironmentVariable("TOKENGATED"), args);
    Run r;
    if (!p.waitForFinished(15000)) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.exitCode = p.exitCode();
    r.err = p.readAllStandardError();
    return r;
}

QProcessEnvironment baseEnv() {
    return Tokengate::Test::DaemonProcess::baseEnvironment();
}

} // namespace

class TestDaemonConfig : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString write(const QString &name, const QByteArray &content) {
        QFile f(m_dir.filePath(name));
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return {};
        f.write(content);
        return f.fileName();
    }

private slots:
    void init() { QFile::remove(m_dir.filePath(QStringLiteral(".env"))); }

    void refusedConfigurations_data() {
        QTest::addColumn<QStringList>("env"); // NAME=value
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QStringList>("mentions"); // each must appear on stderr
        QTest::newRow("no introspection endpoint")
            << QStringList{} << QStringList{}
            << QStringList{QStringLiteral("SSO_INTROSPECTION"), QStringLiteral("--auth none")};
        QTest::newRow("unknown LOG_LEVEL")
            << QStringList{QStringLiteral("SSO_INTROSPECTION=http://127.0.0.1:1/i"),
                           QStringLiteral("LOG_LEVEL=verbose")}
            << QStringList{} << QStringList{QStringLiteral("LOG_LEVEL"), QStringLiteral("verbose")};
        QTest::newRow("bad SSL_SECURE and introspection URL, all named")
            << QStringList{QStringLiteral("SSO_INTROSPECTION=ftp://idp/"),
                           QStringLiteral("SSL_SECURE=perhaps")}
            << QStringList{}
            << QStringList{QStringLiteral("SSL_SECURE"), QStringLiteral("perhaps"),
                           QStringLiteral("only http and https")};
        QTest::newRow("unreadable secret file")
            << QStringList{QStringLiteral("SSO_INTROSPECTION=http://127.0.0.1:1/i"),
                           QStringLiteral("SSO_CLIENT_ID=gw"),
                           QStringLiteral("SSO_CLIENT_SECRET_FILE=/nonexistent/secret")}
            << QStringList{} << QStringList{QStringLiteral("SSO_CLIENT_SECRET_FILE")};
        QTest::newRow("secret and secret file both set")
            << QStringList{QStringLiteral("SSO_INTROSPECTION=http://127.0.0.1:1/i"),
                           QStringLiteral("JWT_SECRET=x"),
                           QStringLiteral("JWT_SECRET_FILE=/etc/hostname")}
            << QStringList{} << QStringList{QStringLiteral("set one, not both")};
        QTest::newRow("a secret on the command line is not accepted")
            << QStringList{QStringLiteral("SSO_INTROSPECTION=http://127.0.0.1:1/i")}
            << QStringList{QStringLiteral("--jwt-secret"), QStringLiteral("x")}
            << QStringList{QStringLiteral("jwt-secret")};
    }
    void refusedConfigurations() {
        QFETCH(QStringList, env);
        QFETCH(QStringList, args);
        QFETCH(QStringList, mentions);
        QProcessEnvironment e = baseEnv();
        for (const QString &kv : env)
            e.insert(kv.section(u'=', 0, 0), kv.section(u'=', 1));
        const Run r = runToExit(args, e, m_dir.path());
        QVERIFY2(r.exitCode == 1 || r.exitCode == 2, r.err.constData());
        for (const QString &m : mentions)
            QVERIFY2(r.err.contains(m.toUtf8()), r.err.constData());
    }

    // A .env in the working directory configures the gateway; the environment wins over it;
    // a malformed line is reported with its file and line number.
    void dotEnvIsReadAndEnvironmentWins() {
        write(QStringLiteral(".env"), "# microgateway settings\n"
                                      "SSO_INTROSPECTION=ftp://from-dotenv/\n"
                                      "LOG_LEVEL='verbose'\n");
        Run r = runToExit({}, baseEnv(), m_dir.path());
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("ftp://from-dotenv/"), r.err.constData());
        QVERIFY2(r.err.contains("verbose"), r.err.constData());

        QProcessEnvironment e = baseEnv();
        e.insert(QStringLiteral("LOG_LEVEL"), QStringLiteral("info"));
        e.insert(QStringLiteral("SSO_INTROSPECTION"), QStringLiteral("gopher://from-env/"));
        r = runToExit({}, e, m_dir.path());
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("gopher://from-env/"), r.err.constData());
        QVERIFY2(!r.err.contains("ftp://from-dotenv/"), r.err.constData());
        QVERIFY2(!r.err.contains("verbose"), r.err.constData());

        write(QStringLiteral(".env"), "SSO_INTROSPECTION=http://127.0.0.1:1/i\nnot a line\n");
        r = runToExit({}, baseEnv(), m_dir.path());
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(".env:2:"), r.err.constData());
    }

    // Insecure but valid choices start, each with a warning, and never print the secret.
    void insecureChoicesWarn() {
        QProcessEnvironment e = baseEnv();
        e.insert(QStringLiteral("SSO_INTROSPECTION"), QStringLiteral("http://127.0.0.1:1/i"));
        e.insert(QStringLiteral("SSO_CLIENT_ID"), QStringLiteral("gw"));
        e.insert(QStringLiteral("SSO_CLIENT_SECRET"), QStringLiteral("very-secret-value"));
        e.insert(QStringLiteral("JWT_HEADER_NAME"), QStringLiteral("X-Jwt"));
        e.insert(QStringLiteral("ALLOW_JWT_PASSTHROUGH"), QStringLiteral("true"));
        e.insert(QStringLiteral("ALLOW_MISSING_AUTH_HEADER"), QStringLiteral("true"));
        e.insert(QStringLiteral("SSL_SECURE"), QStringLiteral("false"));
        QProcess p;
        p.setProcessEnvironment(e);
        p.setWorkingDirectory(m_dir.path());
        p.start(qEnvironmentVariable("TOKENGATED"), {});
        QVERIFY(p.waitForStarted());
        QByteArray err;
        static const QRegularExpression banner(QStringLiteral("http://127\\.0\\.0\\.1:\\d+ -> "));
        QTRY_VERIFY_WITH_TIMEOUT(
            (err += p.readAllStandardError(), banner.match(QString::fromLatin1(err)).hasMatch() ||
                                                  p.state() == QProcess::NotRunning),
            15000);
        p.terminate();
        QVERIFY(p.waitForFinished(15000));
        err += p.readAllStandardError();
        QCOMPARE(p.exitCode(), 0);
        for (const char *warning :
             {"JWT_SECRET is the default", "ALLOW_JWT_PASSTHROUGH", "ALLOW_MISSING_AUTH_HEADER",
              "SSL_SECURE=false", "Destination mode without TOKENGATE_DESTINATION_ALLOW"})
            QVERIFY2(err.contains(warning), err.constData());
        QVERIFY(!err.contains("very-secret-value"));
    }
};

QTEST_GUILESS_MAIN(TestDaemonConfig)
#include "tst_daemonconfig.moc"
