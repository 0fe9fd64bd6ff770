// SPDX-License-Identifier: Apache-2.0
// The cache inspector on the admin listener against a real gateway and a scripted IdP:
// GET /cache lists what real requests cached (fingerprints, never tokens), DELETE /cache/...
// evicts so that the next request asks the IdP again, and every call (and /metrics, once
// admin.token is set) is refused without the admin token.
#include "tests/support/accesstokenminter.h"
#include "tests/support/admingateway.h"
#include "tests/support/manualclock.h"

#include "core/auth/bearertoken.h"
#include "core/base/formencoding.h"

#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

const QString AdminToken = QStringLiteral("admin-token-for-the-cache-tests-42");
const QByteArray AdminBearer = "Bearer " + AdminToken.toUtf8();

// With the admin token unless told otherwise.
AdminAnswer call(quint16 port, const QByteArray &method, const QByteArray &target,
                 const QByteArray &authorization = AdminBearer) {
    return adminCall(port, method, target, authorization);
}

QJsonObject entryOf(const AdminAnswer &listed, const QByteArray &token) {
    const QString fingerprint = QString::fromLatin1(tokenFingerprint(token));
    for (const QJsonValue &v : listed.body.value(u"entries").toArray()) {
        if (v.toObject().value(u"fingerprint").toString() == fingerprint)
            return v.toObject();
    }
    return {};
}

} // namespace

class TestCacheApi : public QObject {
    Q_OBJECT

    QHttpServer m_idp;
    quint16 m_idpPort = 0;
    std::unique_ptr<HttpServer> m_echo;
    std::optional<TestIssuerKey> m_key;
    int m_introspections = 0;

    QString issuer() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_idpPort); }

    Config config() const {
        Config c = testConfig(loopbackUrl(*m_echo));
        c.auth = AuthMode::Introspection;
        c.introspection.issuer = issuer();
        c.introspection.url = issuer() + QStringLiteral("/introspect");
        c.introspection.jwksUri = issuer() + QStringLiteral("/jwks");
        c.cache.enabled = true;
        c.cache.ttlSecs = 600;
        c.cache.negativeTtlSecs = 600;
        c.admin.token = AdminToken;
        return c;
    }

    static int status(quint16 port, const QByteArray &token) {
        const auto r = requestOnce(port, "GET", "/data", "Authorization: Bearer " + token + "\r\n");
        return r ? r->status : -1;
    }

private slots:
    void initTestCase() {
        m_key.emplace("ES256", QStringLiteral("key-1"));
        m_idp.route(QStringLiteral("/jwks"), [this] {
            return QHttpServerResponse("application/json", jwksOf({m_key->publicJwk()}));
        });
        // tok-<subject>-<n> is active for <subject>; anything else is inactive.
        m_idp.route(QStringLiteral("/introspect"), [this](const QHttpServerRequest &request) {
            ++m_introspections;
            QByteArray token;
            for (const auto &[name, value] : parseForm(request.body()))
                if (name == "token")
                    token = value;
            const QList<QByteArray> parts = token.split('-');
            if (parts.size() != 3 || parts[0] != "tok")
                return QHttpServerResponse(QJsonObject{{u"active"_qs, false}});
            return QHttpServerResponse(
                QJsonObject{{u"active"_qs, true},
                            {u"sub"_qs, QString::fromLatin1(parts[1])},
                            {u"client_id"_qs, u"inspector-app"_qs},
                            {u"scope"_qs, u"read write"_qs},
                            {u"exp"_qs, double(QDateTime::currentSecsSinceEpoch() + 3600)}});
        });
        m_idpPort = m_idp.listen(QHostAddress::LocalHost, 0);
        QVERIFY(m_idpPort);
        QString error;
        m_echo = startEchoUpstream(&error);
        QVERIFY2(m_echo, qPrintable(error));
    }

    void init() { m_introspections = 0; }

    void callsNeedTheAdminToken() {
        {
            Config open = config();
            open.admin.token.clear();
            AdminGateway a;
            QVERIFY(a.start(open));
            for (const QByteArray &method : {QByteArray("GET"), QByteArray("DELETE")}) {
                const AdminAnswer refused = call(a.admin->port(), method, "/cache");
                QCOMPARE(refused.status, 403);
                QVERIFY(
                    refused.body.value(u"error_description").toString().contains(u"admin.token"));
            }
            QCOMPARE(call(a.admin->port(), "DELETE", "/cache/0a1b2c3d").status, 403);
            // Without an admin.token the metrics stay open, as they always were.
            QCOMPARE(call(a.admin->port(), "GET", "/metrics", {}).status, 200);
        }
        AdminGateway a;
        QVERIFY(a.start(config()));
        const quint16 port = a.admin->port();
        QCOMPARE(status(a.gw.port(), "tok-alice-1"), 200);
        for (const QByteArray &auth :
             QList<QByteArray>{{}, AdminBearer + "x", "Basic " + AdminToken.toUtf8()}) {
            const AdminAnswer listed = call(port, "GET", "/cache", auth);
            QCOMPARE(listed.status, 401);
            QCOMPARE(listed.raw.headers.value("WWW-Authenticate"),
                     QByteArray("Bearer realm=\"tokengate-admin\""));
            QVERIFY(!listed.body.contains(u"entries"));
            QCOMPARE(call(port, "DELETE", "/cache", auth).status, 401);
            QCOMPARE(call(port, "DELETE", "/cache/" + tokenFingerprint("tok-alice-1"), auth).status,
                     401);
            QCOMPARE(call(port, "GET", "/metrics", auth).status, 401);
        }
        QCOMPARE(a.gw.service.cache()->stats().entries, 1); // nothing was evicted
        QCOMPARE(call(port, "GET", "/metrics").status, 200);
        QCOMPARE(call(port, "GET", "/healthz", {}).status, 200);
    }

    void listsWhatRequestsCached() {
        // A second between requests, so "most recently used first" has one answer.
        ManualClock clock(QDateTime::currentMSecsSinceEpoch());
        AdminGateway a;
        a.gw.service.setClock(&clock);
        QVERIFY(a.start(config()));
        const quint16 port = a.admin->port();
        for (const QByteArray token :
             {"tok-bob-1", "tok-alice-1", "tok-alice-1", "revoked-token"}) {
            QCOMPARE(status(a.gw.port(), token), token == "revoked-token" ? 401 : 200);
            clock.advanceMs(1000);
        }
        QCOMPARE(m_introspections, 3);

        const AdminAnswer listed = call(port, "GET", "/cache");
        QCOMPARE(listed.status, 200);
        QCOMPARE(listed.raw.headers.value("Cache-Control"), QByteArray("no-store"));
        QCOMPARE(listed.body.value(u"total").toInt(), 3);
        QCOMPARE(listed.body.value(u"entries").toArray().size(), 3);
        QCOMPARE(listed.body.value(u"stats").toObject().value(u"hits").toInt(), 1);
        for (const QByteArray token : {"tok-bob-1", "tok-alice-1", "revoked-token"})
            QVERIFY2(listed.raw.body.indexOf(token) < 0, token.constData());

        const QJsonObject alice = entryOf(listed, "tok-alice-1");
        QCOMPARE(alice.value(u"subject").toString(), u"alice"_qs);
        QCOMPARE(alice.value(u"client_id").toString(), u"inspector-app"_qs);
        QCOMPARE(alice.value(u"scope").toString(), u"read write"_qs);
        QCOMPARE(alice.value(u"active").toBool(), true);
        QCOMPARE(alice.value(u"stale").toBool(), false);
        QCOMPARE(alice.value(u"hits").toInt(), 1);
        QCOMPARE(alice.value(u"source").toString(), u"idp"_qs);
        const int expiresIn = alice.value(u"expires_in").toInt();
        QVERIFY2(expiresIn > 590 && expiresIn <= 600, QByteArray::number(expiresIn));
        // Most recently used first: the inactive answer came last.
        QCOMPARE(listed.body.value(u"entries").toArray().first().toObject().value(u"fingerprint"),
                 QString::fromLatin1(tokenFingerprint("revoked-token")));
        const QJsonObject inactive = entryOf(listed, "revoked-token");
        QCOMPARE(inactive.value(u"active").toBool(true), false);
        QVERIFY(!inactive.contains(u"subject"));

        const AdminAnswer bobs = call(port, "GET", "/cache?sub=bob");
        QCOMPARE(bobs.body.value(u"total").toInt(), 1);
        QCOMPARE(bobs.body.value(u"entries").toArray().first().toObject().value(u"subject"),
                 u"bob"_qs);
        const AdminAnswer one = call(port, "GET", "/cache?limit=1");
        QCOMPARE(one.body.value(u"entries").toArray().size(), 1);
        QCOMPARE(one.body.value(u"total").toInt(), 3);
        for (const QByteArray bad : {"/cache?limit=0", "/cache?limit=10001", "/cache?limit=x",
                                     "/cache?sub=", "/cache?subject=bob", "/cache?sub=a&sub=b"}) {
            const AdminAnswer refused = call(port, "GET", bad);
            QVERIFY2(refused.status == 400, bad.constData());
            QCOMPARE(refused.body.value(u"error").toString(), u"invalid_request"_qs);
        }
    }

    void evictionSendsTheNextRequestToTheIdp() {
        AdminGateway a;
        QVERIFY(a.start(config()));
        const quint16 port = a.admin->port();
        const QList<QByteArray> tokens{"tok-alice-1", "tok-alice-2", "tok-bob-1", "tok-carol-1"};
        for (const QByteArray &t : tokens)
            QCOMPARE(status(a.gw.port(), t), 200);
        QCOMPARE(m_introspections, 4);

        // Refused selectors evict nothing: a typo must not empty the cache.
        for (const QByteArray bad : {"/cache?sub=", "/cache?subject=alice", "/cache/XYZ",
                                     "/cache/0A1B2C3D", "/cache/0a1b2c3d?all=1"})
            QVERIFY2(call(port, "DELETE", bad).status == 400, bad.constData());
        // Nor does a body, as /revocations takes one: DELETE /cache -d sub=alice must not
        // read as DELETE /cache.
        const AdminAnswer withBody = adminCall(port, "DELETE", "/cache", AdminBearer, "sub=alice",
                                               "application/x-www-form-urlencoded");
        QCOMPARE(withBody.status, 400);
        QVERIFY(withBody.body.value(u"error_description").toString().contains(u"no body"));
        QCOMPARE(adminCall(port, "DELETE", "/cache/" + tokenFingerprint("tok-bob-1"), AdminBearer,
                           R"({"sub":"bob"})")
                     .status,
                 400);
        QCOMPARE(a.gw.service.cache()->stats().entries, 4);

        AdminAnswer evicted = call(port, "DELETE", "/cache/" + tokenFingerprint("tok-bob-1"));
        QCOMPARE(evicted.status, 200);
        QCOMPARE(evicted.body.value(u"evicted").toInt(), 1);
        QCOMPARE(evicted.body.value(u"every_instance").toBool(true), false); // no Redis here
        QCOMPARE(status(a.gw.port(), "tok-bob-1"), 200);
        QCOMPARE(m_introspections, 5);
        QCOMPARE(status(a.gw.port(), "tok-alice-1"), 200); // still cached
        QCOMPARE(m_introspections, 5);

        evicted = call(port, "DELETE", "/cache?sub=alice");
        QCOMPARE(evicted.body.value(u"evicted").toInt(), 2);
        QCOMPARE(status(a.gw.port(), "tok-alice-2"), 200);
        QCOMPARE(m_introspections, 6);
        QCOMPARE(status(a.gw.port(), "tok-carol-1"), 200);
        QCOMPARE(m_introspections, 6);

        evicted = call(port, "DELETE", "/cache");
        QCOMPARE(evicted.body.value(u"evicted").toInt(), 3); // bob, alice-2, carol
        QCOMPARE(call(port, "GET", "/cache").body.value(u"total").toInt(), 0);
        QCOMPARE(status(a.gw.port(), "tok-carol-1"), 200);
        QCOMPARE(m_introspections, 7);
        QCOMPARE(call(port, "DELETE", "/cache/" + tokenFingerprint("tok-nobody-1"))
                     .body.value(u"evicted")
                     .toInt(-1),
                 0);
    }

    // Tokens the gateway validated itself are listed as such and can be evicted too.
    void locallyValidatedJwtsAreListed() {
        Config c = config();
        c.introspection.validation = TokenValidation::Jwt;
        c.introspection.audiences = {QStringLiteral("https://api.test")};
        AdminGateway a;
        QVERIFY(a.start(c));
        QJsonObject claims = accessTokenClaims(issuer(), QStringLiteral("https://api.test"),
                                               QDateTime::currentSecsSinceEpoch(), 3600);
        claims.insert(u"sub", u"dave"_qs);
        const QByteArray token = m_key->sign(m_key->header(), claims);
        QCOMPARE(status(a.gw.port(), token), 200);
        QCOMPARE(status(a.gw.port(), token), 200);
        QCOMPARE(m_introspections, 0);
        const AdminAnswer listed = call(a.admin->port(), "GET", "/cache");
        const QJsonObject dave = entryOf(listed, token);
        QCOMPARE(dave.value(u"source").toString(), u"jwt"_qs);
        QCOMPARE(dave.value(u"subject").toString(), u"dave"_qs);
        QCOMPARE(dave.value(u"hits").toInt(), 1);
        QVERIFY(listed.raw.body.indexOf(token) < 0);
        QCOMPARE(call(a.admin->port(), "DELETE", "/cache?sub=dave").body.value(u"evicted").toInt(),
                 1);
        QCOMPARE(a.gw.service.cache()->stats().entries, 0);
    }
};

QTEST_GUILESS_MAIN(TestCacheApi)
#include "tst_cacheapi.moc"
