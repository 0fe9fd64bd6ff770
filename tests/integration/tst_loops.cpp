// SPDX-License-Identifier: Apache-2.0
// The gateway never calls itself: a Destination or upstream naming one of its own listeners
// (data or admin; by address, localhost name, mapped or wildcard form) is 508
// destination_loop before any connection, and a request whose Via already carries this
// process's pseudonym (added to everything it forwards) is 508 loop_detected.
#include "core/pipeline/loopguard.h"
#include "tests/support/gatewayfixture.h"
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"

#include <QTcpServer>
#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

Config destinationMode() {
    Config c = testConfig(QString());
    c.server.limits.maxConnections = 16; // a loop would run out of these quickly
    return c;
}

QByteArray viaOf(const QByteArray &received) {
    QByteArray via;
    for (const QByteArray &line : received.split('\n')) {
        if (line.toLower().startsWith("via:"))
            via += line.trimmed() + '\n';
    }
    return via;
}

} // namespace

class TestLoops : public QObject {
    Q_OBJECT

    std::unique_ptr<ScriptedUpstream> m_upstream;
    std::unique_ptr<Gateway> m_gw;
    QTcpServer m_admin; // stands for the admin listener

private slots:
    void initTestCase() {
        m_upstream = std::make_unique<ScriptedUpstream>(ScriptedUpstream::answerEachRequest());
        m_gw = std::make_unique<Gateway>();
        QVERIFY(m_gw->start(destinationMode()));
        QVERIFY(m_admin.listen(QHostAddress::LocalHost, 0));
        m_gw->service.addOwnListener(QHostAddress::LocalHost, m_admin.serverPort());
    }
    void cleanupTestCase() {
        m_gw.reset();
        m_upstream.reset();
    }

    void destinationIsThisGateway_data() {
        QTest::addColumn<QByteArray>("destination"); // "<port>" and "<admin>" filled in
        QTest::newRow("127.0.0.1") << QByteArray("http://127.0.0.1:<port>/");
        QTest::newRow("localhost") << QByteArray("http://localhost:<port>/x");
        QTest::newRow("LOCALHOST.") << QByteArray("http://LOCALHOST.:<port>/");
        QTest::newRow("name under .localhost") << QByteArray("http://a.localhost:<port>/");
        QTest::newRow("v4-mapped") << QByteArray("http://[::ffff:127.0.0.1]:<port>/");
        QTest::newRow("0.0.0.0") << QByteArray("http://0.0.0.0:<port>/");
        QTest::newRow("decimal IPv4") << QByteArray("http://2130706433:<port>/");
        QTest::newRow("admin listener") << QByteArray("http://127.0.0.1:<admin>/metrics");
    }
    void destinationIsThisGateway() {
        QFETCH(QByteArray, destination);
        destination.replace("<port>", QByteArray::number(m_gw->port()));
        destination.replace("<admin>", QByteArray::number(m_admin.serverPort()));
        const auto r =
            requestOnce(m_gw->port(), "GET", "/loop", "Destination: " + destination + "\r\n");
        QVERIFY(r);
        QCOMPARE(r->status, 508);
        QVERIFY2(r->body.contains("destination_loop"), r->body.constData());
        QVERIFY(!m_admin.hasPendingConnections()); // refused before any connection
    }

    void viaCarriesThisGateway() {
        const QByteArray via = "Via: 1.1 proxy.example, 1.1 " + LoopGuard::pseudonym() + "\r\n";
        const auto r = requestOnce(m_gw->port(), "GET", "/loop",
                                   "Destination: " + m_upstream->url().toLatin1() + "/\r\n" + via);
        QVERIFY(r);
        QCOMPARE(r->status, 508);
        QVERIFY2(r->body.contains("loop_detected"), r->body.constData());
        for (const auto &c : m_upstream->connections())
            QCOMPARE(c.received, QByteArray());
    }

    // Every forwarded request names this gateway after what earlier hops wrote.
    void viaAddedToForwardedRequests() {
        const auto r = requestOnce(m_gw->port(), "GET", "/fwd",
                                   "Destination: " + m_upstream->url().toLatin1() +
                                       "/\r\nVia: 1.0 earlier.example\r\n");
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QByteArray received;
        QVERIFY(waitFor([&] {
            received.clear();
            for (const auto &c : m_upstream->connections())
                received += c.received;
            return received.contains("\r\n\r\n");
        }));
        QCOMPARE(viaOf(received),
                 "Via: 1.0 earlier.example\nVia: 1.1 " + LoopGuard::pseudonym() + "\n");
    }

    // Fixed upstreams: the address of the gateway itself, and two gateways naming each other
    // (the second sees the first's Via; one process, one pseudonym).
    void fixedUpstreamLoops_data() {
        QTest::addColumn<QString>("shape");
        QTest::addColumn<QByteArray>("reason");
        QTest::newRow("itself by address")
            << QStringLiteral("self") << QByteArray("destination_loop");
        QTest::newRow("itself as localhost")
            << QStringLiteral("localhost") << QByteArray("destination_loop");
        QTest::newRow("two gateways") << QStringLiteral("pair") << QByteArray("loop_detected");
        // The client's Connection can drop the first hop's Via, never the next hop's.
        QTest::newRow("two gateways, Connection: via")
            << QStringLiteral("pair-connection") << QByteArray("loop_detected");
    }
    void fixedUpstreamLoops() {
        QFETCH(QString, shape);
        QFETCH(QByteArray, reason);
        const quint16 portA = closedLoopbackPort();
        const quint16 portB = closedLoopbackPort();
        QVERIFY(portA && portB && portA != portB);
        const QString host =
            shape == u"localhost" ? QStringLiteral("localhost") : QStringLiteral("127.0.0.1");
        Config a = destinationMode();
        a.server.port = portA;
        a.upstreamUrl =
            QStringLiteral("http://%1:%2").arg(host).arg(shape.startsWith(u"pair") ? portB : portA);
        Gateway gwA;
        QVERIFY(gwA.start(a));
        Gateway gwB;
        if (shape.startsWith(u"pair")) {
            Config b = destinationMode();
            b.server.port = portB;
            b.upstreamUrl = QStringLiteral("http://127.0.0.1:%1").arg(portA);
            QVERIFY(gwB.start(b));
        }
        const auto r = requestOnce(portA, "GET", "/fixed",
                                   shape == u"pair-connection" ? "Connection: via\r\n" : "");
        QVERIFY(r);
        QCOMPARE(r->status, 508);
        QVERIFY2(r->body.contains(reason), r->body.constData());
    }
};

QTEST_GUILESS_MAIN(TestLoops)
#include "tst_loops.moc"
