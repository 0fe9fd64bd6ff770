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

constexpr int Events = 300; // one per IntervalMs: 30 s
constexpr int IntervalMs = 100;
// A tenth of the stream's length; long enough that a sanitizer build on a loaded machine does
// not stall past it.
constexpr int UpstreamTimeoutMs = 3000;
constexpr qint64 PromptMs = 50; // every event reaches the client within this

// Under a sanitizer every instruction costs several: the latest event is then allowed more.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TOKENGATE_SANITIZED
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TOKENGATE_SANITIZED
#endif
#endif
#ifdef TOKENGATE_SANITIZED
constexpr qint64 LatestMs = 1000;
#else
constexpr qint64 LatestMs = PromptMs;
#endif

QByteArray eventText(int n) {
    return "data: event " + QByteArray::number(n) + "\n\n";
}

// On the first request, answers text/event-stream and sends one event per IntervalMs,
// remembering when each went out.
class EventSource : public QObject {
    const QElapsedTimer &m_clock;
    const int m_events;
    bool m_started = false;
    QTimer m_timer;

public:
    EventSource(const QElapsedTimer &clock, int events)
        : m_clock(clock)
        , m_events(events)
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
        if (n == m_events || !u.connections()[index].socket) {
            m_timer.stop();
            if (n == m_events)
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
        EventSource source(clock, Events);
        Gateway gateway;
        QVERIFY(gateway.start(config(source.upstream)));
        RawClient client;
        QVERIFY(client.connectTo(gateway.port()));
        client.send("GET /events HTTP/1.1\r\nHost: gw\r\nAccept: text/event-stream\r\n\r\n");
        QByteArray got;
        QList<qint64> arrivedAtMs;
        // Until the stream ends, or the connection does (then the counts below say where).
        waitFor(
            [&] {
                got += client.takeBuffered() + client.socket().readAll();
                while (arrivedAtMs.size() < Events &&
                       got.contains(eventText(int(arrivedAtMs.size()))))
                    arrivedAtMs.append(clock.elapsed());
                return got.endsWith("0\r\n\r\n") ||
                       client.socket().state() != QAbstractSocket::ConnectedState;
            },
            Events * IntervalMs + 20'000);
        QVERIFY(got.startsWith("HTTP/1.1 200 OK\r\n"));
        QVERIFY(got.contains("Content-Type: text/event-stream\r\n"));
        QVERIFY2(got.endsWith("0\r\n\r\n"),
                 qPrintable(QStringLiteral("%1 of %2 events, then %3")
                                .arg(arrivedAtMs.size())
                                .arg(source.sentAtMs.size())
                                .arg(QString::fromLatin1(got.right(80)))));
        QCOMPARE(arrivedAtMs.size(), Events);
        QCOMPARE(source.sentAtMs.size(), Events);
        // The stream outlived the upstream timeout many times over without being cut.
        QVERIFY(source.sentAtMs.last() - source.sentAtMs.first() > 9 * UpstreamTimeoutMs);
        QList<qint64> delays;
        for (int i = 0; i < Events; ++i)
            delays.append(arrivedAtMs[i] - source.sentAtMs[i]);
        std::sort(delays.begin(), delays.end());
        const auto late =
            std::count_if(delays.cbegin(), delays.cend(), [](qint64 ms) { return ms >= PromptMs; });
        qInfo("events later than %lld ms: %lld of %d; the latest %lld ms", PromptMs, qint64(late),
              Events, delays.last());
        // Each event as it is sent: buffering would hold every one back. Under sanitizers 1 %
        // may be late, none for long.
        QVERIFY2(delays[Events * 99 / 100] < PromptMs,
                 qPrintable(QString::number(delays[Events * 99 / 100])));
        QVERIFY2(delays.last() < LatestMs, qPrintable(QString::number(delays.last())));
    }

    void clientLeavingMidStreamIsLogged() {
        QElapsedTimer clock;
        clock.start();
        EventSource source(clock, 30);
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
