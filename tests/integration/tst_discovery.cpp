// SPDX-License-Identifier: Apache-2.0
// OIDC / RFC 8414 discovery of the introspection endpoint: against the demo IdP (then used
// with client_secret_post through a real gateway), a document for another issuer, the RFC 8414
// location for issuers with a path, and an IdP that never answers.
#include "tests/support/gatewayfixture.h"
#include "tests/support/rawclient.h"

#include "core/auth/discovery.h"
#include "core/config/config.h"
#include "core/devidp/demoidp.h"

#include <QElapsedTimer>
#include <QFile>
#include <QHttpServer>
#include <QHttpServerResponse>
#include <QJsonObject>
#include <QProcess>
#include <QSslCertificate>
#include <QSslKey>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

class TestDiscovery : public QObject {
    Q_OBJECT

private slots:
    void discoveryUrls_data() {
        QTest::addColumn<QString>("issuer");
        QTest::addColumn<QStringList>("urls");
        QTest::newRow("origin")
            << QStringLiteral("https://idp.example")
            << QStringList{QStringLiteral("https://idp.example/.well-known/openid-configuration"),
                           QStringLiteral("https://idp.example/.well-known/"
                                          "oauth-authorization-server")};
        QTest::newRow("with path and slash")
            << QStringLiteral("https://idp.example:8443/realms/a/")
            << QStringList{
                   QStringLiteral(
                       "https://idp.example:8443/realms/a/.well-known/openid-configuration"),
                   QStringLiteral(
                       "https://idp.example:8443/.well-known/oauth-authorization-server/realms/a")};
    }

    void discoveryUrls() {
        QFETCH(QString, issuer);
        QFETCH(QStringList, urls);
        QCOMPARE(Tokengate::discoveryUrls(issuer), urls);
    }

    void documentChecks_data() {
        QTest::addColumn<QJsonObject>("doc");
        QTest::addColumn<QString>("endpoint");
        QTest::addColumn<QString>("error");
        const QString issuer = QStringLiteral("https://idp.example");
        const auto doc = [](const char *iss, const char *endpoint) {
            QJsonObject o{{QStringLiteral("issuer"), QString::fromLatin1(iss)}};
            if (endpoint)
                o.insert(QStringLiteral("introspection_endpoint"), QString::fromLatin1(endpoint));
            return o;
        };
        QTest::newRow("good") << doc("https://idp.example", "https://idp.example/i")
                              << QStringLiteral("https://idp.example/i") << QString();
        QTest::newRow("trailing slash") << doc("https://idp.example/", "https://idp.example/i")
                                        << QStringLiteral("https://idp.example/i") << QString();
        QTest::newRow("other issuer")
            << doc("https://evil.example", "https://evil.example/i") << QString()
            << QStringLiteral("the document is for issuer \"https://evil.example\", not "
                              "\"https://idp.example\"");
        QTest::newRow("no endpoint") << doc("https://idp.example", nullptr) << QString()
                                     << QStringLiteral("no introspection_endpoint in the document");
        QTest::newRow("not http")
            << doc("https://idp.example", "ftp://idp.example/i") << QString()
            << QStringLiteral("introspection_endpoint \"ftp://idp.example/i\": only http and https "
                              "are supported: \"ftp://idp.example/i\"");
        Q_UNUSED(issuer);
    }

    void documentChecks() {
        QFETCH(QJsonObject, doc);
        QFETCH(QString, endpoint);
        QFETCH(QString, error);
        QString why;
        QCOMPARE(introspectionEndpointFrom(doc, QStringLiteral("https://idp.example"), &why),
                 endpoint);
        QCOMPARE(why, error);
    }

    // Discovered from the demo IdP, then used with client_secret_post by a real gateway.
    void demoIdpWithClientSecretPost() {
        DemoIdp idp;
        idp.setClient("post-client", "p+s/t=%&:secret");
        QString error;
        QVERIFY2(idp.start(0, &error), qPrintable(error));
        auto echo = startEchoUpstream(&error);
        QVERIFY2(echo, qPrintable(error));

        Config c = testConfig(QStringLiteral("http://127.0.0.1:%1").arg(echo->port()));
        c.auth = AuthMode::Introspection;
        c.introspection.issuer = idp.issuer();
        c.introspection.authMethod = ClientAuthMethod::ClientSecretPost;
        c.introspection.clientId = QStringLiteral("post-client");
        c.introspection.clientSecret = QStringLiteral("p+s/t=%&:secret");
        QVERIFY(c.validate().isEmpty()); // an issuer without url is fine before discovery
        const QStringList problems = resolveDiscovery(c, 5000);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        QCOMPARE(c.introspection.url, idp.introspectionUrl());

        Gateway gw;
        QVERIFY(gw.start(c));
        const QByteArray token = idp.mint(QStringLiteral("alice"), QStringLiteral("read"), 60);
        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        client.send("GET /x HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + token + "\r\n\r\n");
        auto r = client.readResponse(5000);
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(idp.introspectionCalls(), 1u);

        // A wrong secret is the IdP refusing us: 503, never 401.
        Gateway wrong;
        c.introspection.clientSecret = QStringLiteral("nope");
        QVERIFY(wrong.start(c));
        RawClient client2;
        QVERIFY(client2.connectTo(wrong.port()));
        client2.send("GET /x HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + token + "\r\n\r\n");
        r = client2.readResponse(5000);
        QVERIFY(r);
        QCOMPARE(r->status, 503);
    }

    // Issuers with a path: the OIDC location answers 404, RFC 8414's has the document.
    void rfc8414LocationAndIssuerCheck() {
        QHttpServer server;
        quint16 port = 0;
        QString documentIssuer;
        server.route(QStringLiteral("/.well-known/oauth-authorization-server/tenant"), [&] {
            return QHttpServerResponse(
                QJsonObject{{QStringLiteral("issuer"), documentIssuer},
                            {QStringLiteral("introspection_endpoint"),
                             QStringLiteral("http://127.0.0.1:%1/tenant/introspect").arg(port)}});
        });
        port = server.listen(QHostAddress::LocalHost, 0);
        QVERIFY(port);
        const QString issuer = QStringLiteral("http://127.0.0.1:%1/tenant").arg(port);

        Config c;
        c.introspection.issuer = issuer;
        documentIssuer = issuer;
        QStringList problems = resolveDiscovery(c, 5000);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        QCOMPARE(c.introspection.url,
                 QStringLiteral("http://127.0.0.1:%1/tenant/introspect").arg(port));

        // A document for another issuer is refused (mix-up defence, RFC 8414 section 3.3).
        Config other;
        other.introspection.name = QStringLiteral("main");
        other.introspection.issuer = issuer;
        documentIssuer = QStringLiteral("http://127.0.0.1:%1/other").arg(port);
        problems = resolveDiscovery(other, 5000);
        QCOMPARE(problems.size(), 1);
        QVERIFY2(
            problems.first().startsWith(
                QStringLiteral("introspection \"main\": discovery from %1 failed: ").arg(issuer)),
            qPrintable(problems.first()));
        QVERIFY2(problems.first().contains(QStringLiteral("/openid-configuration: HTTP 404")),
                 qPrintable(problems.first()));
        QVERIFY2(problems.first().contains(QStringLiteral("is for issuer")),
                 qPrintable(problems.first()));
        QVERIFY(other.introspection.url.isEmpty());
    }

    // An IdP that accepts connections and never answers costs the timeout, no more.
    void silentIdpTimesOut() {
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
        Config c;
        c.moreIntrospection << IntrospectionConfig();
        c.moreIntrospection[0].name = QStringLiteral("slow");
        c.moreIntrospection[0].issuer =
            QStringLiteral("http://127.0.0.1:%1").arg(silent.serverPort());
        c.introspection.url = QStringLiteral("http://127.0.0.1:1/i"); // has a url: left alone
        c.introspection.issuer = QStringLiteral("http://127.0.0.1:1");
        QElapsedTimer t;
        t.start();
        const QStringList problems = resolveDiscovery(c, 400);
        QVERIFY2(t.elapsed() < 3000, QByteArray::number(t.elapsed()));
        QCOMPARE(problems.size(), 1);
        QVERIFY2(problems.first().startsWith(QStringLiteral("introspection \"slow\": ")),
                 qPrintable(problems.first()));
        QVERIFY2(problems.first().contains(QStringLiteral("no answer within")),
                 qPrintable(problems.first()));
        QCOMPARE(c.introspection.url, QStringLiteral("http://127.0.0.1:1/i"));
    }

    // https issuers: verified by default; upstream.tls.ca_file trusted; verify: false skips it.
    void tlsFollowsTheUpstreamTlsSettings() {
        QTemporaryDir dir;
        const QString cert = dir.filePath(QStringLiteral("cert.pem"));
        const QString key = dir.filePath(QStringLiteral("key.pem"));
        QProcess openssl;
        openssl.start(QStringLiteral("openssl"),
                      {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                       QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                       QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes"),
                       QStringLiteral("-keyout"), key, QStringLiteral("-out"), cert,
                       QStringLiteral("-days"), QStringLiteral("1"), QStringLiteral("-subj"),
                       QStringLiteral("/CN=127.0.0.1"), QStringLiteral("-addext"),
                       QStringLiteral("subjectAltName=IP:127.0.0.1")});
        QVERIFY(openssl.waitForFinished(20000));
        QCOMPARE(openssl.exitCode(), 0);
        QFile certFile(cert);
        QFile keyFile(key);
        QVERIFY(certFile.open(QIODevice::ReadOnly) && keyFile.open(QIODevice::ReadOnly));

        QHttpServer server;
        server.sslSetup(QSslCertificate(&certFile), QSslKey(&keyFile, QSsl::Ec));
        quint16 port = 0;
        server.route(QStringLiteral("/.well-known/openid-configuration"), [&] {
            return QHttpServerResponse(QJsonObject{
                {QStringLiteral("issuer"), QStringLiteral("https://127.0.0.1:%1").arg(port)},
                {QStringLiteral("introspection_endpoint"),
                 QStringLiteral("https://127.0.0.1:%1/introspect").arg(port)}});
        });
        port = server.listen(QHostAddress::LocalHost, 0);
        QVERIFY(port);

        Config c;
        c.introspection.issuer = QStringLiteral("https://127.0.0.1:%1").arg(port);
        Config untrusted = c;
        QCOMPARE(resolveDiscovery(untrusted, 5000).size(), 1); // self-signed: refused
        QVERIFY(untrusted.introspection.url.isEmpty());
        Config trusted = c;
        trusted.upstream.caFile = cert;
        QStringList problems = resolveDiscovery(trusted, 5000);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        QCOMPARE(trusted.introspection.url,
                 QStringLiteral("https://127.0.0.1:%1/introspect").arg(port));
        Config unverified = c;
        unverified.upstream.verifyTls = false;
        problems = resolveDiscovery(unverified, 5000);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
    }

    // An issuer with user info: discovery may fail in many ways, none of which prints it.
    void userInfoNeverShown_data() {
        QTest::addColumn<bool>("listening");
        QTest::newRow("connection refused") << false;
        QTest::newRow("no answer in time") << true;
    }
    void userInfoNeverShown() {
        QFETCH(bool, listening);
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
        const quint16 port = listening ? silent.serverPort() : closedLoopbackPort();
        Config c;
        c.introspection.issuer = QStringLiteral("http://gw:s3cr3t@127.0.0.1:%1/realm").arg(port);
        const QStringList problems = resolveDiscovery(c, 500);
        QCOMPARE(problems.size(), 1);
        QVERIFY2(!problems.first().contains(QStringLiteral("s3cr3t")),
                 qPrintable(problems.first()));
        QVERIFY2(problems.first().contains(QStringLiteral("***@127.0.0.1")),
                 qPrintable(problems.first()));
    }

    void unreachableIdp() {
        Config c;
        c.introspection.issuer = QStringLiteral("http://127.0.0.1:%1").arg(closedLoopbackPort());
        const QStringList problems = resolveDiscovery(c, 2000);
        QCOMPARE(problems.size(), 1);
        QVERIFY2(problems.first().contains(QStringLiteral("refused")),
                 qPrintable(problems.first()));
    }
};

QTEST_GUILESS_MAIN(TestDiscovery)
#include "tst_discovery.moc"
