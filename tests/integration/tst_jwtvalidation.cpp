// SPDX-License-Identifier: Apache-2.0
// JWT access tokens validated by the gateway itself (validation: jwt / jwt_then_introspect):
// a real gateway, a JWKS and introspection endpoint on QHttpServer, tokens minted by the test.
// What the IdP sees is counted: a valid JWT under `jwt` never reaches it, a forged one never
// does under `jwt_then_introspect`, and made-up key ids cannot make the gateway hammer its JWKS.
#include "tests/support/accesstokenminter.h"
#include "tests/support/gatewayfixture.h"
#include "tests/support/manualclock.h"
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"

#include "core/auth/discovery.h"
#include "core/observe/prometheustext.h"

#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QJsonDocument>
#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

const QString Audience = QStringLiteral("https://api.test");

} // namespace

class TestJwtValidation : public QObject {
    Q_OBJECT

    QHttpServer m_idp;
    quint16 m_idpPort = 0;
    QByteArray m_jwks;
    int m_jwksStatus = 200;
    QByteArray m_cacheControl;
    int m_jwksFetches = 0;
    int m_introspections = 0;
    bool m_idpSendsExp = true;
    // RFC 9701: what the introspection endpoint answers instead of JSON when set.
    std::function<QByteArray(const QJsonObject &answer)> m_signAnswer;
    QByteArray m_lastAccept;
    std::unique_ptr<HttpServer> m_echo;
    std::optional<TestIssuerKey> m_keyA;
    std::optional<TestIssuerKey> m_keyB;
    int m_jti = 0;

    QString issuer() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_idpPort); }

    Config config(TokenValidation validation) const {
        Config c = testConfig(loopbackUrl(*m_echo));
        c.auth = AuthMode::Introspection;
        IntrospectionConfig &e = c.introspection;
        e.issuer = issuer();
        e.url = issuer() + QStringLiteral("/introspect");
        e.jwksUri = issuer() + QStringLiteral("/jwks");
        e.validation = validation;
        e.audiences = {Audience};
        e.jwksRefetchSecs = 1;
        c.cache.enabled = true;
        c.cache.ttlSecs = 60;
        return c;
    }

    QByteArray token(const TestIssuerKey &key, qint64 lifetime = 300) {
        QJsonObject claims =
            accessTokenClaims(issuer(), Audience, QDateTime::currentSecsSinceEpoch(), lifetime);
        claims.insert(u"jti", QString::number(++m_jti)); // each token its own cache entry
        return key.sign(key.header(), claims);
    }

    static std::optional<ReceivedResponse> get(quint16 port, const QByteArray &token) {
        RawClient client;
        if (!client.connectTo(port))
            return std::nullopt;
        client.send("GET /data HTTP/1.1\r\nHost: api.test\r\nAuthorization: Bearer " + token +
                    "\r\nConnection: close\r\n\r\n");
        return client.readResponse(10000);
    }

    static int status(quint16 port, const QByteArray &token) {
        const auto r = get(port, token);
        return r ? r->status : -1;
    }

    static QByteArray metrics(const Gateway &gw) {
        PrometheusText out;
        gw.service.renderMetrics(out);
        return out.text();
    }

private slots:
    void initTestCase() {
        m_keyA.emplace("RS256", QStringLiteral("key-a"));
        m_keyB.emplace("ES256", QStringLiteral("key-b"));
        m_jwks = jwksOf({m_keyA->publicJwk()});
        m_idp.route(QStringLiteral("/jwks"), [this] {
            ++m_jwksFetches;
            QHttpServerResponse response("application/json", m_jwks,
                                         QHttpServerResponse::StatusCode(m_jwksStatus));
            if (!m_cacheControl.isEmpty())
                response.setHeader("Cache-Control", m_cacheControl);
            return response;
        });
        m_idp.route(QStringLiteral("/introspect"), [this](const QHttpServerRequest &request) {
            ++m_introspections;
            m_lastAccept = request.value("Accept");
            QJsonObject answer{{u"active"_qs, true}, {u"sub"_qs, u"from-the-idp"_qs}};
            if (m_idpSendsExp) // RFC 7662 makes it optional
                answer.insert(u"exp", double(QDateTime::currentSecsSinceEpoch() + 300));
            if (m_signAnswer)
                return QHttpServerResponse("application/token-introspection+jwt",
                                           m_signAnswer(answer));
            return QHttpServerResponse(answer);
        });
        m_idp.route(QStringLiteral("/.well-known/openid-configuration"), [this] {
            QJsonObject metadata{{u"issuer"_qs, issuer()}};
            metadata.insert(u"jwks_uri", QString(issuer() + QStringLiteral("/jwks")));
            metadata.insert(u"introspection_endpoint",
                            QString(issuer() + QStringLiteral("/introspect")));
            return QHttpServerResponse(metadata);
        });
        m_idpPort = m_idp.listen(QHostAddress::LocalHost, 0);
        QVERIFY(m_idpPort);
        QString error;
        m_echo = startEchoUpstream(&error);
        QVERIFY2(m_echo, qPrintable(error));
    }

    void init() {
        m_jwks = jwksOf({m_keyA->publicJwk()});
        m_jwksStatus = 200;
        m_cacheControl.clear();
        m_jwksFetches = 0;
        m_introspections = 0;
        m_idpSendsExp = true;
        m_signAnswer = nullptr;
    }

    // Valid JWTs pass with the identity they carry; the IdP is never asked about them.
    void validTokensNeverReachTheIdp() {
        Gateway gw;
        QVERIFY(gw.start(config(TokenValidation::Jwt)));
        for (int i = 0; i < 3; ++i) {
            const auto r = get(gw.port(), token(*m_keyA));
            QVERIFY(r);
            QCOMPARE(r->status, 200);
        }
        QCOMPARE(m_introspections, 0);
        QCOMPARE(m_jwksFetches, 1);
        // A token seen before is the cache's: validated once.
        const QByteArray again = token(*m_keyA);
        QCOMPARE(status(gw.port(), again), 200);
        QCOMPARE(status(gw.port(), again), 200);
        const QByteArray text = metrics(gw);
        QVERIFY2(text.contains("tokengate_cache_hits_total 1\n"), text.constData());
        QVERIFY2(text.contains(R"(tokengate_jwks_fetches_total{endpoint="default",result="ok"} 1)"),
                 text.constData());
        QVERIFY(text.contains(R"(tokengate_jwks_keys{endpoint="default"} 1)"));
    }

    void refusedTokensSayInvalidToken_data() {
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<QByteArray>("challenge");
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        QJsonObject claims = accessTokenClaims(issuer(), Audience, now);
        QTest::newRow("expired") << m_keyA->sign(m_keyA->header(),
                                                 accessTokenClaims(issuer(), Audience, now - 900))
                                 << QByteArray("invalid_token");
        claims.insert(u"aud", u"https://another-api.test"_qs);
        QTest::newRow("another audience")
            << m_keyA->sign(m_keyA->header(), claims) << QByteArray("invalid_token");
        claims = accessTokenClaims(u"https://evil.test"_qs, Audience, now);
        QTest::newRow("another issuer")
            << m_keyA->sign(m_keyA->header(), claims) << QByteArray("invalid_token");
        const QByteArray valid =
            m_keyA->sign(m_keyA->header(), accessTokenClaims(issuer(), Audience, now));
        QTest::newRow("alg none") << QByteArray(R"(eyJhbGciOiJub25lIiwia2lkIjoia2V5LWEifQ)") + '.' +
                                         valid.split('.').at(1) + '.'
                                  << QByteArray("invalid_token");
        QTest::newRow("truncated") << valid.chopped(3) << QByteArray("invalid_token");
        QTest::newRow("opaque") << QByteArray("2YotnFZFEjr1zCsicMWpAA")
                                << QByteArray("invalid_token");
    }
    void refusedTokensSayInvalidToken() {
        QFETCH(QByteArray, token);
        QFETCH(QByteArray, challenge);
        Gateway gw;
        QVERIFY(gw.start(config(TokenValidation::Jwt)));
        const auto r = get(gw.port(), token);
        QVERIFY(r);
        QCOMPARE(r->status, 401);
        QVERIFY2(r->headers.value("WWW-Authenticate").contains(challenge),
                 r->headers.value("WWW-Authenticate").constData());
        QCOMPARE(m_introspections, 0);
    }

    // RFC 9068 key rotation: a token signed with a newly published key is accepted after one
    // fetch; tokens of the old key stay valid while it is listed and not after.
    void keyRotation() {
        ManualClock steady; // the refetch interval (1 s) passes when the test says so; it
                            // outlives the gateway, whose workers read it until they stop
        Gateway gw;
        gw.useDeadlineClock(steady);
        QVERIFY(gw.start(config(TokenValidation::Jwt)));
        QCOMPARE(status(gw.port(), token(*m_keyA)), 200);
        QCOMPARE(m_jwksFetches, 1);
        m_jwks = jwksOf({m_keyA->publicJwk(), m_keyB->publicJwk()});
        // The refetch interval bounds how soon an unknown kid may fetch again.
        steady.advanceMs(900);
        QCOMPARE(status(gw.port(), token(*m_keyB)), 401);
        QCOMPARE(m_jwksFetches, 1);
        steady.advanceMs(100);
        QCOMPARE(status(gw.port(), token(*m_keyB)), 200);
        QCOMPARE(m_jwksFetches, 2);
        QCOMPARE(status(gw.port(), token(*m_keyA)), 200); // still listed
        m_jwks = jwksOf({m_keyB->publicJwk()});
        steady.advanceMs(1000);
        const TestIssuerKey stranger("RS256", QStringLiteral("never-published"));
        QCOMPARE(status(gw.port(), token(stranger)), 401); // fetched: key-a is gone now
        QCOMPARE(m_jwksFetches, 3);
        QCOMPARE(status(gw.port(), token(*m_keyA)), 401);
        QCOMPARE(status(gw.port(), token(*m_keyB)), 200);
        QCOMPARE(m_jwksFetches, 3);
    }

    // Tokens naming made-up key ids: at most one JWKS fetch per refetch interval, all refused.
    void unknownKeyIdsCannotFloodTheIdp() {
        Config c = config(TokenValidation::Jwt);
        c.introspection.jwksRefetchSecs = 60;
        Gateway gw;
        QVERIFY(gw.start(c));
        QCOMPARE(status(gw.port(), token(*m_keyA)), 200);
        for (int i = 0; i < 20; ++i) {
            const TestIssuerKey made("EdDSA", QStringLiteral("made-up-%1").arg(i));
            QCOMPARE(status(gw.port(), token(made)), 401);
        }
        QCOMPARE(m_jwksFetches, 1); // the start's fetch was less than 60 s ago
        QCOMPARE(m_introspections, 0);
    }

    // No keys (the JWKS fails): fail closed with 503, then recover once the JWKS answers.
    void jwksDownFailsClosed() {
        m_jwksStatus = 500;
        ManualClock steady; // declared first: it outlives the gateway
        Gateway gw;
        gw.useDeadlineClock(steady);
        QVERIFY(gw.start(config(TokenValidation::Jwt)));
        QVERIFY(waitFor([&] { return m_jwksFetches >= 1; }));
        const auto r = get(gw.port(), token(*m_keyA));
        QVERIFY(r);
        QCOMPARE(r->status, 503);
        QVERIFY(metrics(gw).contains(
            R"(tokengate_jwks_fetches_total{endpoint="default",result="failed"} )"));
        m_jwksStatus = 200;
        QCOMPARE(status(gw.port(), token(*m_keyA)), 503); // within the refetch interval
        steady.advanceMs(1000);
        QCOMPARE(status(gw.port(), token(*m_keyA)), 200);
    }

    // The JWK Set's Cache-Control max-age sets when it is fetched again.
    void cacheControlSetsTheRefresh() {
        m_cacheControl = "public, max-age=1";
        Config c = config(TokenValidation::Jwt);
        c.introspection.jwksRefreshSecs = 3600;
        Gateway gw;
        QVERIFY(gw.start(c));
        QVERIFY(waitFor([&] { return m_jwksFetches >= 2; }, 5000));
    }

    // jwt_then_introspect: only tokens that pass locally reach the IdP.
    void jwtThenIntrospect() {
        Gateway gw;
        QVERIFY(gw.start(config(TokenValidation::JwtThenIntrospect)));
        QCOMPARE(status(gw.port(), token(*m_keyA)), 200);
        QCOMPARE(m_introspections, 1);
        const TestIssuerKey forger("RS256", QStringLiteral("key-a"));
        QCOMPARE(status(gw.port(), token(forger)), 401);
        QCOMPARE(status(gw.port(), token(*m_keyA, -600)), 401); // expired
        QCOMPARE(m_introspections, 1);
        QCOMPARE(status(gw.port(), "2YotnFZFEjr1zCsicMWpAA"), 200); // opaque: the IdP judges
        QCOMPARE(m_introspections, 2);
    }

    // RFC 8705: a JWT bound to a certificate (cnf.x5t#S256) stays bound whatever the IdP's
    // answer leaves out; over plain HTTP no certificate can match it.
    void certificateBoundJwtStaysBound_data() {
        QTest::addColumn<TokenValidation>("validation");
        QTest::newRow("jwt") << TokenValidation::Jwt;
        QTest::newRow("jwt_then_introspect") << TokenValidation::JwtThenIntrospect;
    }

    void certificateBoundJwtStaysBound() {
        QFETCH(TokenValidation, validation);
        Gateway gw;
        QVERIFY(gw.start(config(validation)));
        QJsonObject claims =
            accessTokenClaims(issuer(), Audience, QDateTime::currentSecsSinceEpoch(), 300);
        claims.insert(u"jti", QString::number(++m_jti));
        claims.insert(u"cnf", QJsonObject{{u"x5t#S256"_qs,
                                           u"bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"_qs}});
        const QByteArray bound = m_keyA->sign(m_keyA->header(), claims);
        QCOMPARE(status(gw.port(), bound), 401);
        QCOMPARE(status(gw.port(), bound), 401); // the cached answer too
        // Refused for its binding, after the IdP said active once (then from the cache).
        QCOMPARE(m_introspections, validation == TokenValidation::JwtThenIntrospect ? 1 : 0);
        QCOMPARE(status(gw.port(), token(*m_keyA)), 200);
    }

    // The IdP's answer may omit exp: the cached answer must still end with the JWT's own.
    void introspectedAnswerEndsWithTheJwt() {
        m_idpSendsExp = false;
        // Minted before the clock is read: with no leeway, an iat a second past the clock
        // (a second boundary crossed in between) would be in the future.
        const QByteArray shortLived = token(*m_keyA, 60);
        ManualClock clock(QDateTime::currentMSecsSinceEpoch());
        Config c = config(TokenValidation::JwtThenIntrospect);
        c.introspection.leewaySecs = 0;
        c.cache.ttlSecs = 3600;
        Gateway gw;
        gw.service.setClock(&clock);
        QVERIFY(gw.start(c));
        QCOMPARE(status(gw.port(), shortLived), 200);
        QCOMPARE(status(gw.port(), shortLived), 200); // the cached answer
        QCOMPARE(m_introspections, 1);
        clock.advanceMs(61'000);
        QCOMPARE(status(gw.port(), shortLived), 401);
        QCOMPARE(m_introspections, 1);
    }

    // RFC 9701: with signed_answers only an answer signed by the issuer's key, for our client,
    // is believed; anything else is the IdP failing (503), never a token accepted.
    void signedIntrospectionAnswers() {
        Config c = config(TokenValidation::Introspect);
        c.introspection.signedAnswers = true;
        c.introspection.clientId = QStringLiteral("gateway");
        c.introspection.clientSecret = QStringLiteral("s3cret");
        c.cache.enabled = false;
        Gateway gw;
        QVERIFY(gw.start(c));
        QJsonObject header{{u"alg"_qs, u"RS256"_qs},
                           {u"kid"_qs, u"key-a"_qs},
                           {u"typ"_qs, u"token-introspection+jwt"_qs}};
        QJsonObject claims{{u"iss"_qs, issuer()},
                           {u"aud"_qs, u"gateway"_qs},
                           {u"iat"_qs, double(QDateTime::currentSecsSinceEpoch())}};
        auto signedBy = [&](const TestIssuerKey &key, QJsonObject h, QJsonObject p) {
            return [&key, h, p](const QJsonObject &answer) {
                QJsonObject payload = p;
                payload.insert(u"token_introspection", answer);
                return key.sign(h, payload);
            };
        };
        m_signAnswer = signedBy(*m_keyA, header, claims);
        QCOMPARE(status(gw.port(), "opaque-1"), 200);
        QCOMPARE(m_lastAccept, QByteArray("application/token-introspection+jwt"));
        m_signAnswer = nullptr; // plain JSON, as a proxy on the path could send
        QCOMPARE(status(gw.port(), "opaque-2"), 503);
        const TestIssuerKey forger("RS256", QStringLiteral("key-a"));
        m_signAnswer = signedBy(forger, header, claims);
        QCOMPARE(status(gw.port(), "opaque-3"), 503);
        QJsonObject otherAudience = claims;
        otherAudience.insert(u"aud", u"another-client"_qs);
        m_signAnswer = signedBy(*m_keyA, header, otherAudience);
        QCOMPARE(status(gw.port(), "opaque-4"), 503);
        QJsonObject idToken = header;
        idToken.insert(u"typ", u"JWT"_qs);
        m_signAnswer = signedBy(*m_keyA, idToken, claims);
        QCOMPARE(status(gw.port(), "opaque-5"), 503);
        QJsonObject replayed = claims; // an answer signed two minutes ago
        replayed.insert(u"iat", double(QDateTime::currentSecsSinceEpoch() - 120));
        m_signAnswer = signedBy(*m_keyA, header, replayed);
        QCOMPARE(status(gw.port(), "opaque-6"), 503);
        m_signAnswer = signedBy(*m_keyA, header, claims);
        QCOMPARE(status(gw.port(), "opaque-7"), 200);
        QCOMPARE(m_introspections, 7);
    }

    // validation jwt with introspect_opaque: opaque tokens go to the IdP, JWTs do not.
    void opaqueTokensIntrospectedWhenAsked() {
        Config c = config(TokenValidation::Jwt);
        c.introspection.introspectOpaque = true;
        Gateway gw;
        QVERIFY(gw.start(c));
        QCOMPARE(status(gw.port(), "2YotnFZFEjr1zCsicMWpAA"), 200);
        QCOMPARE(m_introspections, 1);
        QCOMPARE(status(gw.port(), token(*m_keyA)), 200);
        QCOMPARE(m_introspections, 1);
    }

    // An issuer alone is enough: its metadata names the jwks_uri (and no introspection
    // endpoint is looked up for validation jwt).
    void discoveryFindsTheKeys() {
        Config c = config(TokenValidation::Jwt);
        c.introspection.url.clear();
        c.introspection.jwksUri.clear();
        QStringList problems = resolveDiscovery(c, 5000);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        QCOMPARE(c.introspection.jwksUri, issuer() + QStringLiteral("/jwks"));
        QVERIFY(c.introspection.url.isEmpty());
        Gateway gw;
        QVERIFY(gw.start(c));
        QCOMPARE(status(gw.port(), token(*m_keyA)), 200);
    }

    void configNeedsIssuerAndAudience() {
        Config c = config(TokenValidation::Jwt);
        c.introspection.audiences.clear();
        c.introspection.issuer.clear();
        QString problems = c.validate().join(u'\n');
        QVERIFY2(problems.contains(u"needs the issuer"), qPrintable(problems));
        QVERIFY2(problems.contains(u"needs audience"), qPrintable(problems));
        c = config(TokenValidation::Jwt);
        c.introspection.audiences = {QString()};
        c.introspection.jwksUri = QStringLiteral("http://sso.example/jwks");
        problems = c.validate().join(u'\n');
        QVERIFY2(problems.contains(u"an empty audience"), qPrintable(problems));
        QVERIFY2(problems.contains(u"must be https"), qPrintable(problems));
        c = config(TokenValidation::Jwt); // loopback http is fine (and the default here)
        QVERIFY2(c.validate().isEmpty(), qPrintable(c.validate().join(u'\n')));
    }
};

QTEST_GUILESS_MAIN(TestJwtValidation)
#include "tst_jwtvalidation.moc"
