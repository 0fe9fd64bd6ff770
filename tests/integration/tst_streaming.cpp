// SPDX-License-Identifier: Apache-2.0
// Bodies far larger than the memory bound stream through a real tokengated process in both
// directions; its peak RSS (VmHWM) proves buffering is bounded. Nothing here is timed.
#include "tests/support/scriptedupstream.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using namespace Tokengate::Test;

namespace {

constexpr qint64 BodyBytes = 256LL << 20;
constexpr qint64 RssLimitKiB = 64 * 1024;
constexpr qint64 Chunk = 64 * 1024;
constexpr qint64 InFlight = 1 << 20;

// tests/sanitize.sh builds this test and tokengated with AddressSanitizer, whose quarantine
// of freed blocks (256 MiB by default) would count in the RSS: there the daemon runs
// without it. Its shadow memory and allocator still add to any RSS, so under ASan the bound
// is on the growth during the transfer instead: holding an eighth of the body breaks it.
constexpr qint64 RssGrowthLimitUnderAsanKiB = 32 * 1024;
#if defined(__SANITIZE_ADDRESS__)
constexpr bool UnderAsan = true;
#elif defined(__has_feature)
constexpr bool UnderAsan = __has_feature(address_sanitizer);
#else
constexpr bool UnderAsan = false;
#endif

QByteArray pattern() {
    QByteArray p(Chunk, Qt::Uninitialized);
    for (qsizetype i = 0; i < p.size(); ++i)
        p[i] = char('a' + i % 26);
    return p;
}

// Writes `total` pattern bytes to `socket` as fast as the peer drains them, never holding
// more than InFlight unsent.
void pump(QTcpSocket *socket, qint64 total, qint64 *sent) {
    static const QByteArray chunk = pattern();
    while (*sent < total && socket->bytesToWrite() < InFlight) {
        const qint64 n = qMin<qint64>(Chunk, total - *sent);
        socket->write(chunk.constData(), n);
        *sent += n;
    }
}

// An upstream that serves GET /download with BodyBytes and counts a PUT /upload body; one
// request per connection.
class BulkUpstream : public QObject {
public:
    BulkUpstream() {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection())
                serve(s);
        });
        m_server.listen(QHostAddress::LocalHost, 0);
    }
    quint16 port() const { return m_server.serverPort(); }
    qint64 uploaded = 0;

private:
    void serve(QTcpSocket *s) {
        auto head = std::make_shared<QByteArray>();
        auto sent = std::make_shared<qint64>(0);
        auto headDone = std::make_shared<bool>(false);
        connect(s, &QTcpSocket::readyRead, s, [=, this] {
            if (!*headDone) {
                head->append(s->readAll());
                const qsizetype end = head->indexOf("\r\n\r\n");
                if (end < 0)
                    return;
                *headDone = true;
                uploaded = head->size() - end - 4;
                if (head->startsWith("GET /download")) {
                    s->write("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: " +
                             QByteArray::number(BodyBytes) + "\r\n\r\n");
                    pump(s, BodyBytes, sent.get());
                    connect(s, &QTcpSocket::bytesWritten, s,
                            [=] { pump(s, BodyBytes, sent.get()); });
                    return;
                }
            } else {
                uploaded += s->readAll().size();
            }
            if (head->startsWith("PUT /upload") && uploaded == BodyBytes)
                s->write("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
        });
    }
    QTcpServer m_server;
};

qint64 peakRssKiB(qint64 pid) {
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    const QRegularExpression hwm(QStringLiteral("VmHWM:\\s+(\\d+) kB"));
    const auto m = hwm.match(QString::fromLatin1(status.readAll()));
    return m.hasMatch() ? m.captured(1).toLongLong() : -1;
}

} // namespace

class TestStreaming : public QObject {
    Q_OBJECT

    BulkUpstream m_upstream;
    QProcess m_gateway;
    quint16 m_port = 0;
    qint64 m_rssBoundKiB = RssLimitKiB;

private slots:
    void initTestCase() {
        const QString binary = qEnvironmentVariable("TOKENGATED");
        QVERIFY2(QFile::exists(binary), "set TOKENGATED to the tokengated binary (CTest does)");
        m_gateway.setProcessChannelMode(QProcess::SeparateChannels);
        if (UnderAsan) {
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("ASAN_OPTIONS"), env.value(QStringLiteral("ASAN_OPTIONS")) +
                                                           QStringLiteral(":quarantine_size_mb=0"));
            m_gateway.setProcessEnvironment(env);
        }
        m_gateway.start(binary, {QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                                 QStringLiteral("--upstream"),
                                 QStringLiteral("http://127.0.0.1:%1").arg(m_upstream.port()),
                                 QStringLiteral("--auth"), QStringLiteral("none"),
                                 QStringLiteral("--workers"), QStringLiteral("1"),
                                 QStringLiteral("--access-log"), QStringLiteral("off")});
        QVERIFY(m_gateway.waitForStarted());
        const QRegularExpression banner(QStringLiteral("http://127\\.0\\.0\\.1:(\\d+) ->"));
        QString err;
        QVERIFY(waitFor([&] {
            err += QString::fromLocal8Bit(m_gateway.readAllStandardError());
            return banner.match(err).hasMatch() || m_gateway.state() == QProcess::NotRunning;
        }));
        m_port = quint16(banner.match(err).captured(1).toUInt());
        QVERIFY2(m_port, qPrintable(err));
        if (UnderAsan) {
            const qint64 startKiB = peakRssKiB(m_gateway.processId());
            QVERIFY(startKiB > 0);
            m_rssBoundKiB = startKiB + RssGrowthLimitUnderAsanKiB;
            qInfo("under ASan: tokengated starts at %lld KiB, bound %lld KiB", startKiB,
                  m_rssBoundKiB);
        }
    }

    void cleanupTestCase() {
        m_gateway.terminate(); // SIGTERM: drains and exits 0
        QVERIFY(m_gateway.waitForFinished(15000));
        QCOMPARE(m_gateway.exitStatus(), QProcess::NormalExit);
        QCOMPARE(m_gateway.exitCode(), 0);
    }

    void downloadStreamsWithBoundedMemory() {
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, m_port);
        QVERIFY(client.waitForConnected(5000));
        client.setReadBufferSize(Chunk);
        client.write("GET /download HTTP/1.1\r\nHost: t\r\n\r\n");
        QByteArray head;
        qint64 body = 0;
        bool patternOk = true;
        static const QByteArray expected = pattern();
        QVERIFY(waitFor(
            [&] {
                while (client.bytesAvailable() > 0) {
                    QByteArray data = client.read(Chunk);
                    if (!head.endsWith("\r\n\r\n") && head.indexOf("\r\n\r\n") < 0) {
                        head.append(data);
                        const qsizetype end = head.indexOf("\r\n\r\n");
                        if (end < 0)
                            continue;
                        data = head.mid(end + 4);
                        head.truncate(end + 4);
                    }
                    // Spot-check the content at every 64 KiB boundary crossing.
                    if (!data.isEmpty() && body % Chunk == 0)
                        patternOk = patternOk && data.front() == expected.front();
                    body += data.size();
                }
                return body >= BodyBytes;
            },
            120000));
        QVERIFY(head.startsWith("HTTP/1.1 200"));
        QCOMPARE(body, BodyBytes);
        QVERIFY(patternOk);
        const qint64 rss = peakRssKiB(m_gateway.processId());
        qInfo("tokengated peak RSS after a %lld MiB download: %lld KiB", BodyBytes >> 20, rss);
        QVERIFY(rss > 0);
        QVERIFY2(rss < m_rssBoundKiB, qPrintable(QString::number(rss)));
    }

    void uploadStreamsWithBoundedMemory() {
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, m_port);
        QVERIFY(client.waitForConnected(5000));
        client.write("PUT /upload HTTP/1.1\r\nHost: t\r\nContent-Length: " +
                     QByteArray::number(BodyBytes) + "\r\n\r\n");
        qint64 sent = 0;
        connect(&client, &QTcpSocket::bytesWritten, &client,
                [&] { pump(&client, BodyBytes, &sent); });
        pump(&client, BodyBytes, &sent);
        QByteArray response;
        const bool answered = waitFor(
            [&] {
                response.append(client.readAll());
                return response.endsWith("ok");
            },
            120000);
        QVERIFY2(answered, qPrintable(QStringLiteral("sent %1, upstream got %2, response \"%3\"")
                                          .arg(sent)
                                          .arg(m_upstream.uploaded)
                                          .arg(QString::fromLatin1(response))));
        QVERIFY(response.startsWith("HTTP/1.1 200"));
        QCOMPARE(sent, BodyBytes);
        QCOMPARE(m_upstream.uploaded, BodyBytes);
        const qint64 rss = peakRssKiB(m_gateway.processId());
        qInfo("tokengated peak RSS after a %lld MiB upload: %lld KiB", BodyBytes >> 20, rss);
        QVERIFY2(rss < m_rssBoundKiB, qPrintable(QString::number(rss)));
    }
};

QTEST_GUILESS_MAIN(TestStreaming)
#include "tst_streaming.moc"
