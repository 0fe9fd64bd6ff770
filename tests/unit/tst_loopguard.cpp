// SPDX-License-Identifier: Apache-2.0
// Which targets are the gateway's own listeners (literal addresses, localhost names, mapped
// and wildcard forms), and the Via element it adds to and looks for in requests.
#include "core/pipeline/loopguard.h"

#include <QNetworkInterface>
#include <QRegularExpression>
#include <QTest>

using namespace Tokengate;

class TestLoopGuard : public QObject {
    Q_OBJECT

private slots:
    void targetsSelf_data() {
        QTest::addColumn<QString>("listen");
        QTest::addColumn<QString>("host"); // as UpstreamTarget::parse gives it
        QTest::addColumn<int>("port");
        QTest::addColumn<bool>("self");
        auto row = [](const char *name, const char *listen, const char *host, int port, bool self) {
            QTest::newRow(name) << QString::fromLatin1(listen) << QString::fromLatin1(host) << port
                                << self;
        };
        row("same address and port", "127.0.0.1", "127.0.0.1", 8080, true);
        row("other port", "127.0.0.1", "127.0.0.1", 8081, false);
        row("other loopback address", "127.0.0.1", "127.0.0.2", 8080, false);
        row("localhost", "127.0.0.1", "localhost", 8080, true);
        row("localhost., any case", "127.0.0.1", "LocalHost.", 8080, true);
        row("*.localhost", "127.0.0.1", "api.localhost", 8080, true);
        row("v4-mapped", "127.0.0.1", "::ffff:127.0.0.1", 8080, true);
        row("0.0.0.0 reaches a loopback listener", "127.0.0.1", "0.0.0.0", 8080, true);
        row("a name", "127.0.0.1", "api.example.com", 8080, false);
        row("wildcard: loopback", "0.0.0.0", "127.0.0.9", 8080, true);
        row("wildcard: ::1", "::", "::1", 8080, true);
        row("wildcard: remote address", "0.0.0.0", "192.0.2.1", 8080, false);
        row("wildcard: other port", "0.0.0.0", "127.0.0.1", 8081, false);
        row("IPv6 listener", "::1", "::1", 8080, true);
        row("IPv6 listener, v4 target", "::1", "127.0.0.1", 8080, false);
    }
    void targetsSelf() {
        QFETCH(QString, listen);
        QFETCH(QString, host);
        QFETCH(int, port);
        QFETCH(bool, self);
        auto listeners = std::make_shared<OwnListeners>();
        listeners->set({{QHostAddress(listen), 8080}});
        const LoopGuard guard(listeners);
        QCOMPARE(guard.targetsSelf(Origin{false, host, quint16(port)}), self);
    }

    void wildcardTakesInterfaceAddresses() {
        auto listeners = std::make_shared<OwnListeners>();
        listeners->set({{QHostAddress(QHostAddress::AnyIPv4), 8080}});
        const LoopGuard guard(listeners);
        for (const QHostAddress &a : QNetworkInterface::allAddresses()) {
            if (a.protocol() == QAbstractSocket::IPv4Protocol)
                QVERIFY(guard.targetsSelf(Origin{false, a.toString(), 8080}));
        }
    }

    void noListenersKnown() {
        QVERIFY(!LoopGuard().targetsSelf(Origin{false, QStringLiteral("127.0.0.1"), 8080}));
    }

    void via() {
        const QByteArray &own = LoopGuard::pseudonym();
        QVERIFY(QRegularExpression(QStringLiteral("^tokengate-[0-9a-f]{16}$"))
                    .match(QString::fromLatin1(own))
                    .hasMatch());
        RequestHead head;
        head.versionMinor = 0;
        head.headers.append("Via", "1.1 front.example");
        QVERIFY(!LoopGuard::passedHere(head.headers));
        LoopGuard::stamp(head);
        QCOMPARE(head.headers.values("Via"),
                 (QList<QByteArray>{"1.1 front.example", "1.0 " + own}));
        QVERIFY(LoopGuard::passedHere(head.headers));
        HeaderMap folded;
        folded.append("via", "1.1 a, 1.1 " + own + " (comment)");
        QVERIFY(LoopGuard::passedHere(folded));
    }
};

QTEST_GUILESS_MAIN(TestLoopGuard)
#include "tst_loopguard.moc"
