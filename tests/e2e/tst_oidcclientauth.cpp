// SPDX-License-Identifier: Apache-2.0
// Against oidc-provider (a real OAuth server nobody on the team wrote): the introspection
// endpoint discovered from its issuer, and tokengate authenticating to it with
// client_secret_post and with private_key_jwt (RS256 and ES256 client assertions), configured
// through the YAML config file the way an operator writes it.
#include "tests/support/gatewayfixture.h"
#include "tests/support/jwsverifier.h"
#include "tests/support/oidcprovider.h"
#include "tests/support/rawclient.h"

#include "core/auth/discovery.h"
#include "core/base/formencoding.h"
#include "core/config/config.h"
#include "core/config/configfile.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

using namespace Tokengate;
using namespace Tokengate::Test;

class TestOidcClientAuth : public QObject {
    Q_OBJECT

    OidcProviderProcess m_provider;
    std::unique_ptr<HttpServer> m_echo;
    QTemporaryDir m_dir;

    quint16 providerPort() const { return quint16(m_provider.info.value(u"port").toInt()); }

    // A client_credentials token of the provider's Basic client.
    QByteArray token() {
        const QByteArray form = "grant_type=client_credentials&scope=read+write";
        RawClient c;
        if (!c.connectTo(providerPort()))
            return {};
        c.send("POST " + QUrl(m_provider.value("token_endpoint")).path().toLatin1() +
               " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " +
               basicAuthorization(m_provider.value("client_id").toUtf8(),
                                  m_provider.value("client_secret").toUtf8()) +
               "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
               QByteArray::number(form.size()) + "\r\nConnection: close\r\n\r\n" + form);
        const auto r = c.readResponse(15000);
        if (!r || r->status != 200)
            return {};
        return QJsonDocument::fromJson(r->body)
            .object()
            .value(u"access_token")
            .toString()
            .toLatin1();
    }

    // A gateway from a config file whose introspection section is `introspection` (YAML),
    // with the issuer's endpoint discovered. Null when any step failed (logged).
    std::unique_ptr<Gateway> gatewayWith(const QByteArray &introspection) {
        const QByteArray yaml =
            "listen: \"127.0.0.1:0\"\nworkers: 1\nupstream:\n  url: http://127.0.0.1:" +
            QByteArray::number(m_echo->port()) +
            "\nintrospection:\n  issuer: " + m_provider.value("issuer").toUtf8() + "\n" +
            introspection;
        QProcessEnvironment env;
        env.insert(QStringLiteral("E2E_SECRET"), m_provider.value("client_secret"));
        env.insert(QStringLiteral("E2E_WRONG"), QStringLiteral("not-the-secret"));
        Config c;
        QStringList problems = applyConfigText(yaml, m_dir.filePath(QStringLiteral("t.yml")), c,
                                               daemonSecretResolver(env));
        problems << resolveDiscovery(c, 5000);
        if (!problems.isEmpty()) {
            qWarning() << problems;
            return nullptr;
        }
        auto gw = std::make_unique<Gateway>();
        if (!gw->start(c))
            return nullptr;
        return gw;
    }

    int statusThrough(Gateway &gw, const QByteArray &bearer) {
        RawClient c;
        if (!c.connectTo(gw.port()))
            return 0;
        c.send("GET /orders HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer " + bearer +
               "\r\n\r\n");
        const auto r = c.readResponse(15000);
        return r ? r->status : 0;
    }

private slots:
    void initTestCase() {
        QString error;
        QVERIFY2(m_provider.start(&error), qPrintable(error));
        m_echo = startEchoUpstream(&error);
        QVERIFY2(m_echo, qPrintable(error));
        QVERIFY(m_dir.isValid());
    }

    void cleanupTestCase() {
        m_provider.stop();
        m_echo.reset();
    }

    void discoversTheIntrospectionEndpoint() {
        Config c;
        c.introspection.issuer = m_provider.value("issuer");
        const QStringList problems = resolveDiscovery(c, 5000);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        QCOMPARE(c.introspection.url, m_provider.value("introspection_endpoint"));
    }

    void clientSecretPost() {
        const QByteArray t = token();
        QVERIFY(!t.isEmpty());
        auto gw = gatewayWith("  auth_method: client_secret_post\n  client_id: " +
                              m_provider.value("post_client_id").toUtf8() +
                              "\n  client_secret: env:E2E_SECRET\n");
        QVERIFY(gw);
        QCOMPARE(statusThrough(*gw, t), 200);
        QCOMPARE(statusThrough(*gw, "not-a-token"), 401);
        // A wrong secret is the IdP refusing us: 503, never 401.
        auto wrong = gatewayWith("  auth_method: client_secret_post\n  client_id: " +
                                 m_provider.value("post_client_id").toUtf8() +
                                 "\n  client_secret: env:E2E_WRONG\n");
        QVERIFY(wrong);
        QCOMPARE(statusThrough(*wrong, t), 503);
    }

    void privateKeyJwt_data() {
        QTest::addColumn<QByteArray>("keyField");
        QTest::addColumn<QByteArray>("kid");
        QTest::newRow("RS256") << QByteArray("jwt_client_rsa_key") << QByteArray("e2e-client-rsa");
        QTest::newRow("ES256") << QByteArray("jwt_client_ec_key") << QByteArray("e2e-client-ec");
    }

    void privateKeyJwt() {
        QFETCH(QByteArray, keyField);
        QFETCH(QByteArray, kid);
        const QString keyFile = m_dir.filePath(QString::fromLatin1(keyField + ".pem"));
        QFile f(keyFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(m_provider.value(keyField.constData()).toUtf8());
        f.close();
        const QByteArray t = token();
        QVERIFY(!t.isEmpty());
        auto gw =
            gatewayWith("  auth_method: private_key_jwt\n  client_id: " +
                        m_provider.value("jwt_client_id").toUtf8() +
                        "\n  private_key_file: " + keyFile.toUtf8() + "\n  key_id: " + kid + "\n");
        QVERIFY(gw);
        // No cache: each request is an introspection with its own assertion (jti replay is
        // refused by oidc-provider, so the second passes only with a fresh one).
        QCOMPARE(statusThrough(*gw, t), 200);
        QCOMPARE(statusThrough(*gw, t), 200);
        QCOMPARE(statusThrough(*gw, "not-a-token"), 401);
    }

    void privateKeyJwtWithAnotherKeyIsRefused() {
        const QString keyFile = m_dir.filePath(QStringLiteral("stranger.pem"));
        QFile f(keyFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(generatePrivateKeyPem("EC", 0, "P-256")); // a key the provider does not know
        f.close();
        auto gw = gatewayWith("  auth_method: private_key_jwt\n  client_id: " +
                              m_provider.value("jwt_client_id").toUtf8() +
                              "\n  private_key_file: " + keyFile.toUtf8() +
                              "\n  key_id: e2e-client-ec\n");
        QVERIFY(gw);
        QCOMPARE(statusThrough(*gw, token()), 503); // the IdP refuses us: never a 401
    }
};

QTEST_GUILESS_MAIN(TestOidcClientAuth)
#include "tst_oidcclientauth.moc"
