// SPDX-License-Identifier: Apache-2.0
// Rate limits: the config's "<n>/<period> by <key>" texts, and the token buckets at their
// exact boundaries on a clock the test sets.
#include "core/ratelimit/ratelimiter.h"
#include "core/ratelimit/ratelimitspec.h"

#include <QTest>

using namespace Tokengate;

class TestRateLimit : public QObject {
    Q_OBJECT

private slots:
    void specs_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("canonical"); // empty: refused
        QTest::addColumn<QString>("why");
        const auto ok = [](const char *text, const char *canonical) {
            QTest::newRow(text) << QString::fromLatin1(text) << QString::fromLatin1(canonical)
                                << QString();
        };
        const auto bad = [](const char *text, const char *why) {
            QTest::newRow(text) << QString::fromLatin1(text) << QString()
                                << QString::fromLatin1(why);
        };
        ok("10/s", "10/1s by subject");
        ok("1000 / h by client_id", "1000/3600s by client_id");
        ok("100/10s by address before auth", "100/10s by address before auth");
        ok("5/min by header:X-Api-Key", "5/60s by header:X-Api-Key");
        ok("3/250ms by claim:tenant", "3/250ms by claim:tenant");
        ok("1/d by route", "1/86400s by route");
        ok("7/S BY IP", "7/1s by address");
        bad("10", "expected");
        bad("0/s", "1 to 1000000000");
        bad("10/fortnight", "unit");
        bad("10/40d", "30 days");
        bad("10/s by color", "the key is");
        bad("10/s by header:X Bad", "expected"); // a blank ends the key
        bad("10/s by header:a:b", "not a header name");
        bad("10/s by subject before auth", "no token");
        bad("10/s by claim:tenant before auth", "no token");
        bad("2000000/1ms", "microsecond");
    }
    void specs() {
        QFETCH(QString, text);
        QFETCH(QString, canonical);
        QFETCH(QString, why);
        QString problem;
        const std::optional<RateLimitSpec> spec = parseRateLimit(text, &problem);
        if (canonical.isEmpty()) {
            QVERIFY(!spec);
            QVERIFY2(problem.contains(why), qPrintable(problem));
        } else {
            QVERIFY2(spec, qPrintable(problem));
            QCOMPARE(spec->text(), canonical);
            QCOMPARE(parseRateLimit(spec->text(), nullptr)->text(), canonical);
        }
    }

    // 10 per second: ten at once, then one per 100 ms, and the eleventh waits exactly that.
    void bucketBoundaries() {
        RateLimiter limiter;
        const QList<RateLimiter::Ask> ask{{"k", 10, 1000}};
        const qint64 t0 = 1'000'000;
        for (int i = 0; i < 10; ++i) {
            const RateLimiter::Answer a = limiter.take(ask, t0);
            QVERIFY(a.allowed);
            QCOMPARE(a.remaining, 9 - i);
        }
        RateLimiter::Answer a = limiter.take(ask, t0);
        QVERIFY(!a.allowed);
        QCOMPARE(a.retryAfterMs, 100);
        QVERIFY(!limiter.take(ask, t0 + 99).allowed);
        a = limiter.take(ask, t0 + 100);
        QVERIFY(a.allowed);
        QCOMPARE(a.remaining, 0);
        QCOMPARE(a.resetMs, 1000);
        QVERIFY(!limiter.take(ask, t0 + 100).allowed);
        // A full second later the bucket is full again.
        a = limiter.take(ask, t0 + 1100);
        QVERIFY(a.allowed);
        QCOMPARE(a.remaining, 9);
        // Keys do not share buckets.
        QVERIFY(limiter.take({{"other", 10, 1000}}, t0).allowed);
    }

    // With several limits, a refusal by one takes nothing from the others.
    void refusedTakesNothing() {
        RateLimiter limiter;
        const QList<RateLimiter::Ask> both{{"second", 2, 1000}, {"hour", 3, 3'600'000}};
        const qint64 t0 = 5'000'000;
        QVERIFY(limiter.take(both, t0).allowed);
        QVERIFY(limiter.take(both, t0).allowed);
        const RateLimiter::Answer refused = limiter.take(both, t0);
        QVERIFY(!refused.allowed);
        QCOMPARE(refused.decisive, 0);
        // The hourly bucket kept its third request for after the second passes.
        const RateLimiter::Answer later = limiter.take(both, t0 + 1000);
        QVERIFY(later.allowed);
        QCOMPARE(later.decisive, 1);
        QCOMPARE(later.remaining, 0);
        const RateLimiter::Answer hourly = limiter.take(both, t0 + 2000);
        QVERIFY(!hourly.allowed);
        QCOMPARE(hourly.decisive, 1);
        QVERIFY(hourly.retryAfterMs > 1'000'000);
    }

    // The interval is rounded up: a limit near one request per microsecond never lets more
    // than its number through at once.
    void neverOverAdmits() {
        RateLimiter limiter;
        const QList<RateLimiter::Ask> ask{{"fast", 700'000, 1000}};
        int allowed = 0;
        while (limiter.take(ask, 1'000).allowed && allowed <= 700'000)
            ++allowed;
        QVERIFY2(allowed <= 700'000 && allowed > 699'000, qPrintable(QString::number(allowed)));
    }

    // A full bucket lets exactly its number through at once, also when the period does not
    // divide by it (the interval is rounded up; the burst is not cut by one for it), and
    // says how many are left after each.
    void burstIsTheLimit_data() {
        QTest::addColumn<int>("limit");
        QTest::addColumn<qint64>("periodMs");
        QTest::newRow("3/s") << 3 << qint64(1000);
        QTest::newRow("7/h") << 7 << qint64(3'600'000);
        QTest::newRow("128/s") << 128 << qint64(1000);
        QTest::newRow("5/s, divides") << 5 << qint64(1000);
    }
    void burstIsTheLimit() {
        QFETCH(int, limit);
        QFETCH(qint64, periodMs);
        RateLimiter limiter;
        const QList<RateLimiter::Ask> ask{{"k", limit, periodMs}};
        for (int i = 1; i <= limit; ++i) {
            const RateLimiter::Answer a = limiter.take(ask, 5'000);
            QVERIFY2(a.allowed, qPrintable(QString::number(i)));
            QCOMPARE(a.remaining, limit - i);
        }
        QVERIFY(!limiter.take(ask, 5'000).allowed);
    }

    // A flood of keys cannot grow the table past its bound; full buckets go first.
    void boundedTable() {
        RateLimiter limiter(100);
        const qint64 t0 = 9'000'000;
        for (int i = 0; i < 1000; ++i)
            QVERIFY(limiter.take({{QByteArray::number(i), 5, 1000}}, t0).allowed);
        QVERIFY(limiter.size() <= 100);
        QVERIFY(limiter.evictions() > 0);
        // The most recent keys, furthest from full, are the ones kept.
        QVERIFY(!limiter.take({{"999", 1, 1000}}, t0).allowed);
        const quint64 evicted = limiter.evictions();
        // Once those buckets are full again, making room drops them without evicting.
        for (int i = 0; i < 100; ++i)
            limiter.take({{"late" + QByteArray::number(i), 5, 1000}}, t0 + 2000);
        QCOMPARE(limiter.evictions(), evicted);
    }
};

QTEST_APPLESS_MAIN(TestRateLimit)
#include "tst_ratelimit.moc"
