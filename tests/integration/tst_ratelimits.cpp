// SPDX-License-Identifier: Apache-2.0
// Rate limits over loopback, on a clock the test moves: exact counts at the boundary, the
// 429's fields, buckets per subject, and a limit before auth that keeps a flood of bad
// tokens away from the IdP.
#include "tests/support/egsample.h"
#include "tests/support/gatewayfixture.h"
#include "tests/support/introspectedconfig.h"
#include "tests/support/manualclock.h"
#include "tests/support/rawclient.h"

#include "core/devidp/demoidp.h"

#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

class TestRateLimits : public QObject {
    Q_OBJECT

    ManualClock m_clock{QDateTime::currentMSecsSinceEpoch()};
    std::unique_ptr<HttpServer> m_echo;
    std::unique_ptr<DemoIdp> m_idp;
    std::unique_ptr<Gateway> m_gw;
    QByteArray m_ann;
    QByteArray m_bob;

    std::optional<ReceivedResponse> get(const QByteArray &target, const QByteArray &token) {
        return requestOnce(m_gw->port(), "GET", target,
                           token.isEmpty() ? QByteArray()
                                           : "Authorization: Bearer " + token + "\r\n");
    }

private slots:
    void initTestCase() {
        QString error;
        m_echo = startEchoUpstream(&error);
        QVERIFY2(m_echo, qPrintable(error));
        m_idp = std::make_unique<DemoIdp>();
        QVERIFY2(m_idp->start(0, &error), qPrintable(error));
        m_ann = m_idp->mint(QStringLiteral("ann"), QStringLiteral("profile"), 3600);
        m_bob = m_idp->mint(QStringLiteral("bob"), QStringLiteral("profile"), 3600);

        Config c = testConfig(loopbackUrl(*m_echo));
        c.upstreamUrl.clear();
        introspectWith(c, *m_idp);
        c.cache.enabled = true;
        c.cache.ttlSecs = 3600;
        RouteConfig api = prefixRoute("api", "/api/", loopbackUrl(*m_echo));
        api.rateLimits = {QStringLiteral("5/s by subject"), QStringLiteral("8/h by subject")};
        RouteConfig keyed = prefixRoute("keyed", "/keyed/", loopbackUrl(*m_echo));
        keyed.authenticate = false;
        keyed.rateLimits = {QStringLiteral("1/h by header:X-Api-Key")};
        RouteConfig login = prefixRoute("login", "/login/", loopbackUrl(*m_echo));
        login.rateLimits = {QStringLiteral("3/min by address before auth")};
        c.routes = {api, keyed, login};
        m_gw = std::make_unique<Gateway>();
        m_gw->useDeadlineClock(m_clock); // the buckets' clock: steady, never the wall's
        QVERIFY(m_gw->start(c));
    }
    void cleanupTestCase() {
        m_gw.reset();
        m_echo.reset();
        m_idp.reset();
    }

    void exactCountsAtTheBoundary() {
        for (int i = 0; i < 5; ++i) {
            const auto r = get("/api/x", m_ann);
            QVERIFY(r);
            QCOMPARE(r->status, 200);
            QCOMPARE(r->headers.value("RateLimit-Policy"),
                     QByteArray("\"limit1\";q=5;w=1, \"limit2\";q=8;w=3600"));
        }
        auto r = get("/api/x", m_ann);
        QVERIFY(r);
        QCOMPARE(r->status, 429);
        QVERIFY2(r->body.contains("rate_limited"), r->body.constData());
        QCOMPARE(r->headers.value("Retry-After"), QByteArray("1")); // 200 ms, rounded up
        QCOMPARE(r->headers.value("RateLimit"), QByteArray("\"limit1\";r=0;t=1"));
        // Another subject has buckets of its own.
        r = get("/api/x", m_bob);
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        // One interval later (1 s / 5) exactly one more request fits.
        m_clock.advanceMs(199);
        QCOMPARE(get("/api/x", m_ann)->status, 429);
        m_clock.advanceMs(1);
        QCOMPARE(get("/api/x", m_ann)->status, 200);
        QCOMPARE(get("/api/x", m_ann)->status, 429);
        // The hourly limit then decides: 8 in all, whatever the second's bucket holds.
        m_clock.advanceMs(2000);
        QCOMPARE(get("/api/x", m_ann)->status, 200);
        QCOMPARE(get("/api/x", m_ann)->status, 200);
        r = get("/api/x", m_ann);
        QCOMPARE(r->status, 429);
        QCOMPARE(r->headers.value("RateLimit").left(10), QByteArray("\"limit2\";r"));
        QVERIFY(r->headers.value("Retry-After").toInt() > 400);
    }

    // Bad tokens from one address: after three, the IdP is no longer asked.
    void beforeAuthProtectsTheIdp() {
        const quint64 calls = m_idp->introspectionCalls();
        for (int i = 0; i < 3; ++i) {
            const auto r = get("/login/x", "bad-token-" + QByteArray::number(i));
            QVERIFY(r);
            QCOMPARE(r->status, 401);
        }
        QCOMPARE(m_idp->introspectionCalls(), calls + 3);
        for (int i = 3; i < 10; ++i) {
            const auto r = get("/login/x", "bad-token-" + QByteArray::number(i));
            QVERIFY(r);
            QCOMPARE(r->status, 429);
        }
        QCOMPARE(m_idp->introspectionCalls(), calls + 3);
        // Answers without a token count too: the limit knows nothing of tokens.
        QCOMPARE(get("/login/x", {})->status, 429);
    }

    // A key header sent twice is refused: a random second copy would open a fresh bucket per
    // request while the upstream reads the first.
    void keyHeaderOnce() {
        auto r = requestOnce(m_gw->port(), "GET", "/keyed/x", "X-Api-Key: k1\r\n");
        QCOMPARE(r->status, 200);
        r = requestOnce(m_gw->port(), "GET", "/keyed/x", "X-Api-Key: k1\r\n");
        QCOMPARE(r->status, 429);
        r = requestOnce(m_gw->port(), "GET", "/keyed/x", "X-Api-Key: k1\r\nX-Api-Key: r7\r\n");
        QCOMPARE(r->status, 400);
        r = requestOnce(m_gw->port(), "GET", "/keyed/x", "X-Api-Key: k2\r\n");
        QCOMPARE(r->status, 200);
    }

    // Behind a trusted proxy the client is the address that proxy appended, whatever the
    // client wrote before it; an entry that is no address falls back to the peer. With
    // trusted_proxies, the first hop from the end that is none of them; a peer that is none
    // of them is the client itself, whatever it wrote.
    void addressBehindAProxy_data() {
        QTest::addColumn<QByteArrayList>("forwardedFor"); // one X-Forwarded-For per request
        QTest::addColumn<QList<int>>("statuses");
        QTest::addColumn<QStringList>("trusted");
        QTest::newRow("port in the entry")
            << QByteArrayList{"9.9.9.9, 1.2.3.4:5555", "8.8.8.8, 1.2.3.4:6666", "1.2.3.4"}
            << QList<int>{200, 200, 429} << QStringList();
        QTest::newRow("IPv6 in brackets")
            << QByteArrayList{"[2001:db8::1]:443", "2001:db8::1", "2001:db8::2"}
            << QList<int>{200, 200, 429} << QStringList(); // one /64
        QTest::newRow("not an address: the peer")
            << QByteArrayList{"unknown", "proxy.example", "127.0.0.1"} << QList<int>{200, 200, 429}
            << QStringList();
        const QStringList chain{QStringLiteral("127.0.0.1"), QStringLiteral("10.0.0.0/8")};
        QTest::newRow("trusted chain: the first untrusted hop")
            << QByteArrayList{"9.9.9.9, 10.1.1.1", "7.7.7.7, 9.9.9.9, 10.2.2.2", "9.9.9.9"}
            << QList<int>{200, 200, 429} << chain;
        QTest::newRow("trusted chain: other clients")
            << QByteArrayList{"9.9.9.9, 10.1.1.1", "8.8.8.8, 10.1.1.1", "7.7.7.7"}
            << QList<int>{200, 200, 200} << chain;
        QTest::newRow("untrusted peer: its own words ignored")
            << QByteArrayList{"9.9.9.9", "8.8.8.8", "7.7.7.7"} << QList<int>{200, 200, 429}
            << QStringList{QStringLiteral("10.0.0.0/8")};
    }
    void addressBehindAProxy() {
        QFETCH(QByteArrayList, forwardedFor);
        QFETCH(QList<int>, statuses);
        QFETCH(QStringList, trusted);
        Config c = testConfig(loopbackUrl(*m_echo));
        c.upstreamUrl.clear();
        c.upstream.forwarded = ForwardedMode::Append;
        c.upstream.trustedProxies = trusted;
        RouteConfig open = prefixRoute("open", "/", loopbackUrl(*m_echo));
        open.authenticate = false;
        open.rateLimits = {QStringLiteral("2/h by address")};
        c.routes = {open};
        Gateway gw;
        QVERIFY(gw.start(c));
        for (qsizetype i = 0; i < forwardedFor.size(); ++i) {
            const auto r =
                requestOnce(gw.port(), "GET", "/x", "X-Forwarded-For: " + forwardedFor[i] + "\r\n");
            QVERIFY(r);
            QCOMPARE(r->status, statuses[i]);
        }
    }

    // Express Gateway's rate-limit policy, imported, limits as it did there.
    void importedExpressGatewayPolicy() {
        QString error;
        std::optional<Config> imported = importedEgSample("ratelimit.yml", loopbackUrl(*m_echo),
                                                          m_idp->introspectionUrl(), &error);
        QVERIFY2(imported, qPrintable(error));
        Gateway gw;
        QVERIFY(gw.start(*imported));
        QCOMPARE(requestOnce(gw.port(), "GET", "/login/a")->status, 200);
        QCOMPARE(requestOnce(gw.port(), "GET", "/login/b")->status, 200);
        const auto r = requestOnce(gw.port(), "GET", "/login/c");
        QVERIFY(r);
        QCOMPARE(r->status, 429);
        QCOMPARE(r->headers.value("RateLimit-Policy"), QByteArray("\"limit1\";q=2;w=60"));
    }
};

QTEST_MAIN(TestRateLimits)
#include "tst_ratelimits.moc"
