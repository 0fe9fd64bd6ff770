// SPDX-License-Identifier: Apache-2.0
// The gateway's parts that judge the same thing judge it alike: a cache hit is a hit for
// /metrics and for the app's chart; the IdP is down for /metrics, /readyz and the app after
// the same requests, for every reason.
#include "core/admin/idphealth.h"
#include "core/observe/idpevidence.h"
#include "core/observe/prometheustext.h"
#include "core/observe/requestmetrics.h"
#include "gui/eventdetails.h"
#include "gui/gatewaycontroller.h"
#include "gui/metricsseries.h"
#include "tests/support/domainwords.h"
#include "tests/support/manualclock.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

#include <cmath>

using namespace Tokengate;

namespace {

constexpr qint64 StartMs = 1'800'000'000'000;

double sample(const RequestMetrics &metrics, const QByteArray &name) {
    PrometheusText out;
    metrics.render(out);
    return Test::metricValue(out.text(), name);
}

RequestEvent makeEvent(Reason reason, CacheOutcome cache) {
    RequestEvent e;
    e.start = QDateTime::fromMSecsSinceEpoch(StartMs, Qt::UTC);
    e.reason = reason;
    e.status = httpStatus(reason) ? httpStatus(reason) : 200;
    e.cache = cache;
    e.idpUs = cache == CacheOutcome::Miss || cache == CacheOutcome::Coalesced ? 1500 : -1;
    return e;
}

QByteArray name(Reason reason, CacheOutcome cache) {
    return QByteArray(reason == Reason::None ? "forwarded" : reasonId(reason)) + ", " +
           (cache == CacheOutcome::None ? "no check" : cacheOutcomeId(cache));
}

// The three judges of the IdP, each at "reachable" before the event: /metrics, IdpHealth
// (behind /readyz) and the app's controller.
struct Judges {
    ManualClock clock{StartMs};
    QTcpServer idp; // accepts the health probe's TCP connect
    IdpHealth health{clock};
    RequestMetrics metrics;
    GatewayController app;

    bool start() {
        if (!idp.listen(QHostAddress::LocalHost))
            return false;
        health.setEndpoint(Origin{false, QStringLiteral("127.0.0.1"), idp.serverPort()});
        return QTest::qWaitFor([this] { return health.status().reachable; });
    }
    void see(const RequestEvent &e) {
        clock.advanceMs(1000);
        metrics.record(e);
        health.record(e);
        app.events().publish(e);
        QCoreApplication::sendPostedEvents(); // the controller follows the hub queued
    }
};

} // namespace

class TestSharedJudgement : public QObject {
    Q_OBJECT

private slots:
    void cacheHitsCountedAlike_data() {
        QTest::addColumn<CacheOutcome>("outcome");
        for (CacheOutcome o : Test::everyCacheOutcome())
            QTest::newRow(Test::rowName(o)) << o;
    }
    void cacheHitsCountedAlike() {
        QFETCH(CacheOutcome, outcome);
        const RequestEvent e = makeEvent(Reason::None, outcome);
        RequestMetrics metrics;
        metrics.record(e);
        MetricsSeries series(10);
        series.add(e);
        const double ratio = series.cacheHitRatio(StartMs + 1000).last();
        if (outcome == CacheOutcome::None) {
            QVERIFY(std::isnan(ratio)); // no token checked: nothing to count
            QCOMPARE(sample(metrics, "tokengate_token_cache_hits_total"), 0.0);
            return;
        }
        QCOMPARE(sample(metrics, "tokengate_token_cache_hits_total"), ratio);
        QCOMPARE(ratio, isCacheHit(outcome) ? 1.0 : 0.0);
    }

    // Every reason after a call to the IdP, and the cache outcomes that say something alone.
    void idpJudgedAlike_data() {
        QTest::addColumn<Reason>("reason");
        QTest::addColumn<CacheOutcome>("cache");
        for (Reason r : Test::everyReason())
            QTest::newRow(name(r, CacheOutcome::Miss).constData()) << r << CacheOutcome::Miss;
        for (CacheOutcome c : {CacheOutcome::Stale, CacheOutcome::Hit, CacheOutcome::Redis,
                               CacheOutcome::Coalesced, CacheOutcome::None})
            QTest::newRow(name(Reason::None, c).constData()) << Reason::None << c;
        QTest::newRow(name(Reason::IdpTimeout, CacheOutcome::Coalesced).constData())
            << Reason::IdpTimeout << CacheOutcome::Coalesced;
    }
    void idpJudgedAlike() {
        QFETCH(Reason, reason);
        QFETCH(CacheOutcome, cache);
        Judges judges;
        QVERIFY(judges.start());
        QSignalSpy down(&judges.app, &GatewayController::idpUnreachable);
        judges.see(makeEvent(reason, cache));
        const bool metricsSaysDown = sample(judges.metrics, "tokengate_idp_errors_total") == 1.0;
        const bool healthSaysDown = !judges.health.status().reachable;
        const bool appSaysDown = !judges.app.idpReachable();
        QCOMPARE(healthSaysDown, metricsSaysDown);
        QCOMPARE(appSaysDown, metricsSaysDown);
        QCOMPARE(down.size(), appSaysDown ? 1 : 0);
        QCOMPARE(metricsSaysDown, idpEvidence(reason, cache) == IdpEvidence::Down);
        // For a reason alone, down means an outage of the IdP, as the stale grace reads it.
        if (cache == CacheOutcome::Miss)
            QCOMPARE(metricsSaysDown, isIdpOutage(reason));
    }

    // After an outage, the same requests bring the IdP back for /readyz and for the app.
    void recoveryJudgedAlike_data() { idpJudgedAlike_data(); }
    void recoveryJudgedAlike() {
        QFETCH(Reason, reason);
        QFETCH(CacheOutcome, cache);
        Judges judges;
        QVERIFY(judges.start());
        judges.see(makeEvent(Reason::IdpUnreachable, CacheOutcome::Miss));
        QVERIFY(!judges.health.status().reachable);
        QVERIFY(!judges.app.idpReachable());
        QSignalSpy recovered(&judges.app, &GatewayController::idpRecovered);
        judges.see(makeEvent(reason, cache));
        const bool answered = idpEvidence(reason, cache) == IdpEvidence::Answered;
        QCOMPARE(judges.health.status().reachable, answered);
        QCOMPARE(judges.app.idpReachable(), answered);
        QCOMPARE(recovered.size(), answered ? 1 : 0);
    }

    // The app colours each outcome a stage can end with; the table has no other outcome.
    void traceColours_data() {
        QTest::addColumn<StepOutcome>("outcome");
        QTest::addColumn<QString>("colour");
        QTest::newRow("ok") << StepOutcome::Ok << QStringLiteral("#26a269");
        QTest::newRow("skipped") << StepOutcome::Skipped << QStringLiteral("#77767b");
        QTest::newRow("anonymous") << StepOutcome::Anonymous << QStringLiteral("#c01c28");
        QTest::newRow("refused") << StepOutcome::Refused << QStringLiteral("#c01c28");
        QTest::newRow("error") << StepOutcome::Error << QStringLiteral("#c01c28");
    }
    void traceColours() {
        QFETCH(StepOutcome, outcome);
        QFETCH(QString, colour);
        QCOMPARE(stepOutcomeColor(outcome), colour);
        // Shown on a stage that can end that way.
        Stage stage = Stage::Route;
        while (!stageCanEndWith(stage, outcome))
            stage = Stage(int(stage) + 1);
        RequestEvent e = makeEvent(Reason::None, CacheOutcome::None);
        e.trace = {{stage, outcome, QString()}};
        const QString html = eventDetailsHtml(e);
        QVERIFY2(html.contains(QStringLiteral("<b>%1</b>: <span style=\"color:%2\">%3</span>")
                                   .arg(QLatin1StringView(stageId(stage)), colour,
                                        QLatin1StringView(stepOutcomeId(outcome)))),
                 qPrintable(html));
    }
};

QTEST_MAIN(TestSharedJudgement)
#include "tst_sharedjudgement.moc"
