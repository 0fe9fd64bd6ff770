// SPDX-License-Identifier: Apache-2.0
// End to end against an OAuth server nobody on the team wrote: oidc-provider (npm, pinned in
// tests/e2e/oidc/package-lock.json) on loopback, and the real tokengated binary configured
// the introspection-microgateway way (environment only, Destination header). Mint a token
// with client credentials, pass it through, revoke it, see 401.
#include "tests/support/gatewayfixture.h"
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"

#include "core/base/formencoding.h"
#include "core/devidp/echohandler.h"
#include "core/server/httpserver.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

// Reads from a child process until `done` holds on its accumulated output (bounded).
bool readUntil(QProcess &process, QProcess::ProcessChannel channel, QByteArray &buffer,
               const std::function<bool(const QByteArray &)> &done, int timeoutMs) {
    return waitFor(
               [&] {
                   process.setReadChannel(channel);
                   buffer += process.readAll();
                   return done(buffer) || process.state() == QProcess::NotRunning;
               },
               timeoutMs) &&
           done(buffer);
}

void stop(QProcess &process) {
    if (process.state() == QProcess::NotRunning)
        return;
    process.terminate();
    if (!process.waitForFinished(5000)) {
        process.kill();
        process.waitForFinished(5000);
    }
}

QByteArray pathOf(const QString &url) {
    return QUrl(url).path(QUrl::FullyEncoded).toLatin1();
}

} // namespace

class TestOidcProvider : public QObject {
    Q_OBJECT

private:
    QProcess m_provider;
    QJsonObject m_info; // the provider's JSON line: endpoints and client credentials
    QProcess m_gateway;
    QByteArray m_gatewayErr;
    quint16 m_gatewayPort = 0;
    QProcess m_cachingGateway; // the same with TOKENGATE_CACHE_TTL
    QByteArray m_cachingGatewayErr;
    quint16 m_cachingGatewayPort = 0;

    // Starts tokengated with `env`; its port once it printed its banner, 0 if it did not.
    quint16 startGateway(QProcess &gateway, QByteArray &err, const QProcessEnvironment &env) {
        gateway.setProcessEnvironment(env);
        gateway.setWorkingDirectory(m_secretDir.path()); // no stray .env
        gateway.start(qEnvironmentVariable("TOKENGATED"), {});
        if (!gateway.waitForStarted(10000))
            return 0;
        static const QRegularExpression banner(QStringLiteral("http://127\\.0\\.0\\.1:(\\d+) -> "));
        readUntil(
            gateway, QProcess::StandardError, err,
            [](const QByteArray &b) { return banner.match(QString::fromLatin1(b)).hasMatch(); },
            15000);
        return quint16(banner.match(QString::fromLatin1(err)).captured(1).toUInt());
    }
    std::unique_ptr<HttpServer> m_echo;

    quint16 providerPort() const { return quint16(m_info.value(u"port").toInt()); }
    QByteArray basic() const {
        return basicAuthorization(m_info.value(u"client_id").toString().toUtf8(),
                                  m_info.value(u"client_secret").toString().toUtf8());
    }

    // One form POST to the provider, answered as JSON (status in `status`).
    QJsonObject postToProvider(const QString &endpoint, const QByteArray &form, int *status) {
        RawClient c;
        if (!c.connectTo(providerPort()))
            return {};
        c.send("POST " + pathOf(endpoint) + " HTTP/1.1\r\nHost: 127.0.0.1:" +
               QByteArray::number(providerPort()) + "\r\nAuthorization: " + basic() +
               "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
               QByteArray::number(form.size()) + "\r\nConnection: close\r\n\r\n" + form);
        const auto r = c.readResponse(15000);
        if (!r)
            return {};
        *status = r->status;
        return QJsonDocument::fromJson(r->body).object();
    }

    QByteArray clientCredentialsToken() {
        int status = 0;
        const QJsonObject token =
            postToProvider(m_info.value(u"token_endpoint").toString(),
                           "grant_type=client_credentials&scope=read+write", &status);
        if (status != 200)
            qWarning() << "token endpoint answered" << status << token;
        return token.value(u"access_token").toString().toLatin1();
    }

    std::optional<ReceivedResponse> throughGateway(const QByteArray &authorization,
                                                   quint16 port = 0) {
        RawClient c;
        if (!c.connectTo(port ? port : m_gatewayPort))
            return std::nullopt;
        const QByteArray echo = "http://127.0.0.1:" + QByteArray::number(m_echo->port());
        c.send("GET /orders/7?x=%41 HTTP/1.1\r\nHost: api.test\r\nDestination: " + echo +
               "/v1\r\n" + (authorization.isEmpty() ? QByteArray() : authorization + "\r\n") +
               "\r\n");
        return c.readResponse(15000);
    }

private slots:
    void initTestCase() {
        const QString dir = QStringLiteral(TOKENGATE_E2E_OIDC_DIR);
        QVERIFY2(QDir(dir + QStringLiteral("/node_modules/oidc-provider")).exists(),
                 "oidc-provider is not installed: run .ci/setup (npm ci in tests/e2e/oidc)");

        m_provider.setWorkingDirectory(dir);
        QProcessEnvironment penv = QProcessEnvironment::systemEnvironment();
        penv.insert(QStringLiteral("OIDC_PORT"), QStringLiteral("0"));
        m_provider.setProcessEnvironment(penv);
        m_provider.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_provider.start(QStringLiteral("node"), {QStringLiteral("provider.mjs")});
        QVERIFY2(m_provider.waitForStarted(10000), qPrintable(m_provider.errorString()));
        QByteArray line;
        QVERIFY2(readUntil(
                     m_provider, QProcess::StandardOutput, line,
                     [](const QByteArray &b) { return b.contains('\n'); }, 30000),
                 "oidc-provider printed no JSON line");
        m_info = QJsonDocument::fromJson(line.left(line.indexOf('\n'))).object();
        QVERIFY2(providerPort() > 0, line.constData());

        QString error;
        m_echo = startEchoUpstream(&error);
        QVERIFY2(m_echo, qPrintable(error));

        // Configured exactly as an introspection-microgateway deployment is: its variables,
        // the client secret from a file, and no upstream (Destination header mode).
        QVERIFY(m_secretDir.isValid());
        const QString secretFile = m_secretDir.filePath(QStringLiteral("sso_client_secret"));
        QFile f(secretFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(m_info.value(u"client_secret").toString().toUtf8() + '\n');
        f.close();
        QProcessEnvironment genv = QProcessEnvironment::systemEnvironment();
        genv.insert(QStringLiteral("SSO_INTROSPECTION"),
                    m_info.value(u"introspection_endpoint").toString());
        genv.insert(QStringLiteral("SSO_CLIENT_ID"), m_info.value(u"client_id").toString());
        genv.insert(QStringLiteral("SSO_CLIENT_SECRET_FILE"), secretFile);
        genv.insert(QStringLiteral("JWT_HEADER_NAME"), QStringLiteral("X-User-Jwt"));
        genv.insert(QStringLiteral("JWT_SECRET"), QStringLiteral("e2e-jwt-secret"));
        genv.insert(QStringLiteral("TOKENGATE_LISTEN"), QStringLiteral("127.0.0.1:0"));
        genv.insert(QStringLiteral("TOKENGATE_WORKERS"), QStringLiteral("1"));
        m_gatewayPort = startGateway(m_gateway, m_gatewayErr, genv);
        QVERIFY2(m_gatewayPort > 0, m_gatewayErr.constData());
        genv.insert(QStringLiteral("TOKENGATE_CACHE_TTL"), QStringLiteral("2"));
        m_cachingGatewayPort = startGateway(m_cachingGateway, m_cachingGatewayErr, genv);
        QVERIFY2(m_cachingGatewayPort > 0, m_cachingGatewayErr.constData());
    }

    void cleanupTestCase() {
        stop(m_gateway);
        stop(m_cachingGateway);
        stop(m_provider);
        m_echo.reset();
    }

    void mintPassRevokeRefuse() {
        const QByteArray token = clientCredentialsToken();
        QVERIFY(!token.isEmpty());

        auto r = throughGateway("Authorization: Bearer " + token);
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        const QJsonObject echoed = QJsonDocument::fromJson(r->body).object();
        QCOMPARE(echoed.value(u"target").toString(), QStringLiteral("/v1/orders/7?x=%41"));
        QByteArray jwt;
        for (const auto &h : echoed.value(u"headers").toArray()) {
            if (h.toArray().at(0).toString() == u"X-User-Jwt")
                jwt = h.toArray().at(1).toString().toLatin1();
        }
        const QList<QByteArray> parts = jwt.split('.');
        QCOMPARE(parts.size(), 3);
        const QJsonObject claims =
            QJsonDocument::fromJson(QByteArray::fromBase64(parts[1], QByteArray::Base64UrlEncoding))
                .object();
        QCOMPARE(claims.value(u"active").toBool(), true);
        QCOMPARE(claims.value(u"client_id").toString(), m_info.value(u"client_id").toString());
        QCOMPARE(claims.value(u"scope").toString(), QStringLiteral("read write"));
        QVERIFY(claims.value(u"exp").toDouble() > claims.value(u"iat").toDouble());

        int status = 0;
        postToProvider(m_info.value(u"revocation_endpoint").toString(),
                       "token=" + formEncode(token), &status);
        QCOMPARE(status, 200);

        r = throughGateway("Authorization: Bearer " + token);
        QVERIFY(r);
        QCOMPARE(r->status, 401);
        QCOMPARE(r->body, QByteArray("Access Token is invalid"));
        QCOMPARE(r->headers.value("WWW-Authenticate"),
                 QByteArray("Bearer error=\"invalid_token\""));
    }

    // With TOKENGATE_CACHE_TTL=2 a revoked token stays accepted until its cache entry
    // expires, and not longer: the trade-off the README describes, against a real IdP.
    void revocationTakesEffectAfterTheCacheTtl() {
        const QByteArray token = clientCredentialsToken();
        QVERIFY(!token.isEmpty());
        QElapsedTimer sinceCached;
        auto r = throughGateway("Authorization: Bearer " + token, m_cachingGatewayPort);
        sinceCached.start();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        int status = 0;
        postToProvider(m_info.value(u"revocation_endpoint").toString(),
                       "token=" + formEncode(token), &status);
        QCOMPARE(status, 200);
        r = throughGateway("Authorization: Bearer " + token, m_cachingGatewayPort);
        QVERIFY(r);
        if (sinceCached.elapsed() < 1500) // only meaningful while surely inside the TTL
            QCOMPARE(r->status, 200);
        // The uncached gateway sees the revocation at once.
        QCOMPARE(throughGateway("Authorization: Bearer " + token)->status, 401);
        QTRY_COMPARE_WITH_TIMEOUT(
            throughGateway("Authorization: Bearer " + token, m_cachingGatewayPort)->status, 401,
            5000);
        QVERIFY2(sinceCached.elapsed() >= 2000, QByteArray::number(sinceCached.elapsed()));
    }

    void withoutOrWithForeignTokens() {
        auto r = throughGateway({});
        QVERIFY(r);
        QCOMPARE(r->status, 401);
        QCOMPARE(r->body, QByteArray("Access Token needed for the given URL"));
        r = throughGateway("Authorization: Bearer not-a-token-of-this-provider");
        QVERIFY(r);
        QCOMPARE(r->status, 401);
    }

    // The gateway never wrote a token: not in its stderr log nor in its access log on stdout.
    void noTokenInTheGatewaysOutput() {
        const QByteArray token = clientCredentialsToken();
        QVERIFY(!token.isEmpty());
        QVERIFY(throughGateway("Authorization: Bearer " + token));
        QByteArray out;
        readUntil(
            m_gateway, QProcess::StandardOutput, out,
            [&](const QByteArray &b) { return b.count('\n') >= 3; }, 10000);
        m_gateway.setReadChannel(QProcess::StandardError);
        m_gatewayErr += m_gateway.readAll();
        QVERIFY2(out.contains("\"token_fp\""), out.constData());
        QVERIFY(!out.contains(token));
        QVERIFY(!m_gatewayErr.contains(token));
        QVERIFY(!out.contains(m_info.value(u"client_secret").toString().toUtf8()));
        QVERIFY(!m_gatewayErr.contains(m_info.value(u"client_secret").toString().toUtf8()));
    }

private:
    QTemporaryDir m_secretDir;
};

QTEST_GUILESS_MAIN(TestOidcProvider)
#include "tst_oidcprovider.moc"
