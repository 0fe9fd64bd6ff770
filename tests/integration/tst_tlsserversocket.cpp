// SPDX-License-Identifier: Apache-2.0
// TlsServerSocket on its own, between a real loopback TLS client (Qt's) and a writer that
// keeps its queue topped up as HttpConnection and Tunnel do: what it holds while the client
// reads slowly.
#include "core/http/tlsserversocket.h"
#include "core/server/tlscredentials.h"
#include "tests/support/testcertificate.h"

#include <QEventLoop>
#include <QFile>
#include <QSslSocket>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <sys/socket.h>

using namespace Tokengate;
using namespace Tokengate::Test;

// ASan keeps freed blocks in its quarantine: resident memory then says nothing of ours.
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

namespace {

// The process's peak resident memory (VmHWM), in KiB.
qint64 peakRssKib() {
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

} // namespace

class TestTlsServerSocket : public QObject {
    Q_OBJECT

private slots:
    // 128 MiB written as HttpConnection does (more whenever fewer than 256 KiB wait) into a
    // small socket send buffer: the queue is never empty when more comes, and must still
    // drop what has left, or it keeps the whole stream.
    void queueKeepsOnlyWhatHasNotLeft() {
#ifdef UNDER_ASAN
        QSKIP("under ASan, resident memory counts its quarantine");
#endif
        QTemporaryDir dir;
        const TestCertificate cert =
            TestCertificate::make(dir.path(), QStringLiteral("s"), QStringLiteral("s.test"));
        QVERIFY(!cert.isNull());
        QString error;
        const auto credentials = loadTlsCredentials(cert.certFile, cert.keyFile, &error);
        QVERIFY2(credentials, qPrintable(error));

        QTcpServer listener;
        QVERIFY(listener.listen(QHostAddress::LocalHost));
        QSslSocket client;
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setCaCertificates({cert.certificate});
        client.setSslConfiguration(tls);
        client.connectToHostEncrypted(QStringLiteral("localhost"), listener.serverPort());
        QVERIFY(QTest::qWaitFor([&] { return listener.hasPendingConnections(); }, 10000));
        QTcpSocket *accepted = listener.nextPendingConnection();
        const int fd = int(::dup(int(accepted->socketDescriptor())));
        accepted->abort();
        const int small = 16 * 1024;
        ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
        TlsServerSocket server(credentials->context);
        QVERIFY(server.adopt(fd));
        server.startHandshake();
        QVERIFY(QTest::qWaitFor([&] { return client.isEncrypted() && server.isEncrypted(); }));

        constexpr qint64 Total = 128LL << 20;
        const QByteArray chunk(64 * 1024, 'q');
        qint64 written = 0;
        qint64 received = 0;
        auto topUp = [&] {
            while (written < Total && server.bytesToWrite() < 256 * 1024) {
                server.write(chunk);
                written += chunk.size();
            }
        };
        connect(&server, &QIODevice::bytesWritten, this, topUp);
        QEventLoop streaming;
        connect(&client, &QIODevice::readyRead, this, [&] {
            received += client.readAll().size();
            if (received == Total)
                streaming.quit();
        });
        QTimer::singleShot(120000, &streaming, &QEventLoop::quit);
        const qint64 before = peakRssKib();
        topUp();
        streaming.exec();
        QCOMPARE(received, Total);
        const qint64 grownMib = (peakRssKib() - before) / 1024;
        QVERIFY2(grownMib < 48, qPrintable(QStringLiteral("peak RSS grew %1 MiB").arg(grownMib)));
    }
};

QTEST_GUILESS_MAIN(TestTlsServerSocket)
#include "tst_tlsserversocket.moc"
