// SPDX-License-Identifier: Apache-2.0
// The cache outcome table (core/observe/cacheoutcome.h): ids keep their spellings, the hit
// definition, and /metrics counting every outcome by it.
#include "core/observe/cacheoutcome.h"
#include "core/observe/prometheustext.h"
#include "core/observe/requestmetrics.h"
#include "tests/support/domainwords.h"

#include <QSet>
#include <QTest>

using namespace Tokengate;

class TestCacheOutcome : public QObject {
    Q_OBJECT

private slots:
    // The access log's "cache", the metrics' label and the app's column, as before the table.
    void spellingsAndHits_data() {
        QTest::addColumn<CacheOutcome>("outcome");
        QTest::addColumn<QByteArray>("id");
        QTest::addColumn<bool>("hit");
        QTest::newRow("none") << CacheOutcome::None << QByteArray() << false;
        QTest::newRow("hit") << CacheOutcome::Hit << QByteArray("hit") << true;
        QTest::newRow("negative") << CacheOutcome::Negative << QByteArray("negative") << true;
        QTest::newRow("redis") << CacheOutcome::Redis << QByteArray("redis") << true;
        QTest::newRow("miss") << CacheOutcome::Miss << QByteArray("miss") << false;
        // Waited for the IdP call another request made: that call is not a cache's answer.
        QTest::newRow("coalesced") << CacheOutcome::Coalesced << QByteArray("coalesced") << false;
        // Waited for an IdP call that failed.
        QTest::newRow("stale") << CacheOutcome::Stale << QByteArray("stale") << false;
        // The gateway judged a JWT itself: no cache was consulted for the answer.
        QTest::newRow("local") << CacheOutcome::Local << QByteArray("local") << false;
    }
    void spellingsAndHits() {
        QFETCH(CacheOutcome, outcome);
        QFETCH(QByteArray, id);
        QFETCH(bool, hit);
        QCOMPARE(int(cacheOutcomeInfo(outcome).outcome), int(outcome));
        QCOMPARE(QByteArray(cacheOutcomeId(outcome)), id);
        QCOMPARE(isCacheHit(outcome), hit);
    }
    void everyOutcomeListed() {
        QCOMPARE(CacheOutcomeTable.size(), std::size_t(8));
        QSet<QByteArray> ids;
        for (const CacheOutcomeInfo &o : CacheOutcomeTable)
            ids.insert(o.id);
        QCOMPARE(ids.size(), qsizetype(CacheOutcomeTable.size()));
    }

    // /metrics counts each outcome under its id, and the hits by the table.
    void metricsCountByTheTable_data() {
        QTest::addColumn<CacheOutcome>("outcome");
        for (CacheOutcome o : Test::everyCacheOutcome())
            QTest::newRow(Test::rowName(o)) << o;
    }
    void metricsCountByTheTable() {
        QFETCH(CacheOutcome, outcome);
        RequestMetrics metrics;
        RequestEvent e;
        e.cache = outcome;
        metrics.record(e);
        metrics.record(e);
        PrometheusText out;
        metrics.render(out);
        const QByteArray text = out.text();
        const QByteArray checks =
            "tokengate_token_checks_total{outcome=\"" + QByteArray(cacheOutcomeId(outcome)) + "\"}";
        QCOMPARE(Test::metricValue(text, checks), outcome == CacheOutcome::None ? -1.0 : 2.0);
        QCOMPARE(Test::metricValue(text, "tokengate_token_cache_hits_total"),
                 isCacheHit(outcome) ? 2.0 : 0.0);
    }

    // The HELP text says which outcomes are hits, from the table.
    void helpNamesTheHits() {
        RequestMetrics metrics;
        PrometheusText out;
        metrics.render(out);
        const QByteArray text = out.text();
        QVERIFY2(text.contains("# HELP tokengate_token_cache_hits_total Token checks a cache "
                               "answered without waiting for any IdP call (outcomes hit, "
                               "negative, redis)"),
                 text.constData());
    }
};

QTEST_GUILESS_MAIN(TestCacheOutcome)
#include "tst_cacheoutcome.moc"
