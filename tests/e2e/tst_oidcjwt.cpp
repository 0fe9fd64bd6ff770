// SPDX-License-Identifier: Apache-2.0
// JWT access tokens (RFC 9068) from an authorization server nobody on the team wrote:
// oidc-provider (tests/e2e/oidc) issues them for resources under urn:tokengate:jwt, signed
// ES256 or RS256 with its own keys, and the real tokengated validates them with the keys its
// discovery finds. No client credentials are configured at all: a request that passes was
// judged by the gateway alone, never introspected.
#include "tests/support/daemonprocess.h"
#include "tests/support/gatewayfixture.h"
#include "tests/support/oidcprovider.h"
#include "tests/support/rawclient.h"

#include "core/auth/jwt.h"
#include "core/base/formencoding.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

const QByteArray EsResource = "urn:tokengate:jwt:api";
const QByteArray RsResource = "urn:tokengate:jwt-rs256:api";
const QByteArray ShortResource = "urn:tokengate:jwt:api:short"; // lives 2 seconds

} // namespace

class TestOidcJwt : public QObject {
    Q_OBJECT

    OidcProviderProcess m_provider;
    DaemonProcess m_gateway;
    QTemporaryDir m_dir;
    std::unique_ptr<HttpServer> m_echo;

    quint16 providerPort() const { return quint16(m_provider.info.value(u"port").toInt()); }

    std::optional<ReceivedResponse> providerRequest(const QByteArray &head,
                                                    const QByteArray &body = {}) {
        RawClient c;
        if (!c.connectTo(providerPort()))
            return std::nullopt;
        c.send(head + "Host: 127.0.0.1\r\nContent-Length: " + QByteArray::number(body.size()) +
               "\r\nConnection: close\r\n\r\n" + body);
        return c.readResponse(15000);
    }

    // client_credentials for `resource` (RFC 8707), with client_secret_post.
    QByteArray accessToken(const QByteArray &resource) {
        const QByteArray form =
            "grant_type=client_credentials&scope=read&resource=" + formEncode(resource) +
            "&client_id=" + formEncode(m_provider.value("post_client_id").toUtf8()) +
            "&client_secret=" + formEncode(m_provider.value("client_secret").toUtf8());
        const auto r =
            providerRequest("POST " + QUrl(m_provider.value("token_endpoint")).path().toLatin1() +
                                " HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n",
                            form);
        if (!r || r->status != 200) {
            qWarning() << "token endpoint:" << (r ? r->body : QByteArray("no answer"));
            return {};
        }
        return QJsonDocument::fromJson(r->body)
            .object()
            .value(u"access_token")
            .toString()
            .toLatin1();
    }

    std::optional<ReceivedResponse> throughGateway(const QByteArray &token) {
        RawClient c;
        if (!c.connectTo(m_gateway.port()))
            return std::nullopt;
        c.send("GET /orders/7 HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer " + token +
               "\r\nConnection: close\r\n\r\n");
        return c.readResponse(15000);
    }

    int status(const QByteArray &token) {
        const auto r = throughGateway(token);
        return r ? r->status : -1;
    }

private slots:
    void initTestCase() {
        QString error;
        QVERIFY2(m_provider.start(&error), qPrintable(error));
        m_echo = startEchoUpstream(&error);
        QVERIFY2(m_echo, qPrintable(error));
        QVERIFY(m_dir.isValid());
        QProcessEnvironment env = DaemonProcess::baseEnvironment();
        env.insert(QStringLiteral("TOKENGATE_UPSTREAM"), loopbackUrl(*m_echo));
        env.insert(QStringLiteral("TOKENGATE_ISSUER"), m_provider.value("issuer"));
        env.insert(QStringLiteral("TOKENGATE_TOKEN_VALIDATION"), QStringLiteral("jwt"));
        env.insert(QStringLiteral("TOKENGATE_TOKEN_AUDIENCE"),
                   QString::fromLatin1(EsResource + ' ' + RsResource + ' ' + ShortResource));
        env.insert(QStringLiteral("TOKENGATE_TOKEN_LEEWAY"), QStringLiteral("0"));
        QVERIFY2(m_gateway.start({}, env, m_dir.path()), m_gateway.err().constData());
    }

    void cleanupTestCase() { m_provider.stop(); }

    // RFC 9701 with oidc-provider's own signed introspection answers: an opaque token is
    // introspected, and the answer believed only because its signature and claims hold.
    void signedIntrospectionAnswers() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile file(dir.filePath(QStringLiteral("tokengate.yml")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("upstream:\n  url: " + loopbackUrl(*m_echo).toUtf8() +
                   "\nintrospection:\n  issuer: " + m_provider.value("issuer").toUtf8() +
                   "\n  client_id: " + m_provider.value("post_client_id").toUtf8() +
                   "\n  client_secret: env:E2E_SECRET\n  auth_method: client_secret_post"
                   "\n  signed_answers: true\n");
        file.close();
        QProcessEnvironment env = DaemonProcess::baseEnvironment();
        env.insert(QStringLiteral("E2E_SECRET"), m_provider.value("client_secret"));
        DaemonProcess gateway;
        QVERIFY2(gateway.start({QStringLiteral("--config"), file.fileName()}, env, dir.path()),
                 gateway.err().constData());
        const QByteArray opaque = accessToken("https://opaque.example");
        RawClient c;
        QVERIFY(c.connectTo(gateway.port()));
        c.send("GET /x HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer " + opaque +
               "\r\nConnection: close\r\n\r\n");
        const auto r = c.readResponse(15000);
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        RawClient bad;
        QVERIFY(bad.connectTo(gateway.port()));
        bad.send("GET /x HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer not-issued\r\n"
                 "Connection: close\r\n\r\n");
        const auto refused = bad.readResponse(15000);
        QVERIFY(refused);
        QCOMPARE(refused->status, 401); // a signed "active": false
    }

    void es256AndRs256TokensPass_data() {
        QTest::addColumn<QByteArray>("resource");
        QTest::addColumn<QByteArray>("alg");
        QTest::newRow("ES256") << EsResource << QByteArray("ES256");
        QTest::newRow("RS256") << RsResource << QByteArray("RS256");
    }
    void es256AndRs256TokensPass() {
        QFETCH(QByteArray, resource);
        QFETCH(QByteArray, alg);
        const QByteArray token = accessToken(resource);
        QVERIFY(!token.isEmpty());
        const QJsonObject header =
            QJsonDocument::fromJson(*Jwt::fromBase64Url(token.left(token.indexOf('.')))).object();
        QCOMPARE(header.value(u"alg").toString().toLatin1(), alg);
        QCOMPARE(header.value(u"typ").toString(), QStringLiteral("at+jwt"));
        const auto r = throughGateway(token);
        QVERIFY(r);
        QCOMPARE(r->status, 200);
    }

    void wrongAudienceAndOpaqueTokensAreRefused() {
        QCOMPARE(status(accessToken("urn:tokengate:jwt:another-api")), 401);
        QCOMPARE(status(accessToken("https://opaque.example")), 401); // an opaque token
    }

    void tamperedAndConfusedTokensAreRefused() {
        const QByteArray token = accessToken(EsResource);
        QList<QByteArray> parts = token.split('.');
        QJsonObject claims = QJsonDocument::fromJson(*Jwt::fromBase64Url(parts[1])).object();
        claims.insert(u"scope", u"read write admin"_qs);
        const QByteArray tampered =
            parts[0] + '.' + Jwt::base64Url(QJsonDocument(claims).toJson(QJsonDocument::Compact)) +
            '.' + parts[2];
        QCOMPARE(status(tampered), 401);
        QCOMPARE(status(token), 200);
        // HS256 keyed with the provider's published RSA key, and no signature at all.
        const auto jwks = providerRequest("GET /jwks HTTP/1.1\r\n");
        QVERIFY(jwks && jwks->status == 200);
        const QByteArray payload =
            Jwt::base64Url(QJsonDocument(claims).toJson(QJsonDocument::Compact));
        QCOMPARE(status(Jwt::signHs256(R"({"alg":"HS256","kid":"e2e-rs256"})",
                                       *Jwt::fromBase64Url(payload), jwks->body)),
                 401);
        QCOMPARE(
            status(Jwt::base64Url(R"({"alg":"none","kid":"e2e-es256"})") + '.' + payload + '.'),
            401);
    }

    void expiredTokensAreRefused() {
        const QByteArray token = accessToken(ShortResource);
        QCOMPARE(status(token), 200);
        // The provider's token lives 2 s and the leeway is 0: only time can expire it.
        QTest::qWait(3100);
        const auto r = throughGateway(token);
        QVERIFY(r);
        QCOMPARE(r->status, 401);
        QVERIFY(r->headers.value("WWW-Authenticate").contains("invalid_token"));
    }
};

QTEST_GUILESS_MAIN(TestOidcJwt)
#include "tst_oidcjwt.moc"
