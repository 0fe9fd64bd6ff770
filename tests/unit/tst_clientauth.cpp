// SPDX-License-Identifier: Apache-2.0
// How we authenticate to the introspection endpoint: the request bytes of each client
// authentication method, RFC 7523 client assertions (verified with an independent JWS
// verifier), and the problems validate() names for each method.
#include "tests/support/jwsverifier.h"
#include "tests/support/manualclock.h"

#include "core/auth/clientauth.h"
#include "core/auth/jwtsigner.h"
#include "core/config/config.h"

#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

IntrospectionConfig endpointConfig(ClientAuthMethod method) {
    IntrospectionConfig c;
    c.url = QStringLiteral("https://idp.example/oauth2/introspect");
    c.authMethod = method;
    c.clientId = QStringLiteral("gw client");
    c.clientSecret = QStringLiteral("s+/=%&:");
    return c;
}

QByteArray bodyOf(const QByteArray &request) {
    return request.mid(request.indexOf("\r\n\r\n") + 4);
}

QString formField(const QByteArray &body, const char *name) {
    return QUrlQuery(QString::fromLatin1(body).replace(u'+', u' '))
        .queryItemValue(QString::fromLatin1(name), QUrl::FullyDecoded);
}

} // namespace

class TestClientAuth : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    QString writeKey(const char *name, const QByteArray &pem) {
        const QString path = m_dir.filePath(QString::fromLatin1(name));
        QFile f(path);
        if (f.open(QIODevice::WriteOnly))
            f.write(pem);
        return path;
    }

private slots:
    void clientSecretBasic() {
        const auto e =
            introspectionEndpoint(endpointConfig(ClientAuthMethod::ClientSecretBasic), nullptr);
        QVERIFY(e);
        const QByteArray request = IntrospectionClient::requestBytes(*e, "tok");
        QVERIFY(request.contains("\r\nAuthorization: Basic "));
        QCOMPARE(bodyOf(request), QByteArray("token=tok&token_type_hint=access_token"));
    }

    void clientSecretPost() {
        const auto e =
            introspectionEndpoint(endpointConfig(ClientAuthMethod::ClientSecretPost), nullptr);
        QVERIFY(e);
        const QByteArray request = IntrospectionClient::requestBytes(*e, "tok");
        QVERIFY2(!request.contains("Authorization:"), request.constData());
        const QByteArray body = bodyOf(request);
        QCOMPARE(formField(body, "client_id"), QStringLiteral("gw client"));
        QCOMPARE(formField(body, "client_secret"), QStringLiteral("s+/=%&:"));
        QCOMPARE(formField(body, "token"), QStringLiteral("tok"));
        QVERIFY(body.startsWith("token=tok&token_type_hint=access_token&client_id="));
    }

    void authorizationValue() {
        IntrospectionConfig c = endpointConfig(ClientAuthMethod::AuthorizationValue);
        c.clientId.clear();
        c.authorization = QStringLiteral("Basic YXBpMTpzZWNyZXQ=");
        const auto e = introspectionEndpoint(c, nullptr);
        QVERIFY(e);
        QVERIFY(IntrospectionClient::requestBytes(*e, "t").contains(
            "\r\nAuthorization: Basic YXBpMTpzZWNyZXQ=\r\n"));
    }

    void privateKeyJwt_data() {
        QTest::addColumn<QByteArray>("keyType");
        QTest::addColumn<QString>("alg");
        QTest::newRow("RSA") << QByteArray("RSA") << QStringLiteral("RS256");
        QTest::newRow("EC P-256") << QByteArray("EC") << QStringLiteral("ES256");
    }

    void privateKeyJwt() {
        QFETCH(QByteArray, keyType);
        QFETCH(QString, alg);
        const QByteArray pem = keyType == "RSA" ? generatePrivateKeyPem("RSA", 2048)
                                                : generatePrivateKeyPem("EC", 0, "P-256");
        IntrospectionConfig c = endpointConfig(ClientAuthMethod::PrivateKeyJwt);
        c.privateKeyFile = writeKey(keyType == "RSA" ? "rsa.pem" : "ec.pem", pem);
        c.keyId = QStringLiteral("k1");
        ManualClock clock;
        clock.setMs(1'800'000'000'000);
        QString error;
        const auto e = introspectionEndpoint(c, &error, clock);
        QVERIFY2(e, qPrintable(error));
        const QByteArray body = bodyOf(IntrospectionClient::requestBytes(*e, "tok"));
        QVERIFY2(!IntrospectionClient::requestBytes(*e, "tok").contains("Authorization:"),
                 body.constData());
        QCOMPARE(formField(body, "client_assertion_type"),
                 QStringLiteral("urn:ietf:params:oauth:client-assertion-type:jwt-bearer"));
        QCOMPARE(formField(body, "client_id"), QStringLiteral("gw client"));
        const QByteArray jws = formField(body, "client_assertion").toLatin1();
        const QJsonObject jwk = e->assertion->signer().publicJwk();
        QCOMPARE(verifyJws(jws, jwk), QString());
        const QJsonObject header = jwsHeader(jws);
        QCOMPARE(header.value(u"alg").toString(), alg);
        QCOMPARE(header.value(u"kid").toString(), QStringLiteral("k1"));
        const QJsonObject claims = jwsPayload(jws);
        QCOMPARE(claims.value(u"iss").toString(), QStringLiteral("gw client"));
        QCOMPARE(claims.value(u"sub").toString(), QStringLiteral("gw client"));
        QCOMPARE(claims.value(u"aud").toString(), c.url);
        QCOMPARE(claims.value(u"iat").toInteger(), 1'800'000'000);
        QCOMPARE(claims.value(u"exp").toInteger(), 1'800'000'060);
        QVERIFY(claims.value(u"jti").toString().size() >= 16);

        // Every call gets its own assertion: the IdP refuses a replayed jti.
        clock.setMs(1'800'000'005'000);
        const QByteArray again =
            formField(bodyOf(IntrospectionClient::requestBytes(*e, "tok")), "client_assertion")
                .toLatin1();
        QVERIFY(jwsPayload(again).value(u"jti") != claims.value(u"jti"));
        QCOMPARE(jwsPayload(again).value(u"iat").toInteger(), 1'800'000'005);
        // The cache keeps answers for this client apart from other clients'.
        QVERIFY(e->clientIdentity().contains("gw client"));

        c.assertionAudience = QStringLiteral("https://idp.example");
        const auto withAudience = introspectionEndpoint(c, &error, clock);
        QVERIFY2(withAudience, qPrintable(error));
        const QByteArray jws2 =
            formField(bodyOf(IntrospectionClient::requestBytes(*withAudience, "t")),
                      "client_assertion")
                .toLatin1();
        QCOMPARE(jwsPayload(jws2).value(u"aud").toString(), QStringLiteral("https://idp.example"));
    }

    void validateNamesWhatEachMethodNeeds_data() {
        QTest::addColumn<int>("method");
        QTest::addColumn<QString>("keyFile"); // "bad": a file that is no key
        QTest::addColumn<bool>("secret");
        QTest::addColumn<QString>("problem");
        QTest::newRow("post without secret")
            << int(ClientAuthMethod::ClientSecretPost) << QString() << false
            << QStringLiteral("introspection \"default\": client_secret_post needs client_id and "
                              "client_secret");
        QTest::newRow("jwt without key")
            << int(ClientAuthMethod::PrivateKeyJwt) << QString() << false
            << QStringLiteral("introspection \"default\": private_key_jwt needs client_id and "
                              "private_key_file");
        QTest::newRow("jwt with missing key file")
            << int(ClientAuthMethod::PrivateKeyJwt) << QStringLiteral("/nonexistent/k.pem") << false
            << QStringLiteral("introspection \"default\": cannot read private_key_file "
                              "\"/nonexistent/k.pem\"");
        QTest::newRow("jwt with no key in the file")
            << int(ClientAuthMethod::PrivateKeyJwt) << QStringLiteral("bad") << false
            << QStringLiteral("introspection \"default\": private_key_file \"");
        QTest::newRow("authorization_value without value")
            << int(ClientAuthMethod::AuthorizationValue) << QString() << false
            << QStringLiteral("introspection \"default\": authorization_value needs authorization");
    }

    void validateNamesWhatEachMethodNeeds() {
        QFETCH(int, method);
        QFETCH(QString, keyFile);
        QFETCH(bool, secret);
        QFETCH(QString, problem);
        Config c;
        c.upstreamUrl = QStringLiteral("http://u");
        c.introspection = endpointConfig(ClientAuthMethod(method));
        if (!secret)
            c.introspection.clientSecret.clear();
        if (method == int(ClientAuthMethod::AuthorizationValue))
            c.introspection.clientId.clear();
        c.introspection.privateKeyFile =
            keyFile == u"bad" ? writeKey("bad.pem", "not a key\n") : keyFile;
        const QStringList problems = c.validate();
        QCOMPARE(problems.size(), 1);
        QVERIFY2(problems.first().startsWith(problem), qPrintable(problems.first()));
    }
};

QTEST_GUILESS_MAIN(TestClientAuth)
#include "tst_clientauth.moc"
