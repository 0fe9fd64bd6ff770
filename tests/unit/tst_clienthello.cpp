// SPDX-License-Identifier: Apache-2.0
// peekClientHello() on hellos written by a real TLS client (OpenSSL's), whole, cut, split
// across records, and on what is not a hello.
#include "core/server/clienthello.h"
#include "tests/support/testcertificate.h"

#include <QTest>

using namespace Tokengate;
using Status = ClientHelloPeek::Status;

namespace {

QByteArray clientHello(const QByteArray &serverName) {
    return Test::openSslClientHello(serverName);
}

// The same handshake message in two records, cut `at` bytes into it.
QByteArray inTwoRecords(const QByteArray &record, qsizetype at) {
    const QByteArray message = record.mid(5);
    auto header = [&](qsizetype length) {
        QByteArray h = record.left(3);
        h.append(char(length >> 8)).append(char(length & 0xff));
        return h;
    };
    return header(at) + message.left(at) + header(message.size() - at) + message.mid(at);
}

} // namespace

class TestClientHello : public QObject {
    Q_OBJECT
private slots:
    void wholeHelloNamesItsServer() {
        const QByteArray hello = clientHello("api.example.com");
        QVERIFY(hello.size() > 100);
        const ClientHelloPeek peek = peekClientHello(hello);
        QCOMPARE(peek.status, Status::Done);
        QCOMPARE(peek.serverName, QByteArray("api.example.com"));
    }

    void everyPrefixWaitsForMore() {
        const QByteArray hello = clientHello("api.example.com");
        for (qsizetype n = 0; n < hello.size(); ++n)
            QVERIFY2(peekClientHello(QByteArrayView(hello).first(n)).status == Status::NeedMore,
                     qPrintable(QString::number(n)));
    }

    void helloAcrossRecords() {
        const QByteArray hello = clientHello("api.example.com");
        for (qsizetype at : {1, 3, 4, 40, 100}) {
            const ClientHelloPeek peek = peekClientHello(inTwoRecords(hello, at));
            QCOMPARE(peek.status, Status::Done);
            QCOMPARE(peek.serverName, QByteArray("api.example.com"));
        }
    }

    void nameIsLowerCased() {
        QCOMPARE(peekClientHello(clientHello("API.Example.COM")).serverName,
                 QByteArray("api.example.com"));
    }

    void helloWithoutName() {
        const ClientHelloPeek peek = peekClientHello(clientHello({}));
        QCOMPARE(peek.status, Status::Done);
        QVERIFY(peek.serverName.isEmpty());
    }

    // Names are matched against certificates and logged: only host name characters count.
    void oddNameIsNoName() {
        QByteArray hello = clientHello("api.example.com");
        const qsizetype at = hello.indexOf("api.example.com");
        hello[at + 3] = '/';
        const ClientHelloPeek peek = peekClientHello(hello);
        QCOMPARE(peek.status, Status::Done);
        QVERIFY(peek.serverName.isEmpty());
    }

    void notAHello_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("plain HTTP") << QByteArray("GET / HTTP/1.1\r\n");
        QTest::newRow("one byte of HTTP") << QByteArray("G");
        QTest::newRow("alert record") << QByteArray("\x15\x03\x01\x00\x02\x02\x28", 7);
        QTest::newRow("record version 2") << QByteArray("\x16\x02\x01\x00\x05", 5);
        QTest::newRow("server hello") << QByteArray("\x16\x03\x01\x00\x04\x02\x00\x00\x00", 9);
        QTest::newRow("hello longer than 16 KiB")
            << QByteArray("\x16\x03\x01\x00\x04\x01\x00\x40\x00", 9);
        QTest::newRow("record longer than TLS allows") << QByteArray("\x16\x03\x01\x40\x01\x01", 6);
        // Its record still arriving: the declared length alone says it will not fit.
        QTest::newRow("hello longer than 16 KiB, first bytes")
            << QByteArray("\x16\x03\x01\x40\x00\x01\x01\x86\xa0\x03\x03", 11);
    }

    void notAHello() {
        QFETCH(QByteArray, bytes);
        QCOMPARE(peekClientHello(bytes).status, Status::NotTls);
    }

    void truncatedFieldsAreNotAHello() {
        QByteArray hello = clientHello("api.example.com");
        // The message claims less than its fields need: the session id runs past its end.
        hello[5 + 1] = 0;
        hello[5 + 2] = 0;
        hello[5 + 3] = 36;
        QCOMPARE(peekClientHello(hello).status, Status::NotTls);
    }
};

QTEST_GUILESS_MAIN(TestClientHello)
#include "tst_clienthello.moc"
