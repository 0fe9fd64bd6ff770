// SPDX-License-Identifier: Apache-2.0
// EventHub: the ring a late subscriber reads, and the daemon's hub that keeps nothing.
#include "core/observe/eventhub.h"

#include <QSignalSpy>
#include <QTest>

using namespace Tokengate;

namespace {

RequestEvent eventWithStatus(int status) {
    RequestEvent e;
    e.status = status;
    return e;
}

QList<int> statuses(const QList<RequestEvent> &events) {
    QList<int> out;
    for (const RequestEvent &e : events)
        out << e.status;
    return out;
}

} // namespace

class TestEventHub : public QObject {
    Q_OBJECT

private slots:
    void ringKeepsTheLastOnesOldestFirst() {
        EventHub hub(3);
        QSignalSpy spy(&hub, &EventHub::eventPublished);
        for (int status : {200, 201, 202, 203, 204})
            hub.publish(eventWithStatus(status));
        QCOMPARE(statuses(hub.snapshot()), QList<int>({202, 203, 204}));
        QCOMPARE(hub.published(), quint64(5));
        QCOMPARE(spy.size(), 5);
    }

    void capacityZeroKeepsNothingButStillEmitsAndCounts() {
        EventHub hub(0);
        QSignalSpy spy(&hub, &EventHub::eventPublished);
        hub.publish(eventWithStatus(200));
        hub.publish(eventWithStatus(401));
        QVERIFY(hub.snapshot().isEmpty());
        QCOMPARE(hub.published(), quint64(2));
        QCOMPARE(spy.size(), 2);
        QCOMPARE(spy.at(1).at(0).value<RequestEvent>().status, 401);
    }
};

QTEST_GUILESS_MAIN(TestEventHub)
#include "tst_eventhub.moc"
