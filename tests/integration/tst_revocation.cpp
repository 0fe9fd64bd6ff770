// SPDX-License-Identifier: Apache-2.0
// Revocation at the gateway: the admin listener's /revocations calls (behind admin.token)
// against a real gateway whose IdP keeps vouching for the token, under local JWT validation
// and under introspection. A revoked token, jti or subject is refused on the very next
// request, cached or not, until the revocation ends or is taken back.
#include "tests/support/accesstokenminter.h"
#include "tests/support/admingateway.h"
#include "tests/support/gatewayfixture.h"
#include "tests/support/manualclock.h"
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"

#include "core/auth/bearertoken.h"
#include "core/base/sha256.h"
#include "core/observe/prometheustext.h"

#include <QHttpServer>
#include <QHttpServerResponse>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

const QString Audience = QStringLiteral("https://api.test");
const QString AdminToken = QStringLiteral("admin-token-for-the-tests-0123456789");

} // namespace

class TestRevocation : public QObject {
    Q_OBJECT

    QHttpServer m_idp;
    quint16 m_idpPort = 0;
    std::unique_ptr<HttpServer> m_echo;
    std::optional<TestIssuerKey> m_key;
    int m_introspections = 0;
    bool m_answerWithIat = true;
    ManualClock m_clock{QDateTime::currentMSecsSinceEpoch()};
    int m_jti = 0;
    quint64 m_requests = 0; // sent to this test's gateway

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
        c.cache.enabled = true;
        c.cache.ttlSecs = 600;
        c.admin.token = AdminToken;
        return c;
    }

    QByteArray jwt(const QString &subject = QStringLiteral("alice")) {
        QJsonObject claims = accessTokenClaims(issuer(), Audience, m_clock.nowSecs(), 3600);
        claims.insert(u"sub", subject);
        claims.insert(u"jti", QStringLiteral("jti-%1").arg(++m_jti));
        return m_key->sign(m_key->header(), claims);
    }

    int status(quint16 port, const QByteArray &token) {
        ++m_requests;
        const auto r = requestOnce(port, "GET", "/data", "Authorization: Bearer " + token + "\r\n");
        return r ? r->status : -1;
    }

    // The reason id of the gateway's latest answer, once its event is published (the
    // worker publishes after answering).
    QByteArray lastReason(const Gateway &gw) const {
        if (!waitFor([&] { return gw.events.published() >= m_requests; }))
            return {};
        const QList<RequestEvent> events = gw.events.snapshot();
        return events.isEmpty() ? QByteArray() : QByteArray(reasonId(events.last().reason));
    }

    static AdminAnswer adminCall(quint16 port, const QByteArray &method, const QByteArray &body,
                                 const QByteArray &contentType = "application/json",
                                 const QByteArray &authorization = "Bearer " +
                                                                   AdminToken.toUtf8()) {
        return Test::adminCall(port, method, "/revocations", authorization, body, contentType);
    }

    static AdminAnswer revoke(quint16 port, const QJsonObject &what) {
        return adminCall(port, "POST", QJsonDocument(what).toJson(QJsonDocument::Compact));
    }

private slots:
    void initTestCase() {
        m_key.emplace("ES256", QStringLiteral("key-1"));
        m_idp.route(QStringLiteral("/jwks"), [this] {
            return QHttpServerResponse("application/json", jwksOf({m_key->publicJwk()}));
        });
        // The IdP keeps vouching for every token: only the gateway's revocation refuses it.
        m_idp.route(QStringLiteral("/introspect"), [this] {
            ++m_introspections;
            QJsonObject answer{{u"active"_qs, true},
                               {u"sub"_qs, u"bob"_qs},
                               {u"jti"_qs, u"opaque-jti"_qs},
                               {u"exp"_qs, double(m_clock.nowSecs() + 3600)}};
            if (m_answerWithIat)
                answer.insert(u"iat", double(m_clock.nowSecs() - 10));
            return QHttpServerResponse(answer);
        });
        m_idpPort = m_idp.listen(QHostAddress::LocalHost, 0);
        QVERIFY(m_idpPort);
        QString error;
        m_echo = startEchoUpstream(&error);
        QVERIFY2(m_echo, qPrintable(error));
    }

    void init() {
        m_requests = 0;
        m_introspections = 0;
        m_answerWithIat = true;
    }

    void callsNeedTheAdminToken() {
        Config c = config(TokenValidation::Jwt);
        c.admin.token.clear();
        {
            AdminGateway none;
            QVERIFY(none.start(c));
            const AdminAnswer refused = revoke(none.admin->port(), {{u"jti"_qs, u"x"_qs}});
            QCOMPARE(refused.status, 403);
            QVERIFY(refused.body.value(u"error_description").toString().contains(u"admin.token"));
            QVERIFY(none.gw.service.revocations().isEmpty());
        }
        AdminGateway a;
        QVERIFY(a.start(config(TokenValidation::Jwt)));
        const quint16 port = a.admin->port();
        const AdminAnswer missing =
            adminCall(port, "POST", R"({"jti":"x"})", "application/json", {});
        QCOMPARE(missing.status, 401);
        QCOMPARE(missing.raw.headers.value("WWW-Authenticate"),
                 QByteArray("Bearer realm=\"tokengate-admin\""));
        QCOMPARE(adminCall(port, "POST", R"({"jti":"x"})", "application/json",
                           "Bearer " + AdminToken.toUtf8() + "x")
                     .status,
                 401);
        QCOMPARE(adminCall(port, "POST", R"({"jti":"x"})", "application/json",
                           "Basic " + AdminToken.toUtf8())
                     .status,
                 401);
        QCOMPARE(adminCall(port, "GET", {}, {}, {}).status, 401);
        QVERIFY(a.gw.service.revocations().isEmpty());
        const AdminAnswer listed = adminCall(port, "GET", {});
        QCOMPARE(listed.status, 200);
        QCOMPARE(listed.body.value(u"revocations").toArray().size(), 0);
    }

    // Local validation keeps saying yes (the signature holds): the list is what refuses.
    void revokedJwtIsRefusedUntilTakenBack() {
        AdminGateway a;
        a.gw.service.setClock(&m_clock);
        QVERIFY(a.start(config(TokenValidation::Jwt)));
        const QByteArray token = jwt();
        const QByteArray other = jwt();
        QCOMPARE(status(a.gw.port(), token), 200);
        QCOMPARE(status(a.gw.port(), token), 200); // now from the cache

        const AdminAnswer revoked =
            revoke(a.admin->port(), {{u"token"_qs, QString::fromLatin1(token)}});
        QCOMPARE(revoked.status, 201);
        QCOMPARE(revoked.body.value(u"kind").toString(), u"token"_qs);
        QCOMPARE(revoked.body.value(u"fingerprint").toString(),
                 QString::fromLatin1(tokenFingerprint(token)));
        // Until the token's own exp (plus the margin for leeway), not the default day.
        const qint64 exp = m_clock.nowSecs() + 3600;
        QCOMPARE(revoked.body.value(u"until").toString(),
                 QDateTime::fromSecsSinceEpoch(exp + RevocationApi::ExpMarginSecs, Qt::UTC)
                     .toString(Qt::ISODate));
        QVERIFY(revoked.raw.body.indexOf(token) < 0);

        QCOMPARE(status(a.gw.port(), token), 401);
        QCOMPARE(lastReason(a.gw), QByteArray("token_revoked"));
        QCOMPARE(status(a.gw.port(), other), 200); // same subject, another token

        const AdminAnswer listed = adminCall(a.admin->port(), "GET", {});
        const QJsonArray all = listed.body.value(u"revocations").toArray();
        QCOMPARE(all.size(), 1);
        QCOMPARE(all.at(0).toObject().value(u"fingerprint"), revoked.body.value(u"fingerprint"));
        QVERIFY(QJsonDocument(listed.body).toJson().indexOf(token) < 0);

        QCOMPARE(adminCall(
                     a.admin->port(), "DELETE",
                     QJsonDocument(QJsonObject{{u"token"_qs, QString::fromLatin1(token)}}).toJson())
                     .status,
                 200);
        QCOMPARE(status(a.gw.port(), token), 200);
        QCOMPARE(adminCall(a.admin->port(), "DELETE", R"({"token":"never-revoked"})").status, 404);
    }

    // The check stands after the cache: a revocation that evicted nothing (or another
    // instance's, arriving through Redis) still refuses a cached answer. Reloads keep it.
    void cachedAnswersAreRefusedToo() {
        AdminGateway a;
        a.gw.service.setClock(&m_clock);
        QVERIFY(a.start(config(TokenValidation::Jwt)));
        const QByteArray token = jwt();
        QCOMPARE(status(a.gw.port(), token), 200);
        QString error;
        const qint64 now = m_clock.nowSecs();
        QVERIFY(a.gw.service.revocations().add(
            {RevocationList::Kind::Token, sha256(token), now, now + 60}, now, &error));
        QCOMPARE(status(a.gw.port(), token), 401);
        QCOMPARE(lastReason(a.gw), QByteArray("token_revoked"));
        QCOMPARE(a.gw.events.snapshot().last().cache, CacheOutcome::Hit);

        QStringList errors;
        QVERIFY2(a.gw.service.reload(config(TokenValidation::JwtThenIntrospect), &errors),
                 qPrintable(errors.join(u'\n')));
        QCOMPARE(status(a.gw.port(), token), 401);
        QCOMPARE(lastReason(a.gw), QByteArray("token_revoked"));
        QCOMPARE(m_introspections, 1); // the IdP said active; the gateway said no
    }

    void revocationEndsWhenItSaysSo() {
        AdminGateway a;
        a.gw.service.setClock(&m_clock);
        QVERIFY(a.start(config(TokenValidation::Jwt)));
        const QByteArray token = jwt();
        QCOMPARE(revoke(a.admin->port(),
                        {{u"token"_qs, QString::fromLatin1(token)}, {u"expires_in"_qs, 60}})
                     .status,
                 201);
        QCOMPARE(status(a.gw.port(), token), 401);
        m_clock.advanceMs(59'000);
        QCOMPARE(status(a.gw.port(), token), 401);
        m_clock.advanceMs(2'000);
        QCOMPARE(status(a.gw.port(), token), 200);
    }

    void revokedByJti() {
        AdminGateway a;
        a.gw.service.setClock(&m_clock);
        QVERIFY(a.start(config(TokenValidation::Jwt)));
        const QByteArray first = jwt();
        const QByteArray second = jwt();
        // Form-encoded, the shape of an RFC 7009 revocation call.
        const QByteArray jti = "jti-" + QByteArray::number(m_jti - 1);
        QCOMPARE(
            adminCall(a.admin->port(), "POST", "jti=" + jti, "application/x-www-form-urlencoded")
                .status,
            201);
        QCOMPARE(status(a.gw.port(), first), 401);
        QCOMPARE(lastReason(a.gw), QByteArray("token_revoked"));
        QCOMPARE(status(a.gw.port(), second), 200);
    }

    // "Log alice out everywhere": her tokens issued until now are refused, later ones pass,
    // other subjects are untouched.
    void revokedBySubject() {
        AdminGateway a;
        a.gw.service.setClock(&m_clock);
        QVERIFY(a.start(config(TokenValidation::Jwt)));
        const QByteArray before = jwt(QStringLiteral("alice"));
        const QByteArray carol = jwt(QStringLiteral("carol"));
        QCOMPARE(status(a.gw.port(), before), 200);
        const AdminAnswer revoked = revoke(a.admin->port(), {{u"sub"_qs, u"alice"_qs}});
        QCOMPARE(revoked.status, 201);
        QCOMPARE(revoked.body.value(u"cache_entries_evicted").toInt(), 1);
        QCOMPARE(status(a.gw.port(), before), 401);
        QCOMPARE(lastReason(a.gw), QByteArray("token_revoked"));
        QCOMPARE(status(a.gw.port(), carol), 200);
        // Past the allowance for the IdP's clock running ahead of ours.
        m_clock.advanceMs((RevocationList::SubjectSkewSecs + 1) * 1000);
        const QByteArray after = jwt(QStringLiteral("alice"));
        QCOMPARE(status(a.gw.port(), after), 200);
        QCOMPARE(status(a.gw.port(), before), 401);
    }

    // Under introspection the IdP keeps saying active; the revocation wins, and an answer
    // without iat cannot prove it came after a subject's revocation.
    void introspectedTokensToo() {
        AdminGateway a;
        a.gw.service.setClock(&m_clock);
        QVERIFY(a.start(config(TokenValidation::Introspect)));
        QCOMPARE(status(a.gw.port(), "opaque-1"), 200);
        QCOMPARE(revoke(a.admin->port(), {{u"token"_qs, u"opaque-1"_qs}}).status, 201);
        QCOMPARE(status(a.gw.port(), "opaque-1"), 401);
        QCOMPARE(status(a.gw.port(), "opaque-2"), 200);
        QCOMPARE(revoke(a.admin->port(), {{u"sub"_qs, u"bob"_qs}}).status, 201);
        QCOMPARE(status(a.gw.port(), "opaque-2"), 401);
        m_clock.advanceMs(60'000);
        QCOMPARE(status(a.gw.port(), "opaque-3"), 200); // iat after the revocation
        m_answerWithIat = false;
        QCOMPARE(status(a.gw.port(), "opaque-4"), 401);
        QCOMPARE(lastReason(a.gw), QByteArray("token_revoked"));

        PrometheusText out;
        a.gw.service.renderMetrics(out);
        QVERIFY(out.text().contains("tokengate_revocations{kind=\"token\"} 1\n"));
        QVERIFY(out.text().contains("tokengate_revocations{kind=\"sub\"} 1\n"));
    }

    void badCallsAreRefusedClearly_data() {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("says");
        const QByteArray json = "application/json";
        QTest::newRow("nothing named")
            << QByteArray("POST") << json << QByteArray("{}") << 400 << u"exactly one"_qs;
        QTest::newRow("two named")
            << QByteArray("POST") << json << QByteArray(R"({"jti":"a","sub":"b"})") << 400
            << u"exactly one"_qs;
        QTest::newRow("not a string") << QByteArray("POST") << json << QByteArray(R"({"sub":7})")
                                      << 400 << u"non-empty string"_qs;
        QTest::newRow("empty") << QByteArray("POST") << json << QByteArray(R"({"sub":""})") << 400
                               << u"non-empty string"_qs;
        QTest::newRow("not json") << QByteArray("POST") << json << QByteArray("{sub") << 400
                                  << u"JSON object"_qs;
        QTest::newRow("other type") << QByteArray("POST") << QByteArray("text/plain")
                                    << QByteArray("sub=a") << 400 << u"application/json"_qs;
        QTest::newRow("expires_in 0")
            << QByteArray("POST") << json << QByteArray(R"({"sub":"a","expires_in":0})") << 400
            << u"expires_in"_qs;
        QTest::newRow("expires_in huge")
            << QByteArray("POST") << json << QByteArray(R"({"sub":"a","expires_in":1e300})") << 400
            << u"expires_in"_qs;
        QTest::newRow("expires_in text")
            << QByteArray("POST") << json << QByteArray(R"({"sub":"a","expires_in":"60"})") << 400
            << u"expires_in"_qs;
        QTest::newRow("repeated form field")
            << QByteArray("POST") << QByteArray("application/x-www-form-urlencoded")
            << QByteArray("sub=a&sub=b") << 400 << u"repeated"_qs;
        QTest::newRow("too long") << QByteArray("POST") << json
                                  << QByteArray(R"({"sub":")" + QByteArray(2000, 'a') + R"("})")
                                  << 400 << u"bytes"_qs;
        QTest::newRow("token with its scheme")
            << QByteArray("POST") << json << QByteArray(R"({"token":"Bearer abc"})") << 400
            << u"the token alone"_qs;
        // "+" in a form body is a space once decoded: the caller forgot to encode it.
        QTest::newRow("form plus")
            << QByteArray("POST") << QByteArray("application/x-www-form-urlencoded")
            << QByteArray("token=ab+cd") << 400 << u"the token alone"_qs;
        QTest::newRow("delete unknown")
            << QByteArray("DELETE") << json << QByteArray(R"({"sub":"nobody"})") << 404
            << u"nothing revoked"_qs;
    }
    void badCallsAreRefusedClearly() {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, contentType);
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        QFETCH(QString, says);
        AdminGateway a;
        QVERIFY(a.start(config(TokenValidation::Jwt)));
        const AdminAnswer answer = adminCall(a.admin->port(), method, body, contentType);
        QCOMPARE(answer.status, status);
        QVERIFY2(answer.body.value(u"error_description").toString().contains(says),
                 answer.raw.body.constData());
        QVERIFY(a.gw.service.revocations().isEmpty());
    }
};

QTEST_MAIN(TestRevocation)
#include "tst_revocation.moc"
