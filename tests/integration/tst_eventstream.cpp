// SPDX-License-Identifier: Apache-2.0
// Server-sent events and long polling through the gateway: a response that trickles for longer
// than the upstream timeout is not cut while bytes keep coming, each event reaches the client
// as it is sent (nothing waits for a buffer to fill), and a client that leaves mid-stream is
// logged with the bytes it was sent.
#include "tests/support/gatewayfixture.h"
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

#include <algorithm>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

constexpr int Events = 30;
constexpr int IntervalMs = 100;
constexpr int UpstreamTimeoutMs = 1000; // a third of the stream's length

QByteArray eventText(int n) {
    return "data: event " + QByteArray::number(n) + "\n\n";
}

// On the first request, answers text/event-stream and sends one event per IntervalMs,
// remembering when each went out.
class EventSource : public QObject {
    const QElapsedTimer &m_clock;
    bool m_started = false;
    QTimer m_timer;

public:
    explicit EventSource(const QElapsedTimer &clock)
        : m_clock(clock)
        , upstream([this](ScriptedUpstream &u, int index) {
            if (m_started || !u.connections()[index].received.contains("\r\n\r\n"))
                return;
            m_started = true;
            u.reply(index, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                           "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n");
            m_timer.callOnTimeout([this, &u, index] { sendNext(u, index); });
            m_timer.start(IntervalMs);
        }) {}

    QList<qint64> sentAtMs;
    qint64 bodyBytesSent = 0;
    ScriptedUpstream upstream;

private:
    void sendNext(ScriptedUpstream &u, int index) {
        const int n = int(sentAtMs.size());
        if (n == Events || !u.connections()[index].socket) {
            m_timer.stop();
            if (n == Events)
                u.reply(index, "0\r\n\r\n");
            return;
        }
        const QByteArray e = eventText(n);
        sentAtMs.append(m_clock.elapsed());
        bodyBytesSent += e.size();
        u.reply(index, QByteArray(QByteArray::number(e.size(), 16) + "\r\n" + e + "\r\n"));
    }
};

} // namespace

class TestEventStream : public QObject {
    Q_OBJECT

    static Config config(const ScriptedUpstream &upstream) {
        Config c = testConfig(upstream.url());
        c.upstream.responseTimeoutMs = UpstreamTimeoutMs;
        return c;
    }

private slots:
    void eventsArriveAsSentForLongerThanTheTimeout() {
        QElapsedTimer clock;
        clock.start();
        EventSource source(clock);
        Gateway gateway;
        QVERIFY(gateway.start(config(source.upstream)));
        RawClient client;
        QVERIFY(client.connectTo(gateway.port()));
        client.send("GET /events HTTP/1.1\r\nHost: gw\r\nAccept: text/event-stream\r\n\r\n");
        QByteArray got;
        QList<qint64> arrivedAtMs;
        QVERIFY(waitFor(
            [&] {
                got += client.takeBuffered() + client.socket().readAll();
                while (arrivedAtMs.size() < Events &&
                       got.contains(eventText(int(arrivedAtMs.size()))))
                    arrivedAtMs.append(clock.elapsed());
                return got.endsWith("0\r\n\r\n");
            },
            20000));
        QVERIFY(got.startsWith("HTTP/1.1 200 OK\r\n"));
        QVERIFY(got.contains("Content-Type: text/event-stream\r\n"));
        QCOMPARE(arrivedAtMs.size(), Events);
        QCOMPARE(source.sentAtMs.size(), Events);
        // The stream outlived the upstream timeout three times over without being cut.
        QVERIFY(source.sentAtMs.last() - source.sentAtMs.first() > 2 * UpstreamTimeoutMs);
        QList<qint64> delays;
        for (int i = 0; i < Events; ++i)
            delays.append(arrivedAtMs[i] - source.sentAtMs[i]);
        std::sort(delays.begin(), delays.end());
        // Each event as it is sent: the median within 50 ms, and none held back for long
        // (the bound leaves room for a loaded CI machine, not for buffering).
        QVERIFY2(delays[Events / 2] < 50, qPrintable(QString::number(delays[Events / 2])));
        QVERIFY2(delays.last() < 1000, qPrintable(QString::number(delays.last())));
    }

    void clientLeavingMidStreamIsLogged() {
        QElapsedTimer clock;
        clock.start();
        EventSource source(clock);
        Gateway gateway;
        QVERIFY(gateway.start(config(source.upstream)));
        QSignalSpy events(&gateway.events, &EventHub::eventPublished);
        RawClient client;
        QVERIFY(client.connectTo(gateway.port()));
        client.send("GET /events HTTP/1.1\r\nHost: gw\r\n\r\n");
        QByteArray got;
        QVERIFY(waitFor([&] {
            got += client.takeBuffered() + client.socket().readAll();
            return got.contains(eventText(4));
        }));
        qint64 received = 0;
        for (int i = 0; i < 5; ++i)
            received += eventText(i).size();
        client.socket().abort();
        QVERIFY(!events.isEmpty() || events.wait(10000));
        const auto e = events.first().at(0).value<RequestEvent>();
        QCOMPARE(e.status, 200);
        QCOMPARE(e.reason, Reason::ClientDisconnected);
        // What the gateway passed on: at least what the client read, at most what was sent.
        QVERIFY2(e.responseBodyBytes >= received && e.responseBodyBytes <= source.bodyBytesSent,
                 qPrintable(QStringLiteral("%1 logged, %2 read, %3 sent")
                                .arg(e.responseBodyBytes)
                                .arg(received)
                                .arg(source.bodyBytesSent)));
        // And the upstream connection is let go: the source stops with it.
        QVERIFY(waitFor([&] { return source.upstream.connections().first().closedByPeer; }));
    }
};

QTEST_MAIN(TestEventStream)
#include "tst_eventstream.moc"
