// SPDX-License-Identifier: Apache-2.0
// The deadlines at their exact bounds: the client's (header, body, idle, both rate floors) and
// the gateway's own waits on an upstream and on the IdP. They run on a ManualClock the test
// moves, then sweeps, so nothing here waits for real time to pass. tst_proxy and
// tst_introspection keep one timeout each on the real clock, end to end.
#include "tests/support/bareclient.h"
#include "tests/support/gatewayfixture.h"
#include "tests/support/manualclock.h"
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"

#include "core/base/reason.h"

#include <QFile>
#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

class TestDeadlines : public QObject {
    Q_OBJECT

    std::unique_ptr<HttpServer> m_echo;

    // Distinct bounds, so a deadline measured against the wrong one fails its row.
    Config deadlineConfig() const {
        Config c = testConfig(loopbackUrl(*m_echo));
        c.server.limits.headerTimeoutMs = 300;
        c.server.limits.bodyTimeoutMs = 500;
        c.server.limits.idleTimeoutMs = 700;
        c.server.limits.minBodyRate = 0;
        c.server.limits.minSendRate = 1'000'000;
        return c;
    }

    // Nothing came back and the connection is open: the sweep just done cut nothing (what it
    // writes or closes is in this socket's kernel buffer by the time sweep() returns).
    static bool quiet(RawClient &client) {
        return !client.socket().waitForReadyRead(0) && client.isConnected();
    }

private slots:
    void initTestCase() {
        QString error;
        m_echo = startEchoUpstream(&error);
        QVERIFY2(m_echo, qPrintable(error));
    }

    void boundIsExact_data() {
        QTest::addColumn<QByteArray>("sent");
        QTest::addColumn<bool>("answeredFirst"); // `sent` is a whole request, read its answer
        QTest::addColumn<int>("boundMs");
        QTest::addColumn<int>("status"); // 0: closed without an answer
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("header section unfinished")
            << QByteArray("GET / HTTP/1.1\r\nHost: t\r\nX-Slow") << false << 300 << 408
            << QByteArray("Timed out reading the request header");
        QTest::newRow("request line unfinished")
            << QByteArray("GET /pa") << false << 300 << 408
            << QByteArray("Timed out reading the request header");
        QTest::newRow("body stalled")
            << QByteArray("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc") << false
            << 500 << 408 << QByteArray("Timed out reading the request body");
        QTest::newRow("chunked body stalled")
            << QByteArray(
                   "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc")
            << false << 500 << 408 << QByteArray("Timed out reading the request body");
        QTest::newRow("idle: connected, nothing sent")
            << QByteArray() << false << 700 << 0 << QByteArray();
        QTest::newRow("idle: after a response")
            << QByteArray("GET / HTTP/1.1\r\nHost: t\r\n\r\n") << true << 700 << 0 << QByteArray();
    }
    void boundIsExact() {
        QFETCH(QByteArray, sent);
        QFETCH(bool, answeredFirst);
        QFETCH(int, boundMs);
        QFETCH(int, status);
        QFETCH(QByteArray, text);
        ManualClock clock;
        Gateway gw;
        gw.useDeadlineClock(clock);
        QVERIFY(gw.start(deadlineConfig()));
        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        QVERIFY(waitFor([&] { return gw.service.openConnections() == 1; }));
        if (!sent.isEmpty())
            client.send(sent);
        if (answeredFirst) {
            const auto r = client.readResponse();
            QVERIFY(r);
            QCOMPARE(r->status, 200);
        }
        gw.sweep();
        QVERIFY(quiet(client));

        clock.advanceMs(boundMs); // a deadline passes once more than its bound has gone by
        gw.sweep();
        QVERIFY(quiet(client));

        clock.advanceMs(1);
        gw.sweep();
        if (status) {
            const auto r = client.readResponse();
            QVERIFY(r);
            QCOMPARE(r->status, status);
            QVERIFY2(r->body.contains(text), r->body.constData());
            QVERIFY2(r->body.contains(reasonId(Reason::RequestTimeout)), r->body.constData());
        }
        QVERIFY(client.waitForClosed());
        QVERIFY(client.takeBuffered().isEmpty());
    }

    // A server behind the gateway that accepts, reads and never answers: the upstream's
    // response timeout and the IdP call's timeout end the wait at their bound, not before.
    void silentServerBoundIsExact_data() {
        QTest::addColumn<bool>("silentIdp");
        QTest::addColumn<int>("boundMs");
        QTest::addColumn<QByteArray>("reason");
        // Bounds apart from the client's, so a wait measured against the wrong one fails.
        QTest::newRow("upstream") << false << 900 << QByteArray("upstream_timeout");
        QTest::newRow("IdP") << true << 1100 << QByteArray("idp_timeout");
    }
    void silentServerBoundIsExact() {
        QFETCH(bool, silentIdp);
        QFETCH(int, boundMs);
        QFETCH(QByteArray, reason);
        ScriptedUpstream silent;
        ManualClock clock;
        Config c = deadlineConfig();
        if (silentIdp) {
            c.auth = AuthMode::Introspection;
            c.introspection.url = silent.url() + QStringLiteral("/introspect");
            c.introspection.clientId = QStringLiteral("gateway");
            c.introspection.clientSecret = QStringLiteral("secret");
            c.introspection.timeoutMs = boundMs;
        } else {
            c.upstreamUrl = silent.url();
            c.upstream.responseTimeoutMs = boundMs;
        }
        Gateway gw;
        gw.useDeadlineClock(clock);
        QVERIFY(gw.start(c));
        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        client.send("GET / HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer opaque\r\n\r\n");
        const QByteArray sentInFull = silentIdp ? "token_type_hint" : "\r\n\r\n";
        QVERIFY(waitFor([&] {
            return !silent.connections().isEmpty() &&
                   silent.connections()[0].received.contains(sentInFull);
        }));
        gw.sweep();
        QVERIFY(quiet(client));

        clock.advanceMs(boundMs);
        gw.sweep();
        QVERIFY(quiet(client));

        clock.advanceMs(1);
        gw.sweep();
        const auto r = client.readResponse();
        QVERIFY(r);
        QCOMPARE(r->status, 504);
        QVERIFY2(r->body.contains(reason), r->body.constData());
    }

    // A body delimited by the close (an HTTP/1.0 client, no length) that the upstream stops
    // sending mid-way: an orderly close would tell the client its body is whole, so the
    // gateway resets the connection instead.
    void bodyCutShortResets() {
        ScriptedUpstream up([](ScriptedUpstream &u, int i) {
            u.reply(i, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nonly part");
        });
        ManualClock clock;
        Config c = deadlineConfig();
        c.upstreamUrl = up.url();
        c.upstream.responseTimeoutMs = 900;
        Gateway gw;
        gw.useDeadlineClock(clock);
        QVERIFY(gw.start(c));
        BareClient client;
        QVERIFY(client.connectTo(gw.port()));
        QVERIFY(client.send("GET / HTTP/1.0\r\nHost: t\r\n\r\n"));
        QVERIFY(waitFor([&] { return client.pending() > 0; })); // the answer has begun
        clock.advanceMs(901);
        gw.sweep();
        QByteArray received;
        QCOMPARE(client.readToEnd(&received), BareClient::End::Reset);
    }

    // The header timeout bounds the client, not the gateway: a request pipelined behind a slow
    // one waited on the gateway, so its time counts from when the gateway can read it.
    void pipelinedHeadCountsFromItsTurn() {
        ScriptedUpstream up; // answers when the test says so
        ManualClock clock;
        Config c = deadlineConfig();
        c.upstreamUrl = up.url();
        Gateway gw;
        gw.useDeadlineClock(clock);
        QVERIFY(gw.start(c));
        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        client.send("GET /first HTTP/1.1\r\nHost: t\r\n\r\nGET /second HTTP/1.1\r\nHo");
        QVERIFY(waitFor([&] { return up.requestCount(0) == 1; }));
        clock.advanceMs(1000); // the first answer takes longer than the header timeout
        gw.sweep();
        QVERIFY(quiet(client));
        up.reply(0, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        const auto first = client.readResponse();
        QVERIFY(first);
        QCOMPARE(first->status, 200);
        gw.sweep();
        QVERIFY(quiet(client));

        clock.advanceMs(300);
        gw.sweep();
        QVERIFY(quiet(client));

        clock.advanceMs(1);
        gw.sweep();
        const auto second = client.readResponse();
        QVERIFY(second);
        QCOMPARE(second->status, 408);
    }

    // Each piece comes well within the body timeout, so only the rate floor can end it: once
    // the header timeout's grace is over, every second must have brought minBodyRate bytes.
    void bodyRateFloor_data() {
        QTest::addColumn<int>("minBodyRate");
        QTest::addColumn<int>("expected");
        QTest::addColumn<int>("piecesBeforeCut"); // pieces sent when the 408 came
        // 300 ms of grace, then 10 bytes/s is far below 100 kB/s: 400 ms after 4 pieces.
        QTest::newRow("floor far above the trickle") << 100'000 << 408 << 4;
        // Allowed: 300 ms + 50 ms a byte. 6 bytes in 600 ms is in time, 7 in 700 ms is not.
        QTest::newRow("floor just above the trickle") << 20 << 408 << 7;
        // 100 ms a byte is what the floor allows after the grace: never late.
        QTest::newRow("floor at the trickle") << 10 << 200 << 12;
        QTest::newRow("floor off: the body completes") << 0 << 200 << 12;
    }
    void bodyRateFloor() {
        QFETCH(int, minBodyRate);
        QFETCH(int, expected);
        QFETCH(int, piecesBeforeCut);
        ManualClock clock;
        Config c = deadlineConfig();
        c.server.limits.minBodyRate = minBodyRate;
        Gateway gw;
        gw.useDeadlineClock(clock);
        QVERIFY(gw.start(c));
        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        const int pieces = 12;
        client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: " + QByteArray::number(pieces) +
                    "\r\n\r\n");
        int sent = 0;
        // A byte every 100 ms: a trickle, yet never a pause near the body timeout.
        do {
            client.send("x");
            ++sent;
            gw.sweep(); // the gateway has the byte before the time moves
            clock.advanceMs(100);
            gw.sweep();
        } while (sent < pieces && quiet(client));
        QCOMPARE(sent, piecesBeforeCut);
        const auto r = client.readResponse();
        QVERIFY(r);
        QCOMPARE(r->status, expected);
        if (expected == 408) {
            QVERIFY(r->body.contains("too slowly"));
            QVERIFY(client.waitForClosed());
        }
    }

    // The client takes a few hundred bytes at a time of a large answer: the floor closes it
    // long before the answer is through, and the upstream connection is let go.
    void sendRateFloor() {
        // More than the gateway's socket can hold: the kernel grows a send buffer up to
        // tcp_wmem's maximum (4 MiB by default), and a body that fits is sent at once.
        QFile wmem(QStringLiteral("/proc/sys/net/ipv4/tcp_wmem"));
        const QList<QByteArray> sizes = wmem.open(QIODevice::ReadOnly)
                                            ? wmem.readAll().simplified().split(' ')
                                            : QList<QByteArray>{};
        const qint64 sendBufferMax = sizes.size() == 3 ? sizes[2].toLongLong() : 0;
        const QByteArray body(qMax<qint64>(16 << 20, 4 * sendBufferMax), 'b');
        ScriptedUpstream up(ScriptedUpstream::answerEachRequestWith(
            "HTTP/1.1 200 OK\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" +
            body));
        ManualClock clock;
        Config c = deadlineConfig();
        c.upstreamUrl = up.url();
        c.server.limits.bodyTimeoutMs = 60'000; // only the floor may end it
        c.server.limits.minSendRate = 1'000'000;
        Gateway gw;
        gw.useDeadlineClock(clock);
        QVERIFY(gw.start(c));
        // A bare socket: RawClient would read whatever arrives, and this client must not.
        QTcpSocket client;
        client.setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 4096);
        client.setReadBufferSize(4096);
        client.connectToHost(QHostAddress::LocalHost, gw.port());
        QVERIFY(client.waitForConnected(5000));
        client.write("GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
        QVERIFY(waitFor([&] { return client.bytesAvailable() > 0; })); // the answer is under way
        // 200 bytes every 50 ms: 4 KB/s. The client cannot see the close before it has read
        // what is already buffered for it, so the gateway's side tells: request_timeout.
        qint64 taken = 0;
        for (int turn = 0; turn < 10'000 && gw.events.snapshot().isEmpty(); ++turn) {
            taken += client.read(200).size();
            QCoreApplication::processEvents(); // the upstream writes, the client's buffer refills
            gw.sweep();
            clock.advanceMs(50);
            gw.sweep();
        }
        const QList<RequestEvent> events = gw.events.snapshot();
        QCOMPARE(events.size(), 1);
        QCOMPARE(reasonId(events.first().reason), QByteArray("request_timeout"));
        QVERIFY2(taken < body.size(), QByteArray::number(taken).constData());
        QVERIFY(waitFor([&] { return up.connections().value(0).closedByPeer; }));
    }
};

QTEST_GUILESS_MAIN(TestDeadlines)
#include "tst_deadlines.moc"
