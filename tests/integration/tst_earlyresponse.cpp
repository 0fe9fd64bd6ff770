// SPDX-License-Identifier: Apache-2.0
// Answers given before the request body was read to the end (a refusal, a limit, an upstream
// that answers early): the gateway then closes the connection, and must do so without
// resetting it while the client still sends, or the client never reads its answer (RFC 9112
// 9.6). The client here is the common kind that writes its whole body before reading.
#include "tests/support/gatewayfixture.h"
#include "tests/support/introspectedconfig.h"
#include "tests/support/manualclock.h"
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"

#include <QFile>
#include <QTest>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

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

// A blocking loopback socket the test drives by hand: unlike QTcpSocket, it keeps its side
// open after reading the peer's FIN.
class BareClient {
public:
    ~BareClient() {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    bool connectTo(quint16 port) {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const int on = 1; // each byte leaves at once, not held back waiting for an ACK
        return m_fd >= 0 && ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0 &&
               ::connect(m_fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
    }
    bool send(const QByteArray &bytes) {
        return ::send(m_fd, bytes.constData(), size_t(bytes.size()), MSG_NOSIGNAL) == bytes.size();
    }
    // Everything until the peer's FIN; empty when none comes within 10 s.
    QByteArray readUntilFin() {
        QByteArray in;
        char buffer[4096];
        pollfd p{m_fd, POLLIN, 0};
        while (::poll(&p, 1, 10'000) == 1) {
            const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
            if (n == 0)
                return in;
            if (n < 0)
                break;
            in.append(buffer, n);
        }
        return {};
    }

    // The peer's socket (on `port`) has no byte of ours left unread in its kernel buffer:
    // its rx_queue in /proc/net/tcp is 0.
    bool peerReadAll(quint16 port) const {
        sockaddr_in self{};
        socklen_t length = sizeof self;
        if (::getsockname(m_fd, reinterpret_cast<sockaddr *>(&self), &length) != 0)
            return false;
        QFile table(QStringLiteral("/proc/net/tcp"));
        if (!table.open(QIODevice::ReadOnly))
            return false;
        // "sl local_address rem_address st tx_queue:rx_queue ...", addresses in hex.
        const QByteArray local =
            "0100007F:" + QByteArray::number(port, 16).toUpper().rightJustified(4, '0');
        const QByteArray remote =
            "0100007F:" +
            QByteArray::number(ntohs(self.sin_port), 16).toUpper().rightJustified(4, '0');
        for (const QByteArray &line : table.readAll().split('\n')) {
            const QList<QByteArray> f = line.simplified().split(' ');
            if (f.size() > 4 && f[1] == local && f[2] == remote)
                return f[4].endsWith(":00000000");
        }
        return false;
    }

private:
    int m_fd = -1;
};

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
