// SPDX-License-Identifier: Apache-2.0
// Ways one client could hold the gateway's resources for ever, each cut by a bound: a peer
// taking every connection slot, a body trickled a few bytes at a time (each one inside the
// body timeout), and a response read a few bytes at a time.
#include "tests/support/gatewayfixture.h"
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"

#include "core/admin/adminserver.h"
#include "core/admin/idphealth.h"
#include "core/base/reason.h"
#include "core/observe/requestmetrics.h"

#include <QElapsedTimer>
#include <QTest>
#include <QTimer>

#include <memory>

using namespace Tokengate;
using namespace Tokengate::Test;

class TestAbuse : public QObject {
    Q_OBJECT

    std::unique_ptr<HttpServer> m_echo;

    QString echoUrl() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_echo->port()); }

private slots:
    void initTestCase() {
        QString error;
        m_echo = startEchoUpstream(&error);
        QVERIFY2(m_echo, qPrintable(error));
    }

    void onePeerCannotTakeEverySlot() {
        Config c = testConfig(echoUrl());
        c.server.limits.maxConnectionsPerPeer = 3;
        Gateway gw;
        QVERIFY(gw.start(c));
        std::vector<std::unique_ptr<RawClient>> held;
        for (int i = 0; i < 3; ++i) {
            held.push_back(std::make_unique<RawClient>());
            QVERIFY(held.back()->connectTo(gw.port()));
            held.back()->send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
            const auto r = held.back()->readResponse();
            QVERIFY(r);
            QCOMPARE(r->status, 200); // accepted and counted
        }
        RawClient fourth;
        QVERIFY(fourth.connectTo(gw.port()));
        const auto refused = fourth.readResponse();
        QVERIFY(refused);
        QCOMPARE(refused->status, 503);
        QVERIFY(refused->body.contains("too_many_connections"));
        QVERIFY(fourth.waitForClosed());

        // A slot given back is a slot free again.
        held.front()->socket().disconnectFromHost();
        held.erase(held.begin());
        QVERIFY(waitFor([&] { return gw.service.openConnections() == 2; }));
        RawClient again;
        QVERIFY(again.connectTo(gw.port()));
        again.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        const auto r = again.readResponse();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
    }

    // Each piece comes well within the body timeout, so only the rate floor can end it.
    void trickledBodyIs408_data() {
        QTest::addColumn<int>("minBodyRate");
        QTest::addColumn<int>("expected");
        QTest::newRow("floor on: cut with 408") << 100'000 << 408;
        QTest::newRow("floor off: the body completes") << 0 << 200;
    }
    void trickledBodyIs408() {
        QFETCH(int, minBodyRate);
        QFETCH(int, expected);
        Config c = testConfig(echoUrl());
        c.server.limits.headerTimeoutMs = 300; // the grace before the floor applies
        c.server.limits.minBodyRate = minBodyRate;
        Gateway gw;
        QVERIFY(gw.start(c));
        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        const int pieces = 12;
        client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: " + QByteArray::number(pieces) +
                    "\r\n\r\n");
        QTimer drip;
        int sent = 0;
        connect(&drip, &QTimer::timeout, this, [&] {
            if (sent < pieces && client.isConnected()) {
                client.send("x");
                ++sent;
            }
        });
        drip.start(100); // 10 bytes/s: a trickle, yet never a 100 ms pause, far below 60 s
        QElapsedTimer clock;
        clock.start();
        const auto r = client.readResponse(10'000);
        QVERIFY(r);
        QCOMPARE(r->status, expected);
        if (expected == 408) {
            QVERIFY(r->body.contains("too slowly"));
            QVERIFY(sent < pieces);
            QVERIFY(client.waitForClosed());
        }
    }

    // The client takes a few hundred bytes at a time of a large answer: the floor closes it
    // long before the answer is through, and the upstream connection is let go.
    void slowReaderIsCut() {
        const QByteArray body(4 << 20, 'b');
        ScriptedUpstream up(ScriptedUpstream::answerEachRequestWith(
            "HTTP/1.1 200 OK\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" +
            body));
        Config c = testConfig(up.url());
        c.server.limits.headerTimeoutMs = 300;
        c.server.limits.minSendRate = 1'000'000;
        Gateway gw;
        QVERIFY(gw.start(c));
        // A bare socket: RawClient would read whatever arrives, and this client must not.
        QTcpSocket client;
        client.setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 4096);
        client.setReadBufferSize(4096);
        client.connectToHost(QHostAddress::LocalHost, gw.port());
        QVERIFY(client.waitForConnected(5000));
        client.write("GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
        qint64 taken = 0;
        QTimer sip;
        connect(&sip, &QTimer::timeout, this, [&] { taken += client.read(200).size(); });
        sip.start(50); // 4 KB/s
        // The client cannot see the close before it has read what is already buffered for it,
        // so the gateway's side tells: the request ends as request_timeout.
        auto cut = [&] {
            const QList<RequestEvent> events = gw.events.snapshot();
            return std::any_of(events.cbegin(), events.cend(), [](const RequestEvent &e) {
                return e.reason == QByteArray(Reason::RequestTimeout);
            });
        };
        QVERIFY(waitFor(cut, 15'000));
        QVERIFY2(taken < body.size(), QByteArray::number(taken).constData());
        QVERIFY(waitFor([&] { return up.connections().value(0).closedByPeer; }));
    }

    // QHttpServer 6.4 reads without bounds; the admin listener may face more than loopback.
    void adminListenerIsBounded() {
        Gateway gw;
        QVERIFY(gw.start(testConfig(echoUrl())));
        RequestMetrics metrics;
        IdpHealth idp;
        AdminServer admin(gw.service, metrics, idp);
        QString error;
        QVERIFY2(admin.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));

        // An endless header section is cut once past the byte budget.
        RawClient flood;
        QVERIFY(flood.connectTo(admin.port()));
        flood.send("GET /healthz HTTP/1.1\r\nHost: a\r\n");
        const QByteArray field = "X-Fill: " + QByteArray(1000, 'f') + "\r\n";
        for (int i = 0; i < 200 && flood.isConnected(); ++i) {
            flood.send(field);
            flood.socket().waitForBytesWritten(100);
            QCoreApplication::processEvents();
        }
        QVERIFY(flood.waitForClosed(5000));

        // Connections given back free their slots: far more than the cap, one after another.
        for (int i = 0; i < 100; ++i) {
            const auto r = requestOnce(admin.port(), "GET", "/healthz");
            QVERIFY2(r, qPrintable(QString::number(i)));
            QCOMPARE(r->status, 200);
        }
        // Held connections past the cap are refused at once.
        std::vector<std::unique_ptr<RawClient>> held;
        for (int i = 0; i < 64; ++i) {
            held.push_back(std::make_unique<RawClient>());
            QVERIFY(held.back()->connectTo(admin.port()));
        }
        // Sending a request on each shows they were all taken in.
        for (auto &c : held) {
            c->send("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n");
            const auto r = c->readResponse();
            QVERIFY(r);
            QCOMPARE(r->status, 200);
        }
        RawClient extra;
        QVERIFY(extra.connectTo(admin.port()));
        QVERIFY(extra.waitForClosed(5000));
    }
};

QTEST_GUILESS_MAIN(TestAbuse)
#include "tst_abuse.moc"
