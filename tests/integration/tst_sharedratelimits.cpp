// SPDX-License-Identifier: Apache-2.0
// Rate limits shared through a real redis-server on a loopback port: two gateways enforce one
// budget together, several limits are all-or-nothing in Redis too, a flushed script is loaded
// again, refusals are remembered so a flood does not reach Redis, a Redis that refuses the
// script or is killed or stalled mid-run falls back to each instance's own counters with no
// 5xx, said in /metrics, and a check Redis answers after the client left sends nothing on.
#include "tests/support/gatewayfixture.h"
#include "tests/support/introspectedconfig.h"
#include "tests/support/rawclient.h"
#include "tests/support/redisserver.h"
#include "tests/support/scriptedupstream.h"

#include "core/devidp/demoidp.h"
#include "core/observe/prometheustext.h"

#include <QElapsedTimer>
#include <QRegularExpression>
#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

class TestSharedRateLimits : public QObject {
    Q_OBJECT

    std::unique_ptr<HttpServer> m_echo;
    std::unique_ptr<DemoIdp> m_idp;
    RedisServer m_redis;
    int m_prefixes = 0;
    QByteArray m_ann, m_bob, m_carl;

    Config limitedConfig(const QStringList &limits, int timeoutMs = 2000, int workers = 2) {
        Config c = testConfig(loopbackUrl(*m_echo));
        c.upstreamUrl.clear();
        c.server.workers = workers; // one Redis connection each
        introspectWith(c, *m_idp);
        c.cache.enabled = true;
        c.cache.ttlSecs = 3600;
        c.cache.redis.url = m_redis.url();
        c.cache.redis.timeoutMs = timeoutMs;
        c.cache.redis.keyPrefix = QStringLiteral("rl%1:").arg(++m_prefixes);
        RouteConfig api = prefixRoute("api", "/api/", loopbackUrl(*m_echo));
        api.rateLimits = limits;
        c.routes = {api};
        return c;
    }
    static bool start(Gateway &g, const Config &c) {
        if (!g.start(c))
            return false;
        // Every worker connected before the first request, so that no check falls back while
        // a connection is still being made.
        return waitFor([&] { return g.service.rateLimitStats().sharedNow(); }, 10000);
    }
    // A fresh connection each, so that both workers take requests.
    static std::optional<ReceivedResponse> get(Gateway &g, const QByteArray &token) {
        return requestOnce(g.port(), "GET", "/api/x", "Authorization: Bearer " + token + "\r\n");
    }
    static int status(Gateway &g, const QByteArray &token) {
        const auto r = get(g, token);
        return r ? r->status : 0;
    }
    static QByteArray metrics(const Gateway &g) {
        PrometheusText out;
        g.service.renderMetrics(out);
        return out.text();
    }

private slots:
    void initTestCase() {
        QString error;
        m_echo = startEchoUpstream(&error);
        QVERIFY2(m_echo, qPrintable(error));
        m_idp = std::make_unique<DemoIdp>();
        QVERIFY2(m_idp->start(0, &error), qPrintable(error));
        m_ann = m_idp->mint(QStringLiteral("ann"), {}, 3600);
        m_bob = m_idp->mint(QStringLiteral("bob"), {}, 3600);
        m_carl = m_idp->mint(QStringLiteral("carl"), {}, 3600);
        QVERIFY(m_redis.start());
    }
    // A test that failed between pausing Redis (or starving it) and undoing it would fail
    // every later one.
    void cleanup() {
        m_redis.resume();
        m_redis.cli({QStringLiteral("CONFIG"), QStringLiteral("SET"), QStringLiteral("maxmemory"),
                     QStringLiteral("0")});
    }
    void cleanupTestCase() {
        m_redis.stop();
        m_idp.reset();
        m_echo.reset();
    }

    // 30 requests of one subject, alternating between two gateways, against 20 an hour: 20
    // pass in all, not 20 at each. No refill to speak of (one per 180 s).
    void oneBudgetForTwoInstances() {
        const Config c = limitedConfig({QStringLiteral("20/h by subject")});
        Gateway a, b;
        QVERIFY(start(a, c));
        QVERIFY(start(b, c));
        int passed = 0;
        int limited = 0;
        std::optional<ReceivedResponse> last;
        for (int i = 0; i < 30; ++i) {
            last = get(i % 2 ? a : b, m_ann);
            QVERIFY(last);
            (last->status == 200 ? passed : limited) += 1;
            QVERIFY2(last->status == 200 || last->status == 429,
                     QByteArray::number(last->status).constData());
        }
        QCOMPARE(passed, 20);
        QCOMPARE(limited, 10);
        QCOMPARE(last->status, 429);
        QVERIFY2(last->body.contains("rate_limited"), last->body.constData());
        const QByteArray field = last->headers.value("RateLimit");
        QVERIFY2(field.startsWith("\"limit1\";r=0;t="), field.constData());
        const int full = field.sliced(field.lastIndexOf('=') + 1).toInt();
        QVERIFY2(full > 3500 && full <= 3600, field.constData()); // 20 x 180 s, less the run
        const int retry = last->headers.value("Retry-After").toInt();
        QVERIFY2(retry > 100 && retry <= 180, last->headers.value("Retry-After").constData());
        // Another subject has its own budget, at either instance.
        QCOMPARE(status(a, m_bob), 200);
        QCOMPARE(status(b, m_bob), 200);

        QCOMPARE(a.service.rateLimitStats().connections.load(), 2); // one per worker
        const QByteArray text = metrics(a);
        for (const char *line : {"tokengate_rate_limit_checks_total{judged_by=\"redis\"} 16\n",
                                 "tokengate_rate_limit_checks_total{judged_by=\"local_fallback\"} "
                                 "0\n",
                                 "tokengate_rate_limit_shared 1\n"})
            QVERIFY2(text.contains(line), text.constData());
        // Redis holds one bucket per subject, named by a hash: no subject in the clear.
        const QList<QByteArray> keys =
            m_redis.cli({QStringLiteral("KEYS"), c.cache.redis.keyPrefix + u"rl:*"})
                .trimmed()
                .split('\n');
        QCOMPARE(keys.size(), 2);
        for (const QByteArray &k : keys) {
            QVERIFY(!k.contains("ann") && !k.contains("bob"));
            const qint64 ttl = m_redis.cli({QStringLiteral("PTTL"), QString::fromLatin1(k)})
                                   .trimmed()
                                   .toLongLong();
            QVERIFY2(ttl > 0 && ttl <= 3600 * 1000, QByteArray::number(ttl).constData());
        }
    }

    // 7 an hour does not divide into whole microseconds: a full bucket still holds 7.
    void burstOfANonDividingLimit() {
        const Config c = limitedConfig({QStringLiteral("7/h by subject")}, 2000, 1);
        Gateway a;
        QVERIFY(start(a, c));
        for (int i = 0; i < 7; ++i)
            QCOMPARE(status(a, m_carl), 200);
        QCOMPARE(status(a, m_carl), 429);
        QCOMPARE(a.service.rateLimitStats().fallbacks.load(), quint64(0));
    }

    // A request refused by one limit takes nothing from the others: Redis judges them at once.
    void allOrNothing() {
        const Config c =
            limitedConfig({QStringLiteral("2/h by subject"), QStringLiteral("3/h by route")});
        Gateway a, b;
        QVERIFY(start(a, c));
        QVERIFY(start(b, c));
        QCOMPARE(status(a, m_ann), 200);
        QCOMPARE(status(b, m_ann), 200);
        const auto refused = get(a, m_ann); // ann's own limit; the route's keeps its third
        QVERIFY(refused);
        QCOMPARE(refused->status, 429);
        QCOMPARE(refused->headers.value("RateLimit").left(10), QByteArray("\"limit1\";r"));
        QCOMPARE(status(b, m_bob), 200);
        const auto full = get(a, m_carl);
        QVERIFY(full);
        QCOMPARE(full->status, 429);
        QCOMPARE(full->headers.value("RateLimit").left(12), QByteArray("\"limit2\";r=0"));
    }

    // Redis forgets scripts when flushed or restarted: the next check sends it whole, once,
    // and stays shared.
    void scriptLoadedAgain() {
        const Config c = limitedConfig({QStringLiteral("3/h by subject")});
        Gateway a;
        QVERIFY(start(a, c));
        QCOMPARE(status(a, m_ann), 200);
        QCOMPARE(m_redis.cli({QStringLiteral("SCRIPT"), QStringLiteral("FLUSH")}).trimmed(),
                 QByteArray("OK"));
        QCOMPARE(status(a, m_ann), 200);
        QCOMPARE(status(a, m_ann), 200);
        QCOMPARE(status(a, m_ann), 429); // counted in Redis throughout, never locally
        QCOMPARE(a.service.rateLimitStats().fallbacks.load(), quint64(0));
    }

    // Once Redis said a bucket is empty, its next checks are refused here until Redis's
    // retry time: with Redis stalled they are still answered at once, and never counted
    // locally. A flood of refused requests costs Redis one script per bucket and window.
    void refusalsRemembered() {
        const Config c = limitedConfig({QStringLiteral("2/h by subject")}, 2000, 1);
        Gateway a;
        QVERIFY(start(a, c));
        QCOMPARE(status(a, m_ann), 200);
        QCOMPARE(status(a, m_ann), 200);
        QCOMPARE(status(a, m_ann), 429);
        m_redis.pause();
        QElapsedTimer t;
        t.start();
        const auto r = get(a, m_ann);
        const qint64 elapsed = t.elapsed();
        QCOMPARE(status(a, m_bob), 200); // another bucket: Redis's turn, 2 s, then local
        m_redis.resume();
        QVERIFY(r);
        QCOMPARE(r->status, 429);
        QVERIFY2(elapsed < 1000, QByteArray::number(elapsed).constData());
        const int retry = r->headers.value("Retry-After").toInt();
        QVERIFY2(retry > 1700 && retry <= 1800, r->headers.value("Retry-After").constData());
        QCOMPARE(a.service.rateLimitStats().fallbacks.load(), quint64(1)); // bob's only
        QTRY_VERIFY_WITH_TIMEOUT(a.service.rateLimitStats().sharedNow(), 10000);
    }

    // A Redis that is up but refuses the script (out of memory here; READONLY after a
    // failover, NOPERM) is an outage too: counted locally, said in /metrics and the log.
    void scriptRefused() {
        const Config c = limitedConfig({QStringLiteral("5/h by subject")}, 2000, 1);
        Gateway a;
        QVERIFY(start(a, c));
        QCOMPARE(status(a, m_ann), 200);
        QCOMPARE(m_redis
                     .cli({QStringLiteral("CONFIG"), QStringLiteral("SET"),
                           QStringLiteral("maxmemory"), QStringLiteral("1")})
                     .trimmed(),
                 QByteArray("OK"));
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral("Redis refused a rate limit check: "
                                                               "OOM.*counted by each instance")));
        const int during = status(a, m_ann);
        const QByteArray text = metrics(a);
        m_redis.cli({QStringLiteral("CONFIG"), QStringLiteral("SET"), QStringLiteral("maxmemory"),
                     QStringLiteral("0")});
        QCOMPARE(during, 200);
        QVERIFY2(text.contains("tokengate_rate_limit_shared 0\n"), text.constData());
        QCOMPARE(a.service.rateLimitStats().fallbacks.load(), quint64(1));
        // Redis judges again, and says so.
        QCOMPARE(status(a, m_ann), 200);
        QVERIFY2(metrics(a).contains("tokengate_rate_limit_shared 1\n"), metrics(a).constData());
        QCOMPARE(a.service.rateLimitStats().fallbacks.load(), quint64(1));
    }

    // The client leaves while Redis holds the check: Redis's answer, once it comes, sends
    // nothing upstream and touches nothing of the request it was for (ASan's run of this test
    // sees any use after free).
    void clientGoneWhileRedisJudges() {
        ScriptedUpstream upstream(ScriptedUpstream::answerEachRequest());
        Config c = limitedConfig({QStringLiteral("5/h by subject")}, 5000, 1);
        c.routes[0].upstreamUrl = upstream.url();
        Gateway a;
        QVERIFY(start(a, c));
        QCOMPARE(status(a, m_ann), 200); // introspected and cached: the next waits on Redis only
        QCOMPARE(upstream.requestTotal(), 1);
        const quint64 judged = a.service.rateLimitStats().shared.load();
        m_redis.pause();
        {
            RawClient client;
            QVERIFY(client.connectTo(a.port()));
            client.send("GET /api/x HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + m_ann +
                        "\r\n\r\n");
            QVERIFY(waitFor([&] { return a.service.openConnections() == 1; }));
        }
        QVERIFY(waitFor([&] { return a.service.openConnections() == 0; }));
        m_redis.resume();
        QTRY_COMPARE(a.service.rateLimitStats().shared.load(), judged + 1);
        // Anything sent for the first would be on its way before this one is answered.
        QCOMPARE(status(a, m_bob), 200);
        QCOMPARE(upstream.requestTotal(), 2);
    }

    // Redis stalled: a check waits at most the timeout, then this instance's counters judge.
    void redisStalled() {
        const Config c = limitedConfig({QStringLiteral("5/h by subject")}, 200);
        Gateway a;
        QVERIFY(start(a, c));
        QCOMPARE(status(a, m_ann), 200);
        m_redis.pause();
        QElapsedTimer t;
        t.start();
        const int answered = status(a, m_ann);
        const qint64 elapsed = t.elapsed();
        m_redis.resume();
        QCOMPARE(answered, 200);
        QVERIFY2(elapsed >= 200 && elapsed < 3000, QByteArray::number(elapsed).constData());
        QVERIFY(a.service.rateLimitStats().fallbacks.load() >= 1);
        QTRY_VERIFY_WITH_TIMEOUT(a.service.rateLimitStats().sharedNow(), 10000);
    }

    // Redis killed: every request is still answered, 200 or 429 and never a 5xx, by each
    // instance's own counters (a fresh budget each), and /metrics says so. Once Redis is back
    // the limits are shared again.
    void redisKilledFallsBackLocally() {
        const Config c = limitedConfig({QStringLiteral("5/h by subject")}, 250);
        Gateway a, b;
        QVERIFY(start(a, c));
        QVERIFY(start(b, c));
        QCOMPARE(status(a, m_ann), 200);
        QCOMPARE(status(b, m_ann), 200);

        m_redis.kill();
        QTRY_VERIFY(!a.service.rateLimitStats().sharedNow());
        QList<int> statuses;
        for (int i = 0; i < 8; ++i) {
            QElapsedTimer t;
            t.start();
            statuses << status(a, m_ann);
            QVERIFY2(t.elapsed() < 2000, QByteArray::number(t.elapsed()).constData());
        }
        QCOMPARE(statuses, (QList<int>{200, 200, 200, 200, 200, 429, 429, 429}));
        const QByteArray text = metrics(a);
        QVERIFY2(text.contains("tokengate_rate_limit_shared 0\n"), text.constData());
        QVERIFY(a.service.rateLimitStats().fallbacks.load() >= 8);

        QVERIFY(m_redis.start());
        QTRY_VERIFY_WITH_TIMEOUT(a.service.rateLimitStats().sharedNow(), 10000);
        const quint64 shared = a.service.rateLimitStats().shared.load();
        QCOMPARE(status(a, m_bob), 200);
        QCOMPARE(a.service.rateLimitStats().shared.load(), shared + 1);
        QVERIFY2(metrics(a).contains("tokengate_rate_limit_shared 1\n"), metrics(a).constData());
    }
};

QTEST_GUILESS_MAIN(TestSharedRateLimits)
#include "tst_sharedratelimits.moc"
