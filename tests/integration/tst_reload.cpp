// SPDX-License-Identifier: Apache-2.0
// GatewayService::reload: new requests see the new config at once, a bad config changes
// nothing, the cache survives unless the introspection or cache settings changed, and what
// cannot change without a restart is said, not silently ignored; reloads landing while
// coalesced introspection calls are in the air on several workers (the ThreadSanitizer run's
// target, tests/sanitize.sh) lose no request.
#include "core/devidp/demoidp.h"
#include "core/observe/prometheustext.h"
#include "tests/support/gatewayfixture.h"
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"

#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

int statusOf(quint16 port, const QByteArray &token) {
    const auto r = requestOnce(port, "GET", "/r", "Authorization: Bearer " + token + "\r\n");
    return r ? r->status : -1;
}

// The cache's hit and miss counters as /metrics renders them.
QByteArrayList cacheCounters(const GatewayService &service) {
    PrometheusText metrics;
    service.renderMetrics(metrics);
    QByteArrayList lines;
    for (const QByteArray &line : metrics.text().split('\n')) {
        if (line.startsWith("tokengate_cache_hits_total ") ||
            line.startsWith("tokengate_cache_misses_total "))
            lines << line + '\n';
    }
    return lines;
}

} // namespace

class TestReload : public QObject {
    Q_OBJECT

private:
    DemoIdp m_idp;
    std::unique_ptr<HttpServer> m_echo;

    Config baseConfig() const {
        Config c = testConfig(QStringLiteral("http://127.0.0.1:%1").arg(m_echo->port()));
        c.auth = AuthMode::Introspection;
        c.introspection.url = m_idp.introspectionUrl();
        c.introspection.clientId = QString::fromLatin1(m_idp.clientId());
        c.introspection.clientSecret = QString::fromLatin1(m_idp.clientSecret());
        c.cache.enabled = true;
        c.cache.ttlSecs = 60;
        return c;
    }

private slots:
    void initTestCase() {
        QString why;
        QVERIFY2(m_idp.start(0, &why), qPrintable(why));
        m_echo = startEchoUpstream(&why);
        QVERIFY2(m_echo, qPrintable(why));
    }

    void notRunning() {
        GatewayService service;
        QStringList errors;
        QVERIFY(!service.reload(baseConfig(), &errors));
        QCOMPARE(errors, QStringList{QStringLiteral("the gateway is not running")});
    }

    void invalidConfigChangesNothing() {
        Gateway g;
        QVERIFY(g.start(baseConfig()));
        const QByteArray token = m_idp.mint(QStringLiteral("a"), QStringLiteral("read"), 600);
        Config bad = baseConfig();
        bad.requiredScopes = {QStringLiteral("admin")};      // would refuse the token...
        bad.introspection.url = QStringLiteral("ftp://idp"); // ...but the config is invalid
        bad.logLevel = QStringLiteral("chatty");
        QStringList errors;
        QVERIFY(!g.service.reload(bad, &errors));
        QCOMPARE(errors.size(), 2);
        QVERIFY(errors.join(u'\n').contains(QStringLiteral("introspection-url")));
        QVERIFY(errors.join(u'\n').contains(QStringLiteral("log-level")));
        QCOMPARE(statusOf(g.port(), token), 200);
        QVERIFY(g.service.config().requiredScopes.isEmpty());
    }

    // Demo mode waits for a restart, so it cannot excuse what it would have replaced.
    void demoWaitingForRestartExcusesNothing() {
        Gateway g;
        QVERIFY(g.start(baseConfig()));
        const QByteArray token = m_idp.mint(QStringLiteral("a"), QStringLiteral("read"), 600);
        Config next = baseConfig();
        next.demo = true;
        next.upstreamUrl = QStringLiteral("ftp://upstream");
        QStringList errors;
        QVERIFY(!g.service.reload(next, &errors));
        QVERIFY2(errors.join(u'\n').contains(QStringLiteral("upstream")),
                 qPrintable(errors.join(u'\n')));
        QCOMPARE(statusOf(g.port(), token), 200);
        QCOMPARE(g.service.config().upstreamUrl, baseConfig().upstreamUrl);
    }

    void cacheSurvivesUnlessIntrospectionChanges() {
        Gateway g;
        QVERIFY(g.start(baseConfig()));
        const QByteArray token = m_idp.mint(QStringLiteral("a"), QStringLiteral("read"), 600);
        const quint64 calls = m_idp.introspectionCalls();
        QCOMPARE(statusOf(g.port(), token), 200);
        QCOMPARE(m_idp.introspectionCalls(), calls + 1);

        // Policy changes keep the cache: the cached answer is judged by the new rules.
        Config stricter = baseConfig();
        stricter.requiredScopes = {QStringLiteral("write")};
        QStringList errors;
        QVERIFY(g.service.reload(stricter, &errors));
        QCOMPARE(statusOf(g.port(), token), 403);
        QCOMPARE(m_idp.introspectionCalls(), calls + 1);
        QVERIFY(g.service.reload(baseConfig(), &errors));
        QCOMPARE(statusOf(g.port(), token), 200);
        QCOMPARE(m_idp.introspectionCalls(), calls + 1);

        // Another introspection setting: answers from the old one are not reused.
        Config slower = baseConfig();
        slower.introspection.timeoutMs = 7000;
        QVERIFY(g.service.reload(slower, &errors));
        QCOMPARE(statusOf(g.port(), token), 200);
        QCOMPARE(m_idp.introspectionCalls(), calls + 2);
    }

    // /metrics counts since start: a reload that replaces the cache keeps what the old one
    // counted (a counter that went down would read as a restart).
    void countersSurviveReload_data() {
        QTest::addColumn<bool>("cacheChanges");
        QTest::addColumn<bool>("introspectionChanges");
        QTest::newRow("policy: same cache") << false << false;
        QTest::newRow("cache settings: new cache") << true << false;
        QTest::newRow("introspection: new cache") << false << true;
    }
    void countersSurviveReload() {
        QFETCH(bool, cacheChanges);
        QFETCH(bool, introspectionChanges);
        Gateway g;
        QVERIFY(g.start(baseConfig()));
        const QByteArray token = m_idp.mint(QStringLiteral("a"), QStringLiteral("read"), 600);
        QCOMPARE(statusOf(g.port(), token), 200); // a miss
        QCOMPARE(statusOf(g.port(), token), 200); // a hit
        const QByteArrayList before = cacheCounters(g.service);
        QCOMPARE(before.size(), 2);
        QVERIFY2(!before.join().contains(" 0\n"), before.join().constData());
        Config next = baseConfig();
        next.requiredScopes = {QStringLiteral("read")};
        if (cacheChanges)
            next.cache.negativeTtlSecs += 1;
        if (introspectionChanges)
            next.introspection.timeoutMs = 7000;
        QStringList errors;
        QVERIFY2(g.service.reload(next, &errors), qPrintable(errors.join(u'\n')));
        QCOMPARE(cacheCounters(g.service), before);
    }

    void coalescingWhileReloading_data() {
        QTest::addColumn<bool>("introspectionChanges");
        QTest::newRow("policy reloads keep the cache") << false;
        QTest::newRow("introspection reloads replace the cache") << true;
    }
    void coalescingWhileReloading() {
        QFETCH(bool, introspectionChanges);
        constexpr int Rounds = 20;
        constexpr int Clients = 24;
        constexpr int Tokens = 3; // per round, fresh: each makes one flight the others join
        Config base = baseConfig();
        base.server.workers = 2;
        Gateway g;
        QVERIFY(g.start(base));
        for (int round = 0; round < Rounds; ++round) {
            QList<QByteArray> tokens;
            for (int t = 0; t < Tokens; ++t)
                tokens << m_idp.mint(QStringLiteral("a"), QStringLiteral("read"), 600);
            std::vector<std::unique_ptr<RawClient>> clients;
            for (int i = 0; i < Clients; ++i) {
                clients.push_back(std::make_unique<RawClient>());
                QVERIFY(clients.back()->connectTo(g.port()));
            }
            // Sent without pumping this thread's events, so the demo IdP (in this thread)
            // answers none of the flights before all requests have joined them.
            for (int i = 0; i < Clients; ++i) {
                clients[i]->send("GET /r HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " +
                                 tokens[i % Tokens] + "\r\nConnection: close\r\n\r\n");
            }
            // The flights wait for the IdP while this lands.
            Config next = base;
            if (round % 2 && introspectionChanges)
                next.introspection.timeoutMs = 7000;
            else if (round % 2)
                next.requiredScopes = {QStringLiteral("read")};
            QStringList errors;
            QVERIFY2(g.service.reload(next, &errors), qPrintable(errors.join(u'\n')));
            for (auto &client : clients) {
                const auto r = client->readResponse();
                QVERIFY(r);
                QCOMPARE(r->status, 200);
            }
        }
        // A join racing the swap counts in flights already carried over; the events keep every
        // label.
        QVERIFY(waitFor([&] { return g.events.published() >= quint64(Rounds * Clients); }));
        int coalesced = 0;
        for (const RequestEvent &e : g.events.snapshot())
            coalesced += e.cache == CacheOutcome::Coalesced;
        QVERIFY(coalesced > 0);
    }

    void listenerChangesWaitForRestart() {
        Gateway g;
        QVERIFY(g.start(baseConfig()));
        const quint16 port = g.port();
        Config moved = baseConfig();
        moved.server.port = closedLoopbackPort();
        moved.server.workers = 3;
        moved.drainTimeoutMs = 1234;
        QStringList errors;
        QStringList notes;
        QVERIFY(g.service.reload(moved, &errors, &notes));
        QCOMPARE(notes.size(), 2);
        QVERIFY(notes.join(u'\n').contains(QStringLiteral("listen address, workers and limits")));
        QVERIFY(notes.join(u'\n').contains(QStringLiteral("drain timeout")));
        QCOMPARE(g.port(), port);
        const QByteArray token = m_idp.mint(QStringLiteral("a"), QStringLiteral("read"), 600);
        QCOMPARE(statusOf(port, token), 200);
    }
};

QTEST_GUILESS_MAIN(TestReload)
#include "tst_reload.moc"
