// SPDX-License-Identifier: Apache-2.0
// Answers given before the request body was read to the end (a refusal, a limit, an upstream
// that answers early): the gateway then closes the connection, and must do so without
// resetting it while the client still sends, or the client never reads its answer (RFC 9112
// 9.6). The client here is the common kind that writes its whole body before reading.
#include "tests/support/bareclient.h"
#include "tests/support/gatewayfixture.h"
#include "tests/support/introspectedconfig.h"
#include "tests/support/manualclock.h"
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"
#include "tests/support/testcertificate.h"

#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

// Many times what the kernel buffers between the client (its send buffer is made small) and
// a gateway that is not reading hold.
constexpr qint64 BodyBytes = 16 << 20;
constexpr qint64 Chunk = 1 << 20;

// EarlyUpstream answers as soon as the head arrives; SilentUpstream never does.
enum class Setup { EarlyUpstream, SilentUpstream, BodyLimit, Introspected };

QByteArray chunkedBody(qint64 bytes, const QByteArray &after = {}) {
    const QByteArray chunk =
        QByteArray::number(Chunk, 16) + "\r\n" + QByteArray(Chunk, 'c') + "\r\n";
    QByteArray out;
    out.reserve(bytes + bytes / Chunk * 16);
    for (qint64 sent = 0; sent < bytes; sent += Chunk)
        out += chunk;
    return out + after;
}

} // namespace

class TestEarlyResponse : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QString error;
        QVERIFY2(m_idp.start(0, &error), qPrintable(error));
    }

    void answerReachesAClientStillSending_data() {
        QTest::addColumn<Setup>("setup");
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        const QByteArray length = "Content-Length: " + QByteArray::number(BodyBytes) + "\r\n";
        const QByteArray body(BodyBytes, 'b');
        QTest::newRow("upstream answers before the body")
            << Setup::EarlyUpstream
            << "POST /upload HTTP/1.1\r\nHost: t\r\n" + length + "\r\n" + body << 200;
        QTest::newRow("upstream answers before a chunked body")
            << Setup::EarlyUpstream
            << "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
                   chunkedBody(BodyBytes, "0\r\n\r\n")
            << 200;
        QTest::newRow("pipelined after Connection: close")
            << Setup::EarlyUpstream
            << "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\nPOST / HTTP/1.1\r\n"
               "Host: t\r\n" +
                   length + "\r\n" + body
            << 200;
        QTest::newRow("Content-Length over the limit")
            << Setup::BodyLimit << "POST / HTTP/1.1\r\nHost: t\r\n" + length + "\r\n" + body << 413;
        QTest::newRow("chunked body over the limit")
            << Setup::BodyLimit
            << "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
                   chunkedBody(BodyBytes)
            << 413;
        QTest::newRow("broken chunk")
            << Setup::SilentUpstream
            << "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
                   chunkedBody(Chunk, "zz\r\n" + body)
            << 400;
        QTest::newRow("no token") << Setup::Introspected
                                  << "POST / HTTP/1.1\r\nHost: t\r\n" + length + "\r\n" + body
                                  << 401;
        QTest::newRow("inactive token")
            << Setup::Introspected
            << "POST / HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer not-a-token\r\n" + length +
                   "\r\n" + body
            << 401;
    }
    void answerReachesAClientStillSending() {
        QFETCH(Setup, setup);
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        // Like nginx's "return 200" with a body coming: it answers at once and drains the rest.
        bool answered = setup != Setup::EarlyUpstream;
        // Request lines reaching the upstream, counted across reads (the body is dropped as it
        // comes): what follows an answer that closes the connection must never be forwarded.
        int requestLines = 0;
        QByteArray tail;
        ScriptedUpstream up([&](ScriptedUpstream &u, int index) {
            QByteArray &received = u.connections()[index].received;
            if (!answered && received.contains("\r\n\r\n")) {
                answered = true;
                u.reply(index, "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nstored\n");
            }
            const QByteArray seen = tail + received;
            requestLines += int(seen.count(" HTTP/1.1\r\n"));
            tail = seen.right(11);
            tail.replace(" HTTP/1.1\r\n", "");
            received.clear();
        });
        Config c = setup == Setup::Introspected ? introspectedConfig(up.url(), m_idp, "X-Jwt")
                                                : testConfig(up.url());
        if (setup == Setup::BodyLimit)
            c.server.limits.maxBodyBytes = Chunk;
        Gateway gw;
        QVERIFY(gw.start(c));

        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        QTcpSocket &socket = client.socket();
        qint64 sent = 0;
        connect(&socket, &QTcpSocket::bytesWritten, this, [&sent](qint64 n) { sent += n; });
        // Reading nothing until the body is out (Qt stops taking bytes from the kernel once
        // this one is buffered), so a reset is not overtaken by reading the answer first.
        socket.setReadBufferSize(1);
        socket.setSocketOption(QAbstractSocket::SendBufferSizeSocketOption, 64 * 1024);
        client.send(request);
        QVERIFY(waitFor(
            [&] {
                return sent == request.size() || socket.state() != QAbstractSocket::ConnectedState;
            },
            60000));
        QCOMPARE(sent, request.size());

        socket.setReadBufferSize(0);
        const auto r = client.readResponse();
        QVERIFY(r);
        QCOMPARE(r->status, status);
        QVERIFY(!r->keepAlive);
        QVERIFY(client.waitForClosed());
        QVERIFY2(up.connections().size() <= 1 && requestLines <= 1,
                 qPrintable(QStringLiteral("%1 connections, %2 requests forwarded")
                                .arg(up.connections().size())
                                .arg(requestLines)));
    }

    // The same over HTTPS: after the 401 the gateway sends close_notify and its FIN, and
    // reads and drops the rest of the body (decrypted, then discarded), so every byte the
    // client writes leaves it and the answer is read after a clean close.
    void answerReachesAnHttpsClientStillSending() {
        QTemporaryDir dir;
        const TestCertificate cert =
            TestCertificate::make(dir.path(), QStringLiteral("gw"), QStringLiteral("gw.test"));
        QVERIFY(!cert.isNull());
        ScriptedUpstream up;
        Config c = introspectedConfig(up.url(), m_idp, "X-Jwt");
        Gateway gw;
        QVERIFY(gw.start(servingHttps(c, cert)));

        RawClient client;
        QVERIFY(client.connectTls(gw.service.tlsPort(), {cert.certificate}));
        QSslSocket &socket = client.tlsSocket();
        socket.setReadBufferSize(1);
        const QByteArray request =
            "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: " + QByteArray::number(BodyBytes) +
            "\r\n\r\n" + QByteArray(BodyBytes, 'b');
        client.send(request);
        // Everything written has left the client's own buffers: the gateway kept reading.
        QVERIFY2(waitFor(
                     [&] {
                         return (socket.bytesToWrite() == 0 &&
                                 socket.encryptedBytesToWrite() == 0) ||
                                socket.state() != QAbstractSocket::ConnectedState;
                     },
                     30000),
                 QByteArray::number(socket.encryptedBytesToWrite()).constData());
        QCOMPARE(socket.state(), QAbstractSocket::ConnectedState);

        socket.setReadBufferSize(0);
        const auto r = client.readResponse();
        QVERIFY(r);
        QCOMPARE(r->status, 401);
        QVERIFY(!r->keepAlive);
        QVERIFY(client.waitForClosed());
        QCOMPARE(up.connections().size(), 0);
    }

    // The lingering close is bounded on the deadline clock: once our FIN is out, 5 s of
    // silence from the client, or 30 s in all however it trickles. The client is a bare socket
    // that reads our FIN and never closes (a Qt socket would close on it).
    void lingerIsBounded_data() {
        QTest::addColumn<int>("pauseMs"); // between the bytes the client trickles; 0: silent
        QTest::addColumn<int>("boundMs");
        QTest::newRow("silent client") << 0 << 5'000;
        QTest::newRow("trickling client") << 4'000 << 30'000;
    }
    void lingerIsBounded() {
        QFETCH(int, pauseMs);
        QFETCH(int, boundMs);
        ScriptedUpstream up;
        ManualClock clock;
        Config c = testConfig(up.url());
        c.server.limits.maxBodyBytes = 1024; // a 413 at once, with the body still coming
        Gateway gw;
        gw.useDeadlineClock(clock);
        QVERIFY(gw.start(c));
        BareClient client;
        QVERIFY(client.connectTo(gw.port()));
        QVERIFY(client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" +
                            QByteArray(2000, 'b')));
        const QByteArray answer = client.readUntilFin();
        QVERIFY2(answer.startsWith("HTTP/1.1 413 "), answer.constData());
        gw.sweep();
        QCOMPARE(gw.service.openConnections(), 1);

        int elapsed = 0;
        while (pauseMs > 0 && elapsed + pauseMs < boundMs) {
            clock.advanceMs(pauseMs);
            elapsed += pauseMs;
            QVERIFY(client.send("b"));
            // The gateway has read the byte before the time moves on.
            QVERIFY(waitFor([&] { return client.peerReadAll(gw.port()); }));
            gw.sweep();
            QCOMPARE(gw.service.openConnections(), 1);
        }
        clock.advanceMs(boundMs - elapsed);
        gw.sweep();
        QCOMPARE(gw.service.openConnections(), 1);
        clock.advanceMs(1);
        gw.sweep();
        QCOMPARE(gw.service.openConnections(), 0);
    }

private:
    DemoIdp m_idp;
};

QTEST_GUILESS_MAIN(TestEarlyResponse)
#include "tst_earlyresponse.moc"
