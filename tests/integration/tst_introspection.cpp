// SPDX-License-Identifier: Apache-2.0
// The introspection gateway end to end (README, "What a client sees", steps 1-8): a real gateway on
// loopback, the built-in demo IdP (or a scripted one for the IdP's failure modes) and the
// echo upstream, driven by a raw client socket.
#include "tests/support/echoresponse.h"
#include "tests/support/gatewayfixture.h"
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"

#include "core/base/formencoding.h"
#include "core/devidp/demoidp.h"
#include "core/devidp/echohandler.h"
#include "core/observe/accesslog.h"
#include "core/server/httpserver.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QMessageAuthenticationCode>
#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

constexpr char JwtHeader[] = "X-Jwt";
constexpr char JwtSecret[] = "integration-test-secret";

QByteArray get(const QByteArray &target, const QByteArray &extraHeaders = {}) {
    return "GET " + target + " HTTP/1.1\r\nHost: gw.test\r\n" + extraHeaders + "\r\n";
}

QByteArray bearer(const QByteArray &token) {
    return "Authorization: Bearer " + token + "\r\n";
}

QByteArray idpAnswer(int status, const QByteArray &body) {
    return "HTTP/1.1 " + QByteArray::number(status) +
           " X\r\nContent-Type: application/json\r\nContent-Length: " +
           QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

// Verifies an HS256 JWT with `secret` and returns its claims; empty when it does not verify.
QJsonObject verifiedClaims(const QByteArray &jwt, const QByteArray &secret) {
    const QList<QByteArray> parts = jwt.split('.');
    if (parts.size() != 3)
        return {};
    const auto opts = QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals;
    const QByteArray mac = QMessageAuthenticationCode::hash(parts[0] + '.' + parts[1], secret,
                                                            QCryptographicHash::Sha256);
    if (mac.toBase64(opts) != parts[2])
        return {};
    const QJsonObject header =
        QJsonDocument::fromJson(QByteArray::fromBase64(parts[0], opts)).object();
    if (header.value(u"alg").toString() != u"HS256" || header.value(u"typ").toString() != u"JWT")
        return {};
    return QJsonDocument::fromJson(QByteArray::fromBase64(parts[1], opts)).object();
}

} // namespace

class TestIntrospection : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<HttpServer> m_echo;
    std::unique_ptr<DemoIdp> m_idp;

    QString echoUrl() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_echo->port()); }

    Config authConfig() const {
        Config c = testConfig(echoUrl());
        c.auth = AuthMode::Introspection;
        c.introspection.url = m_idp->introspectionUrl();
        c.introspection.clientId = QString::fromLatin1(m_idp->clientId());
        c.introspection.clientSecret = QString::fromLatin1(m_idp->clientSecret());
        c.jwt.headerName = QString::fromLatin1(JwtHeader);
        c.jwt.secret = QString::fromLatin1(JwtSecret);
        return c;
    }

    Config scriptedIdpConfig(const ScriptedUpstream &idp) const {
        Config c = authConfig();
        c.introspection.url = idp.url() + QStringLiteral("/oauth/introspect");
        return c;
    }

    QByteArray freshToken(int lifetime = 600) {
        return m_idp->mint(QStringLiteral("alice"), QStringLiteral("read write"), lifetime);
    }

    // One request through a fresh gateway started with `config`.
    static std::optional<ReceivedResponse> through(const Config &config, const QByteArray &raw) {
        Gateway gw;
        if (!gw.start(config))
            return std::nullopt;
        RawClient client;
        if (!client.connectTo(gw.port()))
            return std::nullopt;
        client.send(raw);
        return client.readResponse();
    }

    static void verifyInvalidTokenAnswer(const ReceivedResponse &r) {
        QCOMPARE(r.status, 401);
        QCOMPARE(r.body, QByteArray("Access Token is invalid"));
        QCOMPARE(r.headers.value("WWW-Authenticate"), QByteArray("Bearer error=\"invalid_token\""));
    }

private slots:
    void initTestCase() {
        QString error;
        m_echo = startEchoUpstream(&error);
        QVERIFY2(m_echo, qPrintable(error));
        m_idp = std::make_unique<DemoIdp>();
        // Every character that breaks unencoded HTTP Basic (RFC 6749 section 2.3.1).
        m_idp->setClient("gw client+/=%&:", "s3cr+t/=%&:x");
        QVERIFY2(m_idp->start(0, &error), qPrintable(error));
    }
    void cleanupTestCase() {
        m_echo.reset();
        m_idp.reset();
    }

    // Steps 4, 6, 7: an active token reaches the upstream with a JWT of its introspection.
    void activeTokenIsForwardedWithJwt() {
        const QByteArray token = freshToken(600);
        const qint64 before = QDateTime::currentSecsSinceEpoch();
        const quint64 calls = m_idp->introspectionCalls();
        const auto r = through(authConfig(), get("/p/q?y=2", bearer(token) + "Cookie: a=1\r\n"));
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(m_idp->introspectionCalls(), calls + 1);
        QCOMPARE(echoJson(*r).value(u"target").toString(), QStringLiteral("/p/q?y=2"));
        // The credential and other end-to-end headers are forwarded unchanged.
        QCOMPARE(echoedHeader(*r, "Authorization"), QList<QByteArray>{"Bearer " + token});
        QCOMPARE(echoedHeader(*r, "Host"), QList<QByteArray>{"gw.test"});
        const QList<QByteArray> jwts = echoedHeader(*r, JwtHeader);
        QCOMPARE(jwts.size(), 1);
        const QJsonObject claims = verifiedClaims(jwts.first(), JwtSecret);
        QVERIFY2(!claims.isEmpty(), jwts.first().constData());
        QVERIFY(verifiedClaims(jwts.first(), "another secret").isEmpty());
        QCOMPARE(claims.value(u"active").toBool(), true);
        QCOMPARE(claims.value(u"sub").toString(), QStringLiteral("alice"));
        QCOMPARE(claims.value(u"scope").toString(), QStringLiteral("read write"));
        QCOMPARE(claims.value(u"client_id").toString(), QString::fromLatin1(m_idp->clientId()));
        const qint64 iat = qint64(claims.value(u"iat").toDouble());
        QVERIFY(iat >= before && iat <= QDateTime::currentSecsSinceEpoch());
        // exp: never later than the token's own (600 s here, less than the JWT's hour).
        const qint64 exp = qint64(claims.value(u"exp").toDouble());
        QVERIFY2(exp <= before + 601 && exp >= before + 598, QByteArray::number(exp - before));
    }

    void jwtLifetimeIsAnHourForLongTokens() {
        const auto r = through(authConfig(), get("/", bearer(freshToken(7200))));
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        const QJsonObject claims = verifiedClaims(echoedHeader(*r, JwtHeader).value(0), JwtSecret);
        QCOMPARE(qint64(claims.value(u"exp").toDouble()) - qint64(claims.value(u"iat").toDouble()),
                 qint64(3600));
    }

    // Step 3: the token is taken from "Authorization: Bearer" only, scheme in any case; a
    // malformed Bearer credential is RFC 6750's invalid_request, with the same text.
    void tokenExtraction_data() {
        QTest::addColumn<QByteArray>("headers"); // %T is replaced by a valid token
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("challenge");
        const QByteArray missing = "Bearer";
        const QByteArray malformed = "Bearer error=\"invalid_request\"";
        QTest::newRow("Bearer") << QByteArray("Authorization: Bearer %T\r\n") << 200 << missing;
        QTest::newRow("bearer, lower case")
            << QByteArray("Authorization: bearer %T\r\n") << 200 << missing;
        QTest::newRow("BEARER, extra spaces")
            << QByteArray("Authorization: BEARER   %T  \r\n") << 200 << missing;
        QTest::newRow("no Authorization") << QByteArray() << 401 << missing;
        QTest::newRow("empty Authorization")
            << QByteArray("Authorization:\r\n") << 401 << malformed;
        QTest::newRow("Basic") << QByteArray("Authorization: Basic dXNlcjpwYXNz\r\n") << 401
                               << missing;
        QTest::newRow("Bearer without token")
            << QByteArray("Authorization: Bearer\r\n") << 401 << malformed;
        QTest::newRow("two tokens")
            << QByteArray("Authorization: Bearer %T %T\r\n") << 401 << malformed;
        QTest::newRow("token with form injection")
            << QByteArray("Authorization: Bearer %T&token=x\r\n") << 401 << malformed;
        QTest::newRow("two Authorization fields")
            << QByteArray("Authorization: Bearer %T\r\nAuthorization: Bearer %T\r\n") << 401
            << malformed;
        QTest::newRow("token as query parameter")
            << QByteArray("X-Token: %T\r\n") << 401 << missing;
    }
    void tokenExtraction() {
        QFETCH(QByteArray, headers);
        QFETCH(int, status);
        QFETCH(QByteArray, challenge);
        const QByteArray token = freshToken();
        headers.replace("%T", token);
        const auto r = through(authConfig(), get("/x?access_token=" + token, headers));
        QVERIFY(r);
        QCOMPARE(r->status, status);
        if (status == 401) {
            QCOMPARE(r->body, QByteArray("Access Token needed for the given URL"));
            QCOMPARE(r->headers.value("WWW-Authenticate"), challenge);
            QCOMPARE(r->headers.value("Content-Type"), QByteArray("text/plain; charset=utf-8"));
        }
    }

    // Step 5: inactive (here: revoked or unknown) tokens get 401 with the RFC 6750 challenge.
    void revokedTokenIsRefused() {
        const QByteArray token = freshToken();
        Gateway gw;
        QVERIFY(gw.start(authConfig()));
        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        client.send(get("/", bearer(token)));
        auto r = client.readResponse();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        m_idp->revoke(token);
        client.send(get("/", bearer(token)));
        r = client.readResponse();
        QVERIFY(r);
        verifyInvalidTokenAnswer(*r);
        QVERIFY(r->keepAlive); // a refusal does not cost the client its connection
        client.send(get("/", bearer("never-issued")));
        r = client.readResponse();
        QVERIFY(r);
        verifyInvalidTokenAnswer(*r);
    }

    // Step 5 and the decide stage, with answers only a scripted IdP gives.
    void idpAnswers_data() {
        QTest::addColumn<QByteArray>("answer");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("reason");
        const QByteArray now = QByteArray::number(QDateTime::currentSecsSinceEpoch());
        const QByteArray past = QByteArray::number(QDateTime::currentSecsSinceEpoch() - 10);
        const QByteArray future = QByteArray::number(QDateTime::currentSecsSinceEpoch() + 600);
        auto row = [](const char *name, int idpStatus, const QByteArray &body, int status,
                      const char *reason) {
            QTest::newRow(name) << idpAnswer(idpStatus, body) << status << QByteArray(reason);
        };
        row("active", 200, R"({"active":true,"sub":"bob"})", 200, "");
        row("active with exp and nbf", 200,
            R"({"active":true,"nbf":)" + past + R"(,"exp":)" + future + "}", 200, "");
        row("inactive", 200, R"({"active":false})", 401, "token_inactive");
        row("active as a string", 200, R"({"active":"true"})", 401, "token_inactive");
        row("active as 1", 200, R"({"active":1})", 401, "token_inactive");
        row("no active field", 200, R"({"sub":"bob"})", 401, "token_inactive");
        row("active but expired", 200, R"({"active":true,"exp":)" + past + "}", 401,
            "token_expired");
        row("active but exp is now", 200, R"({"active":true,"exp":)" + now + "}", 401,
            "token_expired");
        row("active but not yet valid", 200, R"({"active":true,"nbf":)" + future + "}", 401,
            "token_not_yet_valid");
        row("active, exp not a number", 200, R"({"active":true,"exp":"soon"})", 401,
            "token_inactive");
        row("active, nbf an object", 200, R"({"active":true,"nbf":{}})", 401, "token_inactive");
        row("aud as array", 200, R"({"active":true,"aud":["a","b"]})", 200, "");
        row("not JSON", 200, "<html>oops</html>", 503, "idp_bad_response");
        row("JSON array", 200, "[true]", 503, "idp_bad_response");
        row("client rejected, 401", 401, R"({"error":"invalid_client"})", 503,
            "idp_rejected_client");
        row("client rejected, 403", 403, "{}", 503, "idp_rejected_client");
        row("server error", 500, R"({"active":true})", 503, "idp_bad_response");
        row("redirect", 302, "", 503, "idp_bad_response");
    }
    void idpAnswers() {
        QFETCH(QByteArray, answer);
        QFETCH(int, status);
        QFETCH(QByteArray, reason);
        ScriptedUpstream idp(ScriptedUpstream::answerEachRequestWith(answer));
        EventHub events;
        GatewayService service(&events);
        QStringList errors;
        QVERIFY2(service.start(scriptedIdpConfig(idp), &errors), qPrintable(errors.join(u'\n')));
        RawClient client;
        QVERIFY(client.connectTo(service.port()));
        client.send(get("/", bearer("opaque-token")));
        const auto r = client.readResponse();
        QVERIFY(r);
        QCOMPARE(r->status, status);
        if (status == 401)
            verifyInvalidTokenAnswer(*r);
        if (status == 503)
            QVERIFY2(r->body.contains(reason), r->body.constData());
        QVERIFY(waitFor([&] { return !events.snapshot().isEmpty(); }));
        QCOMPARE(reasonId(events.snapshot().last().reason), reason);
    }

    // Step 4: the call the IdP receives, byte for byte where it matters.
    void introspectionRequestIsFormEncoded() {
        ScriptedUpstream idp(
            ScriptedUpstream::answerEachRequestWith(idpAnswer(200, R"({"active":true})")));
        const auto r = through(scriptedIdpConfig(idp), get("/", bearer("a+b/c==")));
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(idp.connections().size(), 1);
        const QByteArray sent = idp.connections().first().received;
        QVERIFY2(sent.startsWith("POST /oauth/introspect HTTP/1.1\r\n"), sent.constData());
        QVERIFY(sent.contains("\r\nAccept: application/json\r\n"));
        QVERIFY(sent.contains("\r\nContent-Type: application/x-www-form-urlencoded\r\n"));
        const QByteArray basic = "gw+client%2B%2F%3D%25%26%3A:s3cr%2Bt%2F%3D%25%26%3Ax";
        QVERIFY2(sent.contains(QByteArray("\r\nAuthorization: Basic " + basic.toBase64() + "\r\n")),
                 sent.constData());
        QVERIFY2(sent.endsWith("\r\n\r\ntoken=a%2Bb%2Fc%3D%3D&token_type_hint=access_token"),
                 sent.constData());
    }

    // The demo IdP decodes such credentials as RFC 6749 says: a real round trip.
    void verbatimAuthorizationValue() {
        ScriptedUpstream idp(
            ScriptedUpstream::answerEachRequestWith(idpAnswer(200, R"({"active":true})")));
        Config c = scriptedIdpConfig(idp);
        c.introspection.clientId.clear();
        c.introspection.clientSecret.clear();
        c.introspection.authorization = QStringLiteral("Basic Z3c6cmF3IHNlY3JldA==");
        const auto r = through(c, get("/", bearer("t")));
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QVERIFY(idp.connections().first().received.contains(
            "\r\nAuthorization: Basic Z3c6cmF3IHNlY3JldA==\r\n"));
    }

    void wrongClientSecretIs503() {
        Config c = authConfig();
        c.introspection.clientSecret = QStringLiteral("wrong");
        const auto r = through(c, get("/", bearer(freshToken())));
        QVERIFY(r);
        QCOMPARE(r->status, 503);
        QVERIFY(r->body.contains("idp_rejected_client"));
    }

    void idpDownIs503() {
        const quint16 closedPort = closedLoopbackPort();
        QVERIFY(closedPort);
        Config c = authConfig();
        c.introspection.url = QStringLiteral("http://127.0.0.1:%1/introspect").arg(closedPort);
        const auto r = through(c, get("/", bearer(freshToken())));
        QVERIFY(r);
        QCOMPARE(r->status, 503);
        QVERIFY(r->body.contains("idp_unreachable"));
    }

    void idpNeverAnsweringIs504() {
        ScriptedUpstream idp; // accepts, reads, never answers
        Config c = scriptedIdpConfig(idp);
        c.introspection.timeoutMs = 600;
        QElapsedTimer clock;
        clock.start();
        const auto r = through(c, get("/", bearer("t")));
        QVERIFY(r);
        QCOMPARE(r->status, 504);
        QVERIFY(r->body.contains("idp_timeout"));
        QVERIFY2(clock.elapsed() >= 600, QByteArray::number(clock.elapsed()));
    }

    // Concurrent calls beyond the per-worker limit wait in line and are all answered.
    void callsBeyondTheConnectionLimitQueue() {
        Config c = authConfig();
        c.introspection.maxConnections = 2;
        Gateway gw;
        QVERIFY(gw.start(c));
        const QByteArray token = freshToken();
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < 6; ++i) {
            clients.push_back(std::make_unique<RawClient>());
            QVERIFY(clients.back()->connectTo(gw.port()));
            clients.back()->send(get("/" + QByteArray::number(i), bearer(token)));
        }
        for (int i = 0; i < 6; ++i) {
            const auto r = clients[i]->readResponse();
            QVERIFY(r);
            QCOMPARE(r->status, 200);
            QCOMPARE(echoJson(*r).value(u"target").toString(), u'/' + QString::number(i));
        }
    }

    // Keep-alive to the IdP: sequential requests share one connection.
    void idpConnectionIsReused() {
        ScriptedUpstream idp(
            ScriptedUpstream::answerEachRequestWith(idpAnswer(200, R"({"active":true})")));
        Gateway gw;
        QVERIFY(gw.start(scriptedIdpConfig(idp)));
        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        for (int i = 0; i < 5; ++i) {
            client.send(get("/", bearer("t" + QByteArray::number(i))));
            const auto r = client.readResponse();
            QVERIFY(r);
            QCOMPARE(r->status, 200);
        }
        QCOMPARE(idp.connections().size(), 1);
        QCOMPARE(idp.requestCount(0), 5);
    }

    // JWT_HEADER_NAME: a client-sent header of that name never reaches the upstream, in any
    // letter case (the original only stripped the exact spelling).
    void spoofedJwtHeaderIsReplaced_data() {
        QTest::addColumn<QByteArray>("spoof");
        QTest::newRow("same case") << QByteArray("X-Jwt: forged\r\n");
        QTest::newRow("lower case") << QByteArray("x-jwt: forged\r\n");
        QTest::newRow("upper case") << QByteArray("X-JWT: forged\r\n");
        QTest::newRow("twice, mixed") << QByteArray("x-JwT: forged\r\nX-JWT: forged2\r\n");
    }
    void spoofedJwtHeaderIsReplaced() {
        QFETCH(QByteArray, spoof);
        const auto r = through(authConfig(), get("/", spoof + bearer(freshToken())));
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        const QList<QByteArray> jwts = echoedHeader(*r, JwtHeader);
        QCOMPARE(jwts.size(), 1);
        QVERIFY(!verifiedClaims(jwts.first(), JwtSecret).isEmpty());
    }

    void jwtPassthroughKeepsTheClientsHeader() {
        Config c = authConfig();
        c.jwt.allowPassthrough = true;
        const auto r = through(c, get("/", "x-jwt: from-client\r\n" + bearer(freshToken())));
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(echoedHeader(*r, JwtHeader), QList<QByteArray>{"from-client"});
    }

    void allowMissingTokenForwardsWithoutIdentity() {
        Config c = authConfig();
        c.allowMissingToken = true;
        const quint64 calls = m_idp->introspectionCalls();
        auto r = through(c, get("/anon", "X-JWT: forged\r\n"));
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(echoedHeader(*r, JwtHeader), QList<QByteArray>{});
        QCOMPARE(m_idp->introspectionCalls(), calls);
        // A token that is present still has to be valid.
        r = through(c, get("/anon", bearer("never-issued")));
        QVERIFY(r);
        QCOMPARE(r->status, 401);
    }

    // Step 7: bodies are only read (and 100 Continue only sent) once the token passed.
    void bodyWaitsForTheDecision() {
        Gateway gw;
        QVERIFY(gw.start(authConfig()));
        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        client.send(
            "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n" +
            bearer(freshToken()) + "\r\n");
        auto interim = client.readResponse(10000, false, true);
        QVERIFY(interim);
        QCOMPARE(interim->status, 100);
        client.send("hello");
        auto r = client.readResponse();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(echoJson(*r).value(u"bodyBytes").toInt(), 5);

        RawClient refused;
        QVERIFY(refused.connectTo(gw.port()));
        refused.send(
            "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n" +
            bearer("never-issued") + "\r\n");
        r = refused.readResponse(10000, false, true);
        QVERIFY(r);
        QCOMPARE(r->status, 401); // no 100 Continue first
        QVERIFY(!r->keepAlive);   // the unread body makes the connection unusable
    }

    void upstreamDownIs502() {
        const quint16 closedPort = closedLoopbackPort();
        QVERIFY(closedPort);
        Config c = authConfig();
        c.upstreamUrl = QStringLiteral("http://127.0.0.1:%1").arg(closedPort);
        const auto r = through(c, get("/", bearer(freshToken())));
        QVERIFY(r);
        QCOMPARE(r->status, 502);
        QVERIFY(r->body.contains("upstream_unreachable"));
    }

    // A client that leaves while its token is being checked: the call goes on (requests for
    // the same token may be waiting on it) within its timeout, and the gateway keeps serving.
    void clientGoneDuringIntrospection() {
        ScriptedUpstream idp; // answers by hand
        Config c = scriptedIdpConfig(idp);
        c.introspection.maxConnections = 1;
        Gateway gw;
        QVERIFY(gw.start(c));
        {
            RawClient leaving;
            QVERIFY(leaving.connectTo(gw.port()));
            leaving.send(get("/", bearer("t")));
            QVERIFY(waitFor([&] { return idp.connections().size() == 1 && idp.requestCount(0); }));
        }
        RawClient next;
        QVERIFY(next.connectTo(gw.port()));
        next.send(get("/", bearer("t2"))); // waits in line behind the first call
        idp.reply(0, idpAnswer(200, R"({"active":true})"));
        QVERIFY(waitFor([&] { return idp.requestCount(0) == 2; })); // same keep-alive connection
        idp.reply(0, idpAnswer(200, R"({"active":true})"));
        const auto r = next.readResponse();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(idp.connections().size(), 1);
    }

    // Steps 1 and 2: Destination mode.
    void destination_data() {
        QTest::addColumn<QByteArray>("destination"); // %E is the echo upstream's origin
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("upstreamTarget");
        QTest::newRow("base + path and query") << QByteArray("%E/base") << QByteArray("/p/q?y=2")
                                               << 200 << QByteArray("/base/p/q?y=2");
        QTest::newRow("base with trailing slash")
            << QByteArray("%E/base/") << QByteArray("/p") << 200 << QByteArray("/base/p");
        QTest::newRow("no base path")
            << QByteArray("%E") << QByteArray("/p") << 200 << QByteArray("/p");
        QTest::newRow("double slashes and escapes kept")
            << QByteArray("%E/a//b%41/") << QByteArray("/x//y%2F?q=%41&r=a+b") << 200
            << QByteArray("/a//b%41/x//y%2F?q=%41&r=a+b");
        QTest::newRow("Destination with a query")
            << QByteArray("%E/base?k=1") << QByteArray("/p?y=2") << 200
            << QByteArray("/base/p?k=1&y=2");
        QTest::newRow("missing") << QByteArray() << QByteArray("/") << 400 << QByteArray();
        QTest::newRow("not a URL")
            << QByteArray("not a url") << QByteArray("/") << 400 << QByteArray();
        QTest::newRow("ftp") << QByteArray("ftp://127.0.0.1/") << QByteArray("/") << 400
                             << QByteArray();
        QTest::newRow("relative") << QByteArray("/just/a/path") << QByteArray("/") << 400
                                  << QByteArray();
        // Which of two would the upstream be? Neither: the client must name one.
        QTest::newRow("two Destination fields")
            << QByteArray("%E\r\nDestination: %E") << QByteArray("/") << 400 << QByteArray();
        QTest::newRow("link-local metadata")
            << QByteArray("http://169.254.169.254/latest/meta-data") << QByteArray("/") << 403
            << QByteArray();
        QTest::newRow("metadata host name") << QByteArray("http://metadata.google.internal/")
                                            << QByteArray("/") << 403 << QByteArray();
        QTest::newRow("IPv6 link-local")
            << QByteArray("http://[fe80::1]:8080/") << QByteArray("/") << 403 << QByteArray();
    }
    void destination() {
        QFETCH(QByteArray, destination);
        QFETCH(QByteArray, target);
        QFETCH(int, status);
        QFETCH(QByteArray, upstreamTarget);
        destination.replace("%E", echoUrl().toLatin1());
        Config c = authConfig();
        c.upstreamUrl.clear();
        const QByteArray headers =
            (destination.isEmpty() ? QByteArray() : "Destination: " + destination + "\r\n") +
            bearer(freshToken());
        const auto r = through(c, get(target, headers));
        QVERIFY(r);
        QCOMPARE(r->status, status);
        if (status == 200) {
            QCOMPARE(echoJson(*r).value(u"target").toString().toLatin1(), upstreamTarget);
            QCOMPARE(echoedHeader(*r, "Destination"), QList<QByteArray>{destination});
            QCOMPARE(echoedHeader(*r, "Host"), QList<QByteArray>{"gw.test"});
        } else if (status == 400) {
            QCOMPARE(r->body, QByteArray("Destination header should be a valid URL"));
        } else {
            QVERIFY(r->body.contains("destination_forbidden"));
        }
    }

    void destinationAllowlist_data() {
        QTest::addColumn<QString>("allow");
        QTest::addColumn<int>("status");
        QTest::newRow("host and port") << QStringLiteral("127.0.0.1:%P") << 200;
        QTest::newRow("host, any port") << QStringLiteral("127.0.0.1") << 200;
        QTest::newRow("any host") << QStringLiteral("*") << 200;
        QTest::newRow("other port") << QStringLiteral("127.0.0.1:1") << 403;
        QTest::newRow("other host") << QStringLiteral("api.example.com, *.svc.local") << 403;
    }
    void destinationAllowlist() {
        QFETCH(QString, allow);
        QFETCH(int, status);
        Config c = authConfig();
        c.upstreamUrl.clear();
        c.destinationAllow = allow.replace(QStringLiteral("%P"), QString::number(m_echo->port()));
        const auto r = through(
            c, get("/", "Destination: " + echoUrl().toLatin1() + "\r\n" + bearer(freshToken())));
        QVERIFY(r);
        QCOMPARE(r->status, status);
    }

    void fixedUpstreamIgnoresDestination() {
        const auto r = through(authConfig(), get("/p", "Destination: http://169.254.169.254/\r\n" +
                                                           bearer(freshToken())));
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(echoJson(*r).value(u"target").toString(), QStringLiteral("/p"));
    }

    // Step 8: neither the token nor a secret reaches any log line, whatever happens; the
    // token's fingerprint does.
    void tokensNeverLogged() {
        QStringList logged;
        static QStringList *sink = nullptr;
        sink = &logged;
        QLoggingCategory::setFilterRules(QStringLiteral("tokengate.*=true"));
        const QtMessageHandler previous = qInstallMessageHandler(
            [](QtMsgType, const QMessageLogContext &, const QString &m) { sink->append(m); });
        const QByteArray token = freshToken();
        const QByteArray inactive = "inactive-token-value";
        EventHub events;
        GatewayService service(&events);
        Config c = authConfig();
        QStringList errors;
        QVERIFY(service.start(c, &errors));
        for (const QByteArray &t : {token, inactive}) {
            RawClient client;
            QVERIFY(client.connectTo(service.port()));
            client.send(get("/?access_token=" + t, bearer(t)));
            QVERIFY(client.readResponse());
        }
        service.stop();
        ScriptedUpstream brokenIdp(ScriptedUpstream::answerEachRequestWith(idpAnswer(500, "x")));
        c.introspection.url = brokenIdp.url();
        QVERIFY(service.start(c, &errors));
        {
            RawClient client;
            QVERIFY(client.connectTo(service.port()));
            client.send(get("/", bearer(token)));
            QVERIFY(client.readResponse());
        }
        service.stop();
        qInstallMessageHandler(previous);
        QLoggingCategory::setFilterRules(QString());

        for (const RequestEvent &e : events.snapshot())
            logged << QString::fromUtf8(AccessLog::formatLine(e));
        QVERIFY(logged.size() >= 3);
        const QString all = logged.join(u'\n');
        for (const QByteArray &secret :
             {token, inactive, m_idp->clientSecret(), QByteArray(JwtSecret),
              QByteArray(m_idp->clientSecret()).toBase64()}) {
            QVERIFY2(!all.contains(QString::fromLatin1(secret)), qPrintable(all));
        }
        QVERIFY2(all.contains(QString::fromLatin1(
                     QCryptographicHash::hash(token, QCryptographicHash::Sha256).toHex().left(8))),
                 qPrintable(all));
    }
};

QTEST_GUILESS_MAIN(TestIntrospection)
#include "tst_introspection.moc"
