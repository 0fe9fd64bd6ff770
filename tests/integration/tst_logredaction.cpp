// SPDX-License-Identifier: Apache-2.0
// No token, client secret, JWT secret or minted JWT ever reaches tokengated's logs (stderr
// diagnostics at debug level, in both formats, and the access log), whatever goes wrong:
// refused and malformed tokens, an IdP that rejects our client or is down, reloads with
// good and bad secrets, oversized headers, --check-config.
#include "core/devidp/demoidp.h"
#include "tests/support/daemonprocess.h"
#include "tests/support/gatewayfixture.h"
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"

#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

int statusOf(quint16 port, const QByteArray &target, const QByteArray &headers) {
    const auto r = requestOnce(port, "GET", target, headers);
    return r ? r->status : -1;
}

QByteArray bearer(const QByteArray &token) {
    return "Authorization: Bearer " + token + "\r\n";
}

} // namespace

class TestLogRedaction : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    void writeDotEnv(const QByteArray &content) {
        QVERIFY(DaemonProcess::writeDotEnv(m_dir.path(), content));
    }

private slots:
    void failurePaths_data() {
        QTest::addColumn<QString>("logFormat");
        QTest::newRow("text") << QStringLiteral("text");
        QTest::newRow("json") << QStringLiteral("json");
    }

    void failurePaths() {
        QFETCH(QString, logFormat);
        const QByteArray clientSecret = "client-secret-Qx7Vb2";
        const QByteArray wrongSecret = "wrong-secret-Hk4Lp9";
        const QByteArray jwtSecret = "jwt-secret-Zr8Tn3";
        const QByteArray rejectedJwtSecret = "jwt-secret-in-bad-reload-Mw5Yc1";
        DemoIdp idp;
        idp.setClient("gateway", clientSecret);
        QString why;
        QVERIFY2(idp.start(0, &why), qPrintable(why));
        ScriptedUpstream upstream(ScriptedUpstream::answerEachRequest());

        QList<QByteArray> secrets{clientSecret, wrongSecret, jwtSecret, rejectedJwtSecret};
        const QByteArray dotEnvBase = "SSO_INTROSPECTION=" + idp.introspectionUrl().toUtf8() +
                                      "\nSSO_CLIENT_ID=gateway\nJWT_HEADER_NAME=X-Jwt\n"
                                      "TOKENGATE_CACHE_TTL=30\n";
        writeDotEnv(dotEnvBase + "SSO_CLIENT_SECRET=" + clientSecret + "\nJWT_SECRET=" + jwtSecret +
                    "\n");
        QProcessEnvironment env = DaemonProcess::baseEnvironment();
        env.insert(QStringLiteral("TOKENGATE_UPSTREAM"), upstream.url());
        env.insert(QStringLiteral("LOG_LEVEL"), QStringLiteral("debug"));
        env.insert(QStringLiteral("TOKENGATE_LOG_FORMAT"), logFormat);
        DaemonProcess d;
        QVERIFY2(d.start({}, env, m_dir.path()), d.err().constData());

        const QByteArray good = idp.mint(QStringLiteral("alice"), QStringLiteral("read"), 600);
        const QByteArray revoked = idp.mint(QStringLiteral("bob"), QStringLiteral("read"), 600);
        idp.revoke(revoked);
        const QByteArray garbage = "garbage-token-Vd3Kq8";
        secrets << good << revoked << garbage;

        QCOMPARE(statusOf(d.port(), "/ok", bearer(good)), 200);
        QCOMPARE(statusOf(d.port(), "/cached", bearer(good)), 200);
        QCOMPARE(statusOf(d.port(), "/revoked", bearer(revoked)), 401);
        QCOMPARE(statusOf(d.port(), "/garbage", bearer(garbage)), 401);
        QCOMPARE(statusOf(d.port(), "/q?access_token=" + good + "&x=1", {}), 401);
        QCOMPARE(statusOf(d.port(), "/basic", "Authorization: Basic " + garbage + "\r\n"), 401);
        QCOMPARE(statusOf(d.port(), "/spaces", "Authorization: Bearer  " + garbage + " x\r\n"),
                 401);
        QCOMPARE(statusOf(d.port(), "/huge", bearer(garbage + QByteArray(70000, 'a'))), 431);

        // The IdP turns our client away (a wrong secret after a reload).
        writeDotEnv(dotEnvBase + "SSO_CLIENT_SECRET=" + wrongSecret + "\nJWT_SECRET=" + jwtSecret +
                    "\n");
        QVERIFY(d.signal(SIGHUP));
        QVERIFY(waitFor([&] { return d.err().count("reload done") == 1; }));
        const QByteArray fresh = idp.mint(QStringLiteral("carol"), QStringLiteral("read"), 600);
        secrets << fresh;
        QCOMPARE(statusOf(d.port(), "/rejected", bearer(fresh)), 503);

        // A reload refused for another reason, carrying a new secret.
        writeDotEnv(dotEnvBase + "SSO_CLIENT_SECRET=" + clientSecret +
                    "\nJWT_SECRET=" + rejectedJwtSecret + "\nTOKENGATE_FORWARDED=sideways\n");
        QVERIFY(d.signal(SIGHUP));
        QVERIFY(d.waitForOutput("reload refused"));

        // The IdP is down.
        writeDotEnv(
            "SSO_INTROSPECTION=http://127.0.0.1:" + QByteArray::number(closedLoopbackPort()) +
            "/introspect\nSSO_CLIENT_ID=gateway\nSSO_CLIENT_SECRET=" + clientSecret +
            "\nJWT_HEADER_NAME=X-Jwt\nJWT_SECRET=" + jwtSecret + "\n");
        QVERIFY(d.signal(SIGHUP));
        QVERIFY(waitFor([&] { return d.err().count("reload done") == 2; }));
        const QByteArray unlucky = idp.mint(QStringLiteral("dave"), QStringLiteral("read"), 600);
        secrets << unlucky;
        QCOMPARE(statusOf(d.port(), "/down", bearer(unlucky)), 503);

        QVERIFY(d.signal(SIGTERM));
        QCOMPARE(d.waitForExit(), 0);

        // The JWTs the upstream received are credentials too.
        for (const auto &c : upstream.connections()) {
            for (const QByteArray &line : c.received.split('\n')) {
                if (line.startsWith("X-Jwt: "))
                    secrets << line.mid(7).trimmed();
            }
        }
        QVERIFY(secrets.size() > 8); // at least one JWT reached the upstream

        QProcess check;
        check.setProcessEnvironment(env);
        check.setWorkingDirectory(m_dir.path());
        check.start(qEnvironmentVariable("TOKENGATED"), {QStringLiteral("--check-config")});
        QVERIFY(check.waitForFinished(15000));
        QCOMPARE(check.exitCode(), 0);

        const QByteArray logs =
            d.err() + d.out() + check.readAllStandardOutput() + check.readAllStandardError();
        // The logs are there to be read: the failures above are all in them.
        for (const char *reason : {"token_inactive", "idp_rejected_client", "idp_unreachable",
                                   "header_too_large", "reload refused"})
            QVERIFY2(logs.contains(reason), reason);
        for (const QByteArray &secret : std::as_const(secrets)) {
            QVERIFY2(!logs.contains(secret), secret.constData());
            // A fragment is a leak too (a JWT's signature, a token cut short).
            QVERIFY2(!logs.contains(secret.right(12)), secret.constData());
        }
    }
};

QTEST_GUILESS_MAIN(TestLogRedaction)
#include "tst_logredaction.moc"
