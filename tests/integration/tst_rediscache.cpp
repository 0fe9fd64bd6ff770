// SPDX-License-Identifier: Apache-2.0
// The shared Redis tier with a real redis-server on a loopback port: two gateways share
// answers (the second makes no IdP call), eviction reaches every instance, Redis killed or
// stalled mid-test never fails a request (the IdP stands in) and is used again once back,
// and rediss:// is refused since Debian's hiredis has no TLS.
#include "tests/support/admingateway.h"
#include "tests/support/gatewayfixture.h"
#include "tests/support/rawclient.h"
#include "tests/support/redisserver.h"
#include "tests/support/scriptedupstream.h"

#include "core/auth/bearertoken.h"
#include "core/base/sha256.h"
#include "core/cache/redisstats.h"
#include "core/devidp/demoidp.h"
#include "core/observe/prometheustext.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

QByteArray get(const QByteArray &token) {
    return "GET /r HTTP/1.1\r\nHost: gw.test\r\nAuthorization: Bearer " + token + "\r\n\r\n";
}

} // namespace

class TestRedisCache : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<HttpServer> m_echo;
    std::unique_ptr<DemoIdp> m_idp;
    RedisServer m_redis;

    struct Instance {
        EventHub events;
        GatewayService service{&events};
        RawClient client;
        QByteArray lastCache() const {
            return cacheOutcomeId(events.snapshot().value(events.snapshot().size() - 1).cache);
        }
        const RedisStats &redis() const { return *service.redisStats(); }
    };

    Config redisConfig(int timeoutMs = 2000) const {
        Config c = testConfig(QStringLiteral("http://127.0.0.1:%1").arg(m_echo->port()));
        c.server.workers = 2; // one Redis connection per worker: both must take part
        c.auth = AuthMode::Introspection;
        c.introspection.url = m_idp->introspectionUrl();
        c.introspection.clientId = QString::fromLatin1(m_idp->clientId());
        c.introspection.clientSecret = QString::fromLatin1(m_idp->clientSecret());
        c.cache.enabled = true;
        c.cache.ttlSecs = 60;
        c.cache.redis.url = m_redis.url();
        c.cache.redis.timeoutMs = timeoutMs;
        c.cache.redis.keyPrefix = QStringLiteral("tst:%1:").arg(++m_prefixes);
        return c;
    }
    mutable int m_prefixes = 0;

    static bool start(Instance &i, const Config &c) {
        QStringList errors;
        if (!i.service.start(c, &errors)) {
            qWarning() << errors;
            return false;
        }
        // Connected (both workers and the eviction channel) before the first request, so that
        // "no IdP call" does not depend on who wins a race with the connect.
        if (!waitFor([&] { return i.service.redisStats()->connected(); }, 10000)) {
            qWarning() << "Redis tier never connected";
            return false;
        }
        return i.client.connectTo(i.service.port());
    }

    static int request(Instance &i, const QByteArray &token) {
        const quint64 before = i.events.published();
        i.client.send(get(token));
        const auto resp = i.client.readResponse();
        if (!resp)
            return 0;
        waitFor([&] { return i.events.published() > before; });
        return resp->status;
    }
    // Requests on a fresh connection each, so both workers get some.
    static int requestAnew(Instance &i, const QByteArray &token) {
        RawClient c;
        if (!c.connectTo(i.service.port()))
            return 0;
        const quint64 before = i.events.published();
        c.send(get(token));
        const auto resp = c.readResponse();
        waitFor([&] { return i.events.published() > before; });
        return resp ? resp->status : 0;
    }

private slots:
    void initTestCase() {
        QString error;
        m_echo = startEchoUpstream(&error);
        QVERIFY2(m_echo, qPrintable(error));
        m_idp = std::make_unique<DemoIdp>();
        QVERIFY2(m_idp->start(0, &error), qPrintable(error));
        QVERIFY(m_redis.start());
    }
    void cleanupTestCase() {
        m_redis.stop();
        m_idp.reset();
        m_echo.reset();
    }

    // A's IdP answer serves B: B asks Redis, not the IdP; the value holds no token.
    void sharedBetweenInstances() {
        const Config c = redisConfig();
        Instance a, b;
        QVERIFY(start(a, c));
        QVERIFY(start(b, c));
        const QByteArray token = m_idp->mint(QStringLiteral("alice"), QStringLiteral("read"), 600);
        const quint64 calls = m_idp->introspectionCalls();

        QCOMPARE(request(a, token), 200);
        QCOMPARE(a.lastCache(), QByteArray("miss"));
        QCOMPARE(m_idp->introspectionCalls(), calls + 1);
        QTRY_COMPARE(a.redis().writes.load(), quint64(1));

        QCOMPARE(request(b, token), 200);
        QCOMPARE(b.lastCache(), QByteArray("redis"));
        QCOMPARE(request(b, token), 200);
        QCOMPARE(b.lastCache(), QByteArray("hit")); // kept locally from then on
        QCOMPARE(m_idp->introspectionCalls(), calls + 1);
        QCOMPARE(b.redis().hits.load(), quint64(1));
        QCOMPARE(a.redis().misses.load(), quint64(1));
        for (const RedisStats *s : {&a.redis(), &b.redis()}) {
            QCOMPARE(s->errors.load(), quint64(0));
            QCOMPARE(s->timeouts.load(), quint64(0));
        }
        PrometheusText metrics;
        b.service.renderMetrics(metrics);
        for (const char *line :
             {"tokengate_redis_operations_total{result=\"hits\"} 1\n",
              "tokengate_redis_connections{state=\"up\"} 2\n", "tokengate_redis_subscribed 1\n"})
            QVERIFY2(metrics.text().contains(line), metrics.text().constData());

        // What Redis holds: hashes for names, the IdP's claims and a deadline for values.
        const QList<QByteArray> keys =
            m_redis.cli({QStringLiteral("KEYS"), c.cache.redis.keyPrefix + u'*'}).split('\n');
        QByteArray entry;
        for (const QByteArray &k : keys) {
            QVERIFY(!k.contains(token));
            if (k.size() == c.cache.redis.keyPrefix.size() + 64)
                entry = k;
        }
        QVERIFY2(!entry.isEmpty(), keys.join(' ').constData());
        const QByteArray value = m_redis.cli({QStringLiteral("GET"), QString::fromLatin1(entry)});
        QVERIFY(value.contains(R"("sub":"alice")"));
        QVERIFY(!value.contains(token));
        const int ttl =
            m_redis.cli({QStringLiteral("TTL"), QString::fromLatin1(entry)}).trimmed().toInt();
        QVERIFY2(ttl > 55 && ttl <= 60, QByteArray::number(ttl).constData());
    }

    // Evicting on A removes the entry from Redis and, within a second, from B's local tier.
    void evictionPropagates_data() {
        QTest::addColumn<bool>("bySubject");
        QTest::newRow("by fingerprint") << false;
        QTest::newRow("by subject") << true;
    }
    void evictionPropagates() {
        QFETCH(bool, bySubject);
        const Config c = redisConfig();
        Instance a, b;
        QVERIFY(start(a, c));
        QVERIFY(start(b, c));
        const QString subject = QStringLiteral("bob%1").arg(bySubject);
        const QByteArray token = m_idp->mint(subject, QStringLiteral("read"), 600);
        QCOMPARE(request(a, token), 200);
        QTRY_COMPARE(a.redis().writes.load(), quint64(1));
        QCOMPARE(request(b, token), 200);
        QCOMPARE(b.lastCache(), QByteArray("redis"));
        QCOMPARE(b.service.cache()->stats().entries, qint64(1));
        const quint64 calls = m_idp->introspectionCalls();

        const qsizetype evicted =
            bySubject ? a.service.cache()->evictSubject(subject)
                      : a.service.cache()->evictFingerprint(tokenFingerprint(token));
        QCOMPARE(evicted, qsizetype(1));
        QTRY_COMPARE_WITH_TIMEOUT(b.service.cache()->stats().entries, qint64(0), 1000);
        QTRY_COMPARE(a.redis().evictionsPublished.load(), quint64(1));
        QCOMPARE(b.redis().evictionsReceived.load(), quint64(1));

        // Gone from Redis too: B asks the IdP again.
        QCOMPARE(request(b, token), 200);
        QCOMPARE(b.lastCache(), QByteArray("miss"));
        QCOMPARE(m_idp->introspectionCalls(), calls + 1);
    }

    // The admin plane's cache calls with the Redis tier: B lists A's answer as from Redis;
    // emptying B's cache leaves Redis as it was (the next request is answered from it, and
    // the answer says so); evicting the fingerprint reaches A and Redis (the IdP is asked).
    void adminCacheCallsReachTheSharedTier() {
        Config c = redisConfig();
        c.admin.token = QStringLiteral("admin-token-for-the-redis-tests");
        Instance a, b;
        QVERIFY(start(a, c));
        QVERIFY(start(b, c));
        RequestMetrics metrics;
        IdpHealth health;
        AdminServer admin(b.service, metrics, health);
        QString error;
        QVERIFY2(admin.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
        const QByteArray bearer = "Bearer " + c.admin.token.toUtf8();
        const QByteArray token = m_idp->mint(QStringLiteral("carol"), QStringLiteral("read"), 600);
        const QString fingerprint = QString::fromLatin1(tokenFingerprint(token));
        QCOMPARE(request(a, token), 200);
        QTRY_COMPARE(a.redis().writes.load(), quint64(1));
        QCOMPARE(request(b, token), 200);
        QCOMPARE(b.lastCache(), QByteArray("redis"));

        const AdminAnswer listed = adminCall(admin.port(), "GET", "/cache", bearer);
        QCOMPARE(listed.status, 200);
        QCOMPARE(listed.body.value(u"shared_tier").toBool(), true);
        const QJsonObject entry = listed.body.value(u"entries").toArray().first().toObject();
        QCOMPARE(entry.value(u"fingerprint").toString(), fingerprint);
        QCOMPARE(entry.value(u"source").toString(), u"redis"_qs);

        const AdminAnswer emptied = adminCall(admin.port(), "DELETE", "/cache", bearer);
        QCOMPARE(emptied.body.value(u"evicted").toInt(), 1);
        QCOMPARE(emptied.body.value(u"every_instance").toBool(true), false);
        QVERIFY(emptied.body.value(u"note").toString().contains(u"Redis tier keeps"));
        const quint64 calls = m_idp->introspectionCalls();
        QCOMPARE(request(b, token), 200);
        QCOMPARE(b.lastCache(), QByteArray("redis"));
        QCOMPARE(a.service.cache()->stats().entries, qint64(1)); // A was not told

        const AdminAnswer evicted =
            adminCall(admin.port(), "DELETE", "/cache/" + fingerprint.toLatin1(), bearer);
        QCOMPARE(evicted.body.value(u"evicted").toInt(), 1);
        QCOMPARE(evicted.body.value(u"every_instance").toBool(), true);
        QVERIFY(!evicted.body.contains(u"note"));
        QTRY_COMPARE_WITH_TIMEOUT(a.service.cache()->stats().entries, qint64(0), 2000);
        QCOMPARE(request(b, token), 200);
        QCOMPARE(b.lastCache(), QByteArray("miss"));
        QCOMPARE(m_idp->introspectionCalls(), calls + 1);
    }

    // A revocation made at A refuses the token at B at once, and C, started later, reads it
    // from Redis; taking it back at B reaches every instance and leaves nothing in Redis.
    void revocationsAreShared() {
        const Config c = redisConfig();
        Instance a, b;
        QVERIFY(start(a, c));
        QVERIFY(start(b, c));
        const QByteArray token =
            m_idp->mint(QStringLiteral("revoked"), QStringLiteral("read"), 600);
        QCOMPARE(request(b, token), 200);
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        QString error;
        QVERIFY(a.service.revocations().add(
            {RevocationList::Kind::Token, sha256(token), now, now + 600}, now, &error));
        QTRY_COMPARE(b.service.revocations().size(), qsizetype(1));
        QCOMPARE(request(b, token), 401);

        const QString set = c.cache.redis.keyPrefix + QStringLiteral("revocations");
        const QByteArray stored =
            m_redis.cli({QStringLiteral("ZRANGE"), set, QStringLiteral("0"), QStringLiteral("-1")});
        QVERIFY2(stored.startsWith("token:"), stored.constData());
        QVERIFY(!stored.contains(token));

        // More than one page of the set (and one reply's bound): the late instance reads all.
        constexpr qsizetype Many = 450;
        for (qsizetype i = 0; i < Many; ++i)
            QVERIFY(a.service.revocations().add(
                {RevocationList::Kind::Jti, "jti-" + QByteArray::number(i), now, now + 600}, now,
                &error));
        QTRY_COMPARE(b.service.revocations().size(), Many + 1);
        Instance late;
        QVERIFY(start(late, c));
        QTRY_COMPARE(late.service.revocations().size(), Many + 1);
        QCOMPARE(request(late, token), 401);

        QVERIFY(b.service.revocations().remove(RevocationList::Kind::Token, sha256(token)));
        QTRY_COMPARE(a.service.revocations().size(), Many);
        QTRY_COMPARE(late.service.revocations().size(), Many);
        QCOMPARE(request(a, token), 200);
        QTRY_COMPARE(m_redis.cli({QStringLiteral("ZCARD"), set}).trimmed(),
                     QByteArray::number(Many));
    }

    // Redis killed: requests still succeed through the IdP; once it is back (same port), the
    // tier reconnects by itself and is shared again.
    void redisKilledAndRestarted() {
        const Config c = redisConfig(250);
        Instance a, b;
        QVERIFY(start(a, c));
        QVERIFY(start(b, c));

        m_redis.kill();
        QTRY_VERIFY(!a.redis().connected());
        const quint64 calls = m_idp->introspectionCalls();
        for (int i = 0; i < 4; ++i) {
            const QByteArray token = m_idp->mint(QStringLiteral("down%1").arg(i), {}, 600);
            QElapsedTimer t;
            t.start();
            QCOMPARE(requestAnew(a, token), 200);
            QCOMPARE(a.lastCache(), QByteArray("miss"));
            QVERIFY2(t.elapsed() < 2000, QByteArray::number(t.elapsed()).constData());
        }
        QCOMPARE(m_idp->introspectionCalls(), calls + 4);
        QVERIFY(a.redis().skipped.load() + a.redis().errors.load() >= 4);

        QVERIFY(m_redis.start());
        QTRY_VERIFY_WITH_TIMEOUT(a.redis().connected() && b.redis().connected(), 10000);
        const QByteArray token = m_idp->mint(QStringLiteral("back"), {}, 600);
        QCOMPARE(request(a, token), 200);
        QTRY_VERIFY(a.redis().writes.load() >= 1);
        QCOMPARE(request(b, token), 200);
        QCOMPARE(b.lastCache(), QByteArray("redis"));
        QCOMPARE(m_idp->introspectionCalls(), calls + 5);
    }

    // Redis stalled (SIGSTOP): a lookup waits at most the timeout, then the IdP answers.
    void redisStalled() {
        const Config c = redisConfig(200);
        Instance a;
        QVERIFY(start(a, c));
        m_redis.pause();
        const QByteArray token = m_idp->mint(QStringLiteral("stalled"), {}, 600);
        QElapsedTimer t;
        t.start();
        QCOMPARE(request(a, token), 200);
        const qint64 elapsed = t.elapsed();
        m_redis.resume();
        QVERIFY2(elapsed >= 200 && elapsed < 1500, QByteArray::number(elapsed).constData());
        QCOMPARE(a.lastCache(), QByteArray("miss"));
        QCOMPARE(a.redis().timeouts.load(), quint64(1));
        QTRY_VERIFY_WITH_TIMEOUT(a.redis().connected(), 10000);
        // Its write was not even sent while the connection was down; a new answer is stored.
        const QByteArray next = m_idp->mint(QStringLiteral("resumed"), {}, 600);
        QCOMPARE(request(a, next), 200);
        QTRY_VERIFY(a.redis().writes.load() >= 1);
    }

    // A refused login (this Redis has no password) is an outage like any other, and the
    // password appears in no log line.
    void loginRefused() {
        static QStringList logged;
        logged.clear();
        const QtMessageHandler previous =
            qInstallMessageHandler([](QtMsgType, const QMessageLogContext &,
                                      const QString &message) { logged << message; });
        Config c = redisConfig();
        c.cache.redis.password = QStringLiteral("n0t-the-password");
        {
            Instance a;
            QStringList errors;
            QVERIFY(a.service.start(c, &errors));
            QVERIFY(a.client.connectTo(a.service.port()));
            QTRY_VERIFY(logged.join(u'\n').contains(u"login refused"));
            const quint64 calls = m_idp->introspectionCalls();
            QCOMPARE(request(a, m_idp->mint(QStringLiteral("carol"), {}, 600)), 200);
            QCOMPARE(m_idp->introspectionCalls(), calls + 1);
            QVERIFY(!a.redis().connected());
            QCOMPARE(a.redis().hits.load(), quint64(0));
        }
        qInstallMessageHandler(previous);
        QVERIFY(!logged.join(u'\n').contains(u"n0t-the-password"));
    }

    // Reload builds a new tier when its settings change, and drops it when the URL goes.
    void reloadSwapsTier() {
        Config c = redisConfig();
        Instance a;
        QVERIFY(start(a, c));
        const RedisStats *first = a.service.redisStats();
        c.cache.redis.keyPrefix += u"v2:";
        QStringList errors;
        QVERIFY2(a.service.reload(c, &errors), qPrintable(errors.join(u'\n')));
        QVERIFY(a.service.redisStats() && a.service.redisStats() != first);
        QTRY_VERIFY(a.redis().connected());
        QCOMPARE(requestAnew(a, m_idp->mint(QStringLiteral("dave"), {}, 600)), 200);
        QTRY_COMPARE(a.redis().writes.load(), quint64(1));
        // The next tier counts on from the replaced one's totals in /metrics.
        c.cache.redis.keyPrefix += u"v3:";
        QVERIFY2(a.service.reload(c, &errors), qPrintable(errors.join(u'\n')));
        PrometheusText metrics;
        a.service.renderMetrics(metrics);
        QVERIFY2(metrics.text().contains("tokengate_redis_operations_total{result=\"writes\"} 1\n"),
                 metrics.text().constData());

        c.cache.redis.url.clear();
        QVERIFY2(a.service.reload(c, &errors), qPrintable(errors.join(u'\n')));
        QVERIFY(!a.service.redisStats());
        QCOMPARE(requestAnew(a, m_idp->mint(QStringLiteral("erin"), {}, 600)), 200);
    }

    void redissRefused() {
        Config c = redisConfig();
        c.cache.redis.url = QStringLiteral("rediss://127.0.0.1:6380");
        GatewayService service;
        QStringList errors;
        QVERIFY(!service.start(c, &errors));
        QCOMPARE(errors.size(), 1);
        QVERIFY2(errors[0].startsWith(QStringLiteral("cache.redis.url: rediss:// (TLS) is not "
                                                     "supported: Debian 12's hiredis 0.14.1 has "
                                                     "no TLS")),
                 qPrintable(errors[0]));
        QVERIFY(errors[0].contains(u"stunnel"));
        QVERIFY(!service.isRunning());
    }
};

QTEST_GUILESS_MAIN(TestRedisCache)
#include "tst_rediscache.moc"
