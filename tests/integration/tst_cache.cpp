// SPDX-License-Identifier: Apache-2.0
// The introspection cache and coalescing through a real gateway: a counting scripted IdP (or
// the demo IdP), the echo upstream, and a ManualClock so TTL and exp boundaries are exact.
#include "tests/support/gatewayfixture.h"
#include "tests/support/manualclock.h"
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"

#include "core/auth/bearertoken.h"
#include "core/devidp/demoidp.h"
#include "core/devidp/echohandler.h"
#include "core/server/httpserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

QByteArray get(const QByteArray &token, const QByteArray &extra = {}) {
    return "GET /r HTTP/1.1\r\nHost: gw.test\r\nAuthorization: Bearer " + token + "\r\n" + extra +
           "\r\n";
}

QByteArray idpAnswer(const QByteArray &json) {
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
           QByteArray::number(json.size()) + "\r\n\r\n" + json;
}

int idpCalls(ScriptedUpstream &idp) {
    int n = 0;
    for (int i = 0; i < idp.connections().size(); ++i)
        n += idp.requestCount(i);
    return n;
}

QList<QByteArray> echoed(const ReceivedResponse &r, QByteArrayView name) {
    QList<QByteArray> out;
    for (const auto &h : QJsonDocument::fromJson(r.body).object().value(u"headers").toArray()) {
        if (HeaderMap::sameName(h.toArray().at(0).toString().toLatin1(), name))
            out << h.toArray().at(1).toString().toLatin1();
    }
    return out;
}

} // namespace

class TestCache : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<HttpServer> m_echo;
    // Wall-clock time now, moved by hand: the demo IdP's exp values are real times.
    // Starts on a whole second, as exp values are: TTL and exp boundaries then coincide.
    ManualClock m_clock{QDateTime::currentMSecsSinceEpoch() / 1000 * 1000};

    QByteArray secondsFromNow(int s) const { return QByteArray::number(m_clock.nowSecs() + s); }

    Config cacheConfig(const QString &idpUrl, int ttl = 60) const {
        Config c = testConfig(QStringLiteral("http://127.0.0.1:%1").arg(m_echo->port()));
        c.auth = AuthMode::Introspection;
        c.introspection.url = idpUrl + QStringLiteral("/introspect");
        c.introspection.clientId = QStringLiteral("gw");
        c.introspection.clientSecret = QStringLiteral("secret");
        c.cache.enabled = ttl >= 0;
        c.cache.ttlSecs = qMax(ttl, 0);
        return c;
    }

    struct Running {
        EventHub events;
        GatewayService service{&events};
        RawClient client;
        QByteArray lastCache() const {
            return cacheOutcomeId(events.snapshot().value(events.snapshot().size() - 1).cache);
        }
    };

    bool startGateway(Running &r, const Config &c) {
        r.service.setClock(&m_clock);
        QStringList errors;
        if (!r.service.start(c, &errors)) {
            qWarning() << errors;
            return false;
        }
        return r.client.connectTo(r.service.port());
    }

    // One request; waits for its event so lastCache() describes it.
    static int request(Running &r, const QByteArray &raw, ReceivedResponse *out = nullptr) {
        const quint64 before = r.events.published();
        r.client.send(raw);
        const auto resp = r.client.readResponse();
        if (!resp)
            return 0;
        waitFor([&] { return r.events.published() > before; });
        if (out)
            *out = *resp;
        return resp->status;
    }

private slots:
    void initTestCase() {
        QString error;
        m_echo = startEchoUpstream(&error);
        QVERIFY2(m_echo, qPrintable(error));
    }
    void cleanupTestCase() { m_echo.reset(); }

    // TTL 60 s: a hit until 59.999 s, a miss at 60 s; the token's exp caps the TTL.
    void ttlAndExpBoundaries_data() {
        QTest::addColumn<int>("ttl");
        QTest::addColumn<int>("expIn"); // seconds from the first request; 0: no exp
        QTest::addColumn<int>("freshForMs");
        QTest::newRow("ttl 60, exp far") << 60 << 3600 << 60'000;
        QTest::newRow("exp before ttl") << 60 << 10 << 10'000;
        QTest::newRow("ttl 0: exp only") << 0 << 120 << 120'000;
        QTest::newRow("no exp") << 30 << 0 << 30'000;
    }
    void ttlAndExpBoundaries() {
        QFETCH(int, ttl);
        QFETCH(int, expIn);
        QFETCH(int, freshForMs);
        const qint64 start = m_clock.nowMs();
        const QByteArray body =
            expIn ? R"({"active":true,"sub":"u","exp":)" + secondsFromNow(expIn) + "}"
                  : QByteArray(R"({"active":true,"sub":"u"})");
        ScriptedUpstream idp(ScriptedUpstream::answerEachRequestWith(idpAnswer(body)));
        Running r;
        QVERIFY(startGateway(r, cacheConfig(idp.url(), ttl)));
        QCOMPARE(request(r, get("tok")), 200);
        QCOMPARE(r.lastCache(), QByteArray("miss"));
        m_clock.setMs(start + freshForMs - 1);
        QCOMPARE(request(r, get("tok")), 200);
        QCOMPARE(r.lastCache(), QByteArray("hit"));
        QCOMPARE(idpCalls(idp), 1);
        m_clock.setMs(start + freshForMs);
        // At exp the IdP's own answer is expired too: the gateway refuses it.
        QCOMPARE(request(r, get("tok")), freshForMs == expIn * 1000 ? 401 : 200);
        QCOMPARE(r.lastCache(), QByteArray("miss"));
        QCOMPARE(idpCalls(idp), 2);
        m_clock.setMs(start);
    }

    // Negative answers: remembered for the negative TTL, and never when it is 0.
    void negativeCache_data() {
        QTest::addColumn<int>("negativeTtl");
        QTest::newRow("5 s") << 5;
        QTest::newRow("off") << 0;
    }
    void negativeCache() {
        QFETCH(int, negativeTtl);
        const qint64 start = m_clock.nowMs();
        ScriptedUpstream idp(
            ScriptedUpstream::answerEachRequestWith(idpAnswer(R"({"active":false})")));
        Running r;
        Config c = cacheConfig(idp.url());
        c.cache.negativeTtlSecs = negativeTtl;
        QVERIFY(startGateway(r, c));
        QCOMPARE(request(r, get("bad")), 401);
        QCOMPARE(request(r, get("bad")), 401);
        QCOMPARE(r.lastCache(), negativeTtl ? QByteArray("negative") : QByteArray("miss"));
        QCOMPARE(idpCalls(idp), negativeTtl ? 1 : 2);
        m_clock.setMs(start + negativeTtl * 1000);
        QCOMPARE(request(r, get("bad")), 401);
        QCOMPARE(idpCalls(idp), negativeTtl ? 2 : 3);
        m_clock.setMs(start);
    }

    void errorsAreNeverCached() {
        ScriptedUpstream idp(ScriptedUpstream::answerEachRequestWith(
            "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n"));
        Running r;
        QVERIFY(startGateway(r, cacheConfig(idp.url())));
        QCOMPARE(request(r, get("t")), 503);
        QCOMPARE(request(r, get("t")), 503);
        QCOMPARE(idpCalls(idp), 2);
    }

    // Policy is judged on every request: a cached answer never skips the scope check.
    void scopesCheckedOnHits() {
        ScriptedUpstream idp(ScriptedUpstream::answerEachRequestWith(
            idpAnswer(R"({"active":true,"scope":"read"})")));
        Running r;
        Config c = cacheConfig(idp.url());
        c.requiredScopes = {QStringLiteral("read"), QStringLiteral("write")};
        QVERIFY(startGateway(r, c));
        ReceivedResponse resp;
        QCOMPARE(request(r, get("t"), &resp), 403);
        QCOMPARE(resp.headers.value("WWW-Authenticate"),
                 QByteArray("Bearer error=\"insufficient_scope\", scope=\"read write\""));
        QCOMPARE(request(r, get("t")), 403);
        QCOMPARE(r.lastCache(), QByteArray("hit"));
        QCOMPARE(reasonId(r.events.snapshot().last().reason), QByteArray("scope_insufficient"));
        QCOMPARE(idpCalls(idp), 1);
    }

    // Stale grace: while the IdP is down, a cached active answer serves up to the grace past
    // its TTL, marked to the upstream; without grace, or after it, the outage shows (503).
    void staleGrace_data() {
        QTest::addColumn<int>("grace");
        QTest::newRow("grace 30 s") << 30;
        QTest::newRow("no grace") << 0;
    }
    void staleGrace() {
        QFETCH(int, grace);
        const qint64 start = m_clock.nowMs();
        auto idp = std::make_unique<ScriptedUpstream>(ScriptedUpstream::answerEachRequestWith(
            idpAnswer(R"({"active":true,"exp":)" + secondsFromNow(3600) + "}")));
        Running r;
        Config c = cacheConfig(idp->url(), 10);
        c.cache.staleGraceSecs = grace;
        QVERIFY(startGateway(r, c));
        ReceivedResponse resp;
        QCOMPARE(request(r, get("t", "X-Tokengate-Introspection: stale\r\n"), &resp), 200);
        QCOMPARE(echoed(resp, "X-Tokengate-Introspection"), QList<QByteArray>{}); // not forgeable
        idp.reset(); // the IdP goes down
        m_clock.setMs(start + 15'000);
        const int status = request(r, get("t"), &resp);
        if (grace) {
            QCOMPARE(status, 200);
            QCOMPARE(r.lastCache(), QByteArray("stale"));
            QCOMPARE(echoed(resp, "X-Tokengate-Introspection"), QList<QByteArray>{"stale"});
        } else {
            QCOMPARE(status, 503);
        }
        m_clock.setMs(start + (10 + grace) * 1000);
        QCOMPARE(request(r, get("t")), 503);
        m_clock.setMs(start);
    }

    // Revocation takes effect once the TTL is over (the demo IdP, a real revocation).
    void revocationAfterTtl() {
        DemoIdp demo;
        QString error;
        QVERIFY2(demo.start(0, &error), qPrintable(error));
        const qint64 start = m_clock.nowMs();
        Running r;
        Config c = cacheConfig(demo.issuer(), 5);
        c.introspection.clientId = QString::fromLatin1(demo.clientId());
        c.introspection.clientSecret = QString::fromLatin1(demo.clientSecret());
        QVERIFY(startGateway(r, c));
        const QByteArray token = demo.mint(QStringLiteral("alice"), QString(), 600);
        QCOMPARE(request(r, get(token)), 200);
        demo.revoke(token);
        m_clock.setMs(start + 4'999);
        QCOMPARE(request(r, get(token)), 200); // still cached: the price of a TTL
        m_clock.setMs(start + 5'000);
        QCOMPARE(request(r, get(token)), 401);
        m_clock.setMs(start);
    }

    void manualEviction() {
        ScriptedUpstream idp(
            ScriptedUpstream::answerEachRequestWith(idpAnswer(R"({"active":true,"sub":"carol"})")));
        Running r;
        QVERIFY(startGateway(r, cacheConfig(idp.url())));
        QCOMPARE(request(r, get("t1")), 200);
        QCOMPARE(request(r, get("t2")), 200);
        QCOMPARE(r.service.cache()->evictFingerprint(tokenFingerprint("t1")), qsizetype(1));
        QCOMPARE(request(r, get("t1")), 200);
        QCOMPARE(request(r, get("t2")), 200);
        QCOMPARE(idpCalls(idp), 3);
        QCOMPARE(r.service.cache()->evictSubject(QStringLiteral("carol")), qsizetype(2));
        QCOMPARE(r.service.cache()->stats().entries, qint64(0));
    }

    // Many concurrent requests with one new token, spread over two workers, make exactly one
    // IdP call and all get the right answer; many tokens make one call each.
    void coalescing_data() {
        QTest::addColumn<int>("tokens");
        QTest::addColumn<bool>("cacheOn");
        QTest::newRow("100 requests, 1 token") << 1 << true;
        QTest::newRow("100 requests, 1 token, cache off") << 1 << false;
        QTest::newRow("100 requests, 100 tokens") << 100 << true;
    }
    void coalescing() {
        QFETCH(int, tokens);
        QFETCH(bool, cacheOn);
        constexpr int requests = 100;
        ScriptedUpstream idp; // answers by hand, once every request is in
        Running r;
        Config c = cacheConfig(idp.url(), cacheOn ? 60 : -1);
        c.server.workers = 2;
        c.introspection.maxConnections = 200;
        QVERIFY(startGateway(r, c));
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < requests; ++i) {
            clients.push_back(std::make_unique<RawClient>());
            QVERIFY(clients.back()->connectTo(r.service.port()));
            clients.back()->send(get("tok" + QByteArray::number(i % tokens)));
        }
        // Every request is either a call in the air or a waiter on one.
        QVERIFY(waitFor([&] { return idpCalls(idp) == tokens; }));
        QVERIFY(
            waitFor([&] { return r.service.coalescedWaiters() == quint64(requests - tokens); }));
        for (int i = 0; i < idp.connections().size(); ++i) {
            for (int k = 0; k < idp.requestCount(i); ++k)
                idp.reply(i, idpAnswer(R"({"active":true,"sub":"u"})"));
        }
        for (auto &client : clients) {
            const auto resp = client->readResponse();
            QVERIFY(resp);
            QCOMPARE(resp->status, 200);
        }
        QCOMPARE(idpCalls(idp), tokens);
        // A worker publishes a request's event after its response has gone out.
        QVERIFY(waitFor([&] { return r.events.published() >= quint64(requests); }));
        int coalesced = 0;
        for (const RequestEvent &e : r.events.snapshot())
            coalesced += e.cache == CacheOutcome::Coalesced;
        QCOMPARE(coalesced, requests - tokens);
    }
};

QTEST_GUILESS_MAIN(TestCache)
#include "tst_cache.moc"
