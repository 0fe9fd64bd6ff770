// SPDX-License-Identifier: Apache-2.0
// The live request log: model over an EventHub (snapshot, then new events), bounds, pause,
// clear, filter, redacted export, the details pane and the chart series.
#include "core/observe/eventhub.h"
#include "gui/eventdetails.h"
#include "gui/metricsseries.h"
#include "gui/requestlogfilter.h"
#include "gui/requestlogmodel.h"

#include <QAbstractItemModelTester>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace Tokengate;

namespace {

RequestEvent makeEvent(int n, int status = 200, Reason reason = Reason::None,
                       const QString &subject = QStringLiteral("alice")) {
    RequestEvent e;
    e.start = QDateTime::fromMSecsSinceEpoch(1'700'000'000'000 + n * 10, Qt::UTC);
    e.peer = QStringLiteral("127.0.0.1");
    e.method = "GET";
    e.target = "/item/" + QByteArray::number(n);
    e.status = status;
    e.reason = reason;
    e.durationUs = 1000 + n;
    e.subject = subject;
    e.tokenFingerprint = "0123abcd";
    e.cache = CacheOutcome::Miss;
    e.idpUs = 500;
    e.trace = {{Stage::Route, StepOutcome::Ok, QStringLiteral("upstream http://127.0.0.1:3000")},
               {Stage::Token, StepOutcome::Ok, QStringLiteral("Bearer header, fp=0123abcd")},
               {Stage::Introspect, StepOutcome::Ok, QStringLiteral("active=true, cache miss")},
               {Stage::Decide, status < 400 ? StepOutcome::Ok : StepOutcome::Refused, QString()}};
    return e;
}

QString cell(const QAbstractItemModel &m, int row, int column) {
    return m.index(row, column).data().toString();
}

} // namespace

class TestRequestLog : public QObject {
    Q_OBJECT

private slots:
    void snapshotThenFollow() {
        EventHub hub(100);
        for (int i = 0; i < 3; ++i)
            hub.publish(makeEvent(i));
        RequestLogModel model(1000);
        model.setFlushInterval(0);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.attach(&hub);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(cell(model, 0, RequestLogModel::Target), u"/item/0");
        hub.publish(makeEvent(3, 401, Reason::TokenInactive));
        QTRY_COMPARE(model.rowCount(), 4);
        QCOMPARE(cell(model, 3, RequestLogModel::Status), u"401");
        QCOMPARE(cell(model, 3, RequestLogModel::Reason), u"token_inactive");
        QCOMPARE(cell(model, 3, RequestLogModel::Token), u"0123abcd");
        QCOMPARE(cell(model, 3, RequestLogModel::Duration), u"1.0");
    }

    // A WebSocket shows while it is open ("101 open"), and its end takes that row's place,
    // whether the row is shown or still held back; the opening is no request for the charts.
    void openTunnelRowIsReplacedByItsEnd() {
        EventHub hub(100);
        RequestLogModel model(1000);
        model.setFlushInterval(0);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.attach(&hub);
        QSignalSpy arrived(&model, &RequestLogModel::eventArrived);
        RequestEvent ws = makeEvent(1, 101);
        ws.tunnelId = 7;
        ws.tunnelEnd = "open";
        hub.publishTunnelOpened(ws);
        hub.publish(makeEvent(2));
        QTRY_COMPARE(model.rowCount(), 2);
        QCOMPARE(cell(model, 0, RequestLogModel::Status), u"101 open");
        QCOMPARE(arrived.size(), 1); // the plain request only
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        ws.tunnelEnd = "client";
        ws.durationUs = 60'000'000;
        hub.publish(ws);
        QTRY_COMPARE(changed.size(), 1);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(cell(model, 0, RequestLogModel::Status), u"101");
        QCOMPARE(cell(model, 0, RequestLogModel::Duration), u"60000.0");
        QCOMPARE(arrived.size(), 2);
        // Held back while paused: the end replaces the held-back opening.
        model.setPaused(true);
        ws.tunnelId = 8;
        ws.tunnelEnd = "open";
        hub.publishTunnelOpened(ws);
        ws.tunnelEnd = "upstream";
        hub.publish(ws);
        QTRY_COMPARE(arrived.size(), 3);
        model.setPaused(false);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(cell(model, 2, RequestLogModel::Status), u"101");
    }

    // An event published while the model subscribes shows once, not twice.
    void noDuplicateAtAttach() {
        EventHub hub(100);
        RequestLogModel model(1000);
        model.setFlushInterval(0);
        // Published from another thread right as the model attaches.
        hub.publish(makeEvent(1));
        model.attach(&hub);
        emit hub.eventPublished(makeEvent(1)); // the in-flight signal of an event in the ring
        hub.publish(makeEvent(2));
        hub.publish(makeEvent(3));
        QTRY_COMPARE(model.rowCount(), 3);
        QCOMPARE(cell(model, 0, RequestLogModel::Target), u"/item/1");
        QCOMPARE(cell(model, 1, RequestLogModel::Target), u"/item/2");
        QCOMPARE(cell(model, 2, RequestLogModel::Target), u"/item/3");
    }

    void bounded_data() {
        QTest::addColumn<int>("capacity");
        QTest::addColumn<int>("published");
        QTest::newRow("under") << 10 << 5;
        QTest::newRow("exactly") << 10 << 10;
        QTest::newRow("over") << 10 << 25;
        QTest::newRow("one") << 1 << 4;
    }
    void bounded() {
        QFETCH(int, capacity);
        QFETCH(int, published);
        EventHub hub(1000);
        RequestLogModel model(capacity);
        model.setFlushInterval(0);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.attach(&hub);
        for (int i = 0; i < published; ++i)
            hub.publish(makeEvent(i));
        const int expected = qMin(capacity, published);
        QTRY_COMPARE(model.rowCount(), expected);
        // The newest stay, in order.
        QCOMPARE(cell(model, expected - 1, RequestLogModel::Target),
                 QStringLiteral("/item/%1").arg(published - 1));
        QCOMPARE(cell(model, 0, RequestLogModel::Target),
                 QStringLiteral("/item/%1").arg(published - expected));
    }

    void pauseHoldsBackThenShows() {
        EventHub hub;
        RequestLogModel model(100);
        model.setFlushInterval(0);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.attach(&hub);
        QSignalSpy arrived(&model, &RequestLogModel::eventArrived);
        model.setPaused(true);
        hub.publish(makeEvent(1));
        hub.publish(makeEvent(2));
        QTRY_COMPARE(arrived.size(), 2); // charts still see them
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.heldBack(), 2);
        model.setPaused(false);
        QCOMPARE(model.rowCount(), 2);
        model.clear();
        QCOMPARE(model.rowCount(), 0);
        hub.publish(makeEvent(3));
        QTRY_COMPARE(model.rowCount(), 1);
    }

    void filter_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("refusedOnly");
        QTest::addColumn<int>("rows");
        QTest::newRow("all") << "" << false << 4;
        QTest::newRow("status") << "401" << false << 1;
        QTest::newRow("subject, any case") << "BOB" << false << 2;
        QTest::newRow("two words") << "bob token_inactive" << false << 1;
        QTest::newRow("reason") << "idp_unreachable" << false << 1;
        QTest::newRow("refused") << "" << true << 2;
        QTest::newRow("refused bob") << "bob" << true << 1;
        QTest::newRow("nothing") << "zzz" << false << 0;
    }
    void filter() {
        QFETCH(QString, text);
        QFETCH(bool, refusedOnly);
        QFETCH(int, rows);
        EventHub hub;
        hub.publish(makeEvent(1, 200, Reason::None, QStringLiteral("alice")));
        hub.publish(makeEvent(2, 401, Reason::TokenInactive, QStringLiteral("bob")));
        hub.publish(makeEvent(3, 200, Reason::None, QStringLiteral("bob")));
        hub.publish(makeEvent(4, 503, Reason::IdpUnreachable, QString()));
        RequestLogModel model;
        model.attach(&hub);
        RequestLogFilter proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester tester(&proxy,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setText(text);
        proxy.setRefusedOnly(refusedOnly);
        QCOMPARE(proxy.rowCount(), rows);
    }

    void exportRedacted() {
        RequestEvent e = makeEvent(1);
        e.target = "/api?access_token=very-secret-token&x=1";
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("log.jsonl"));
        QString error;
        QVERIFY(RequestLogModel::exportJsonLines({e, makeEvent(2)}, path, &error));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
        QCOMPARE(lines.size(), 2);
        QVERIFY(!lines[0].contains("very-secret-token"));
        const QJsonObject first = QJsonDocument::fromJson(lines[0]).object();
        QVERIFY2(first.value(QStringLiteral("target")).toString().contains(u"REDACTED"),
                 lines[0].constData());
        QVERIFY(!RequestLogModel::exportJsonLines(
            {e}, dir.filePath(QStringLiteral("no/such/dir/x")), &error));
        QVERIFY(!error.isEmpty());
        // The table shows the redacted target too.
        EventHub hub;
        hub.publish(e);
        RequestLogModel model;
        model.attach(&hub);
        QVERIFY(!cell(model, 0, RequestLogModel::Target).contains(u"very-secret-token"));
    }

    void detailsShowTrace() {
        const QString html = eventDetailsHtml(makeEvent(7, 403, Reason::ScopeInsufficient));
        for (const char *s : {"route", "token", "introspect", "decide", "refused",
                              "scope_insufficient", "alice", "0123abcd", "/item/7"})
            QVERIFY2(html.contains(QLatin1StringView(s)), s);
        RequestEvent early;
        early.method = "GET";
        early.target = "/";
        early.status = 431;
        QVERIFY(eventDetailsHtml(early).contains(u"No pipeline stage ran"));
    }

    void chartSeries() {
        MetricsSeries series(10);
        const qint64 base = 1'700'000'000'000;
        auto at = [base](qint64 offsetMs, CacheOutcome cache, qint64 idpUs) {
            RequestEvent e;
            e.start = QDateTime::fromMSecsSinceEpoch(base + offsetMs, Qt::UTC);
            e.cache = cache;
            e.idpUs = idpUs;
            return e;
        };
        series.add(at(100, CacheOutcome::Miss, 4000));
        series.add(at(200, CacheOutcome::Hit, -1));
        series.add(at(300, CacheOutcome::Hit, -1));
        series.add(at(900, CacheOutcome::Coalesced, -1));
        series.add(at(2100, CacheOutcome::Miss, 2000));
        series.add(at(2200, CacheOutcome::None, -1)); // no token checked
        const qint64 now = base + 3500;               // seconds 0, 1, 2 complete
        const QList<double> rate = series.requestsPerSecond(now);
        QCOMPARE(rate.size(), 9);
        QCOMPARE(rate.last(), 2.0);
        QCOMPARE(rate[rate.size() - 2], 0.0);
        QCOMPARE(rate[rate.size() - 3], 4.0);
        const QList<double> hits = series.cacheHitRatio(now);
        // Two hits out of four checks: the coalesced one waited for the IdP, as /metrics says.
        QCOMPARE(hits[hits.size() - 3], 0.5);
        QVERIFY(std::isnan(hits[hits.size() - 2]));
        QCOMPARE(hits.last(), 0.0);
        const QList<double> idp = series.idpLatencyMs(now);
        QCOMPARE(idp[idp.size() - 3], 4.0);
        QCOMPARE(idp.last(), 2.0);
        // Old seconds fall out of the window.
        const QList<double> later = series.requestsPerSecond(now + 20'000);
        for (double v : later)
            QCOMPARE(v, 0.0);
    }
};

QTEST_MAIN(TestRequestLog)
#include "tst_requestlog.moc"
