// SPDX-License-Identifier: Apache-2.0
// Ways one client could hold the gateway's resources for ever, each cut by a bound: a peer
// taking every connection slot, and an endless request to the admin listener. A body trickled
// or a response read a few bytes at a time: the rate floors in tst_deadlines.
#include "tests/support/gatewayfixture.h"
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"

#include "core/admin/adminserver.h"
#include "core/admin/idphealth.h"
#include "core/observe/requestmetrics.h"

#include <QTest>

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
