// SPDX-License-Identifier: Apache-2.0
// The HTTPS listener: real TLS clients (Qt's, curl, openssl s_client) against the gateway's
// worker threads; what it refuses, how a stalled handshake ends, and certificates replaced
// by a reload while a download is under way.
#include "core/observe/prometheustext.h"
#include "tests/support/echoresponse.h"
#include "tests/support/gatewayfixture.h"
#include "tests/support/manualclock.h"
#include "tests/support/rawclient.h"
#include "tests/support/sclient.h"
#include "tests/support/scriptedupstream.h"
#include "tests/support/testcertificate.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <algorithm>

#include <sys/socket.h>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

// The system's openssl.cnf (Debian's sets MinProtocol TLSv1.2 for every program) would refuse
// old protocols for the gateway: without it, what refuses them is the gateway's own setting.
// Set before anything in this process starts OpenSSL; s_client inherits it.
const bool noSystemOpenSslConfig = qputenv("OPENSSL_CONF", "/dev/null");

Config httpsConfig(const QString &upstream, const TestCertificate &cert) {
    return servingHttps(testConfig(upstream), cert);
}

double metric(const GatewayService &service, const QByteArray &sample) {
    PrometheusText out;
    service.renderMetrics(out);
    for (const QByteArray &line : out.text().split('\n')) {
        if (line.startsWith(QByteArray(sample + ' ')))
            return line.mid(sample.size() + 1).toDouble();
    }
    return -1;
}

double failedHandshakes(const GatewayService &service) {
    return metric(service, "tokengate_tls_handshake_failures_total{reason=\"failed\"}");
}

// A command-line tool's exit code and output; -1 if it did not run to its end.
struct ToolRun {
    int exitCode = -1;
    QByteArray output;
};

ToolRun runTool(const QString &program, const QStringList &args) {
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(program, args);
    p.closeWriteChannel();
    // The gateway's workers are threads of this process: waiting blocks only the test.
    if (!p.waitForFinished(30000))
        return {};
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAll()};
}

// openssl s_client offering exactly one protocol version (and, given, only `ciphers`). Debian's
// openssl.cnf keeps clients at TLS 1.2 and up (SECLEVEL 2): level 0 lets this one offer the old
// versions, so that what refuses them is the gateway.
ToolRun sClient(quint16 port, const QString &version, const QString &ciphers = {}) {
    return runTool(QStringLiteral("openssl"),
                   {QStringLiteral("s_client"), QStringLiteral("-connect"),
                    QStringLiteral("127.0.0.1:%1").arg(port), u'-' + version,
                    QStringLiteral("-cipher"),
                    (ciphers.isEmpty() ? QStringLiteral("DEFAULT") : ciphers) +
                        QStringLiteral(":@SECLEVEL=0")});
}

// Relays one client to `target`, holding back all but the first 20 bytes the client sends
// until 100 ms later: the ClientHello reaches the gateway in two pieces.
class PieceRelay : public QTcpServer {
public:
    explicit PieceRelay(quint16 target)
        : m_target(target) {}
    bool heldBack = false;

protected:
    void incomingConnection(qintptr descriptor) override {
        auto *client = new QTcpSocket(this);
        auto *server = new QTcpSocket(this);
        client->setSocketDescriptor(descriptor);
        server->connectToHost(QHostAddress::LocalHost, m_target);
        auto first = std::make_shared<bool>(true);
        connect(client, &QTcpSocket::readyRead, this, [this, client, server, first] {
            if (!*first)
                return;
            const QByteArray start = client->read(20);
            server->write(start);
            *first = false;
            QTimer::singleShot(100, this, [this, client, server] {
                heldBack = client->bytesAvailable() > 0;
                server->write(client->readAll());
                connect(client, &QTcpSocket::readyRead, server,
                        [client, server] { server->write(client->readAll()); });
            });
        });
        connect(server, &QTcpSocket::readyRead, client,
                [client, server] { client->write(server->readAll()); });
    }

private:
    quint16 m_target;
};

} // namespace

class TestTlsListener : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<HttpServer> m_echo;
    TestCertificate m_cert;

    // A gateway on `clock` with a 5 s header timeout, and `client` connected to its HTTPS port.
    bool connectOnClock(Gateway &gw, const ManualClock &clock, RawClient &client) {
        Config c = httpsConfig(loopbackUrl(*m_echo), m_cert);
        c.server.limits.headerTimeoutMs = 5000;
        gw.useDeadlineClock(clock);
        return gw.start(c) && client.connectTo(gw.service.tlsPort());
    }

    // The default certificate and `wildcard` for SNI.
    bool startWithWildcardCertificate(Gateway &gw, const TestCertificate &wildcard) {
        Config config = httpsConfig(loopbackUrl(*m_echo), m_cert);
        config.tls.sniCertificates = {{wildcard.certFile, wildcard.keyFile}};
        return gw.start(config);
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        QString error;
        m_echo = startEchoUpstream(&error);
        QVERIFY2(m_echo, qPrintable(error));
        m_cert = TestCertificate::make(m_dir.path(), QStringLiteral("a"),
                                       QStringLiteral("gateway.test"));
        QVERIFY(!m_cert.isNull());
    }

    void httpsIsServedBesidePlainHttp() {
        Gateway gw;
        QVERIFY(gw.start(httpsConfig(loopbackUrl(*m_echo), m_cert)));
        QVERIFY(gw.service.tlsPort() != 0);
        QVERIFY(gw.service.port() != 0);
        QCOMPARE(gw.service.tlsUrl(),
                 QStringLiteral("https://127.0.0.1:%1").arg(gw.service.tlsPort()));

        RawClient tls;
        QVERIFY2(tls.connectTls(gw.service.tlsPort(), {m_cert.certificate},
                                QStringLiteral("gateway.test")),
                 qPrintable(tls.handshakeErrors()));
        QCOMPARE(tls.tlsSocket().peerCertificate(), m_cert.certificate);
        QVERIFY(tls.tlsSocket().sessionProtocol() == QSsl::TlsV1_3);
        QCOMPARE(tls.tlsSocket().sslConfiguration().nextNegotiatedProtocol(), "http/1.1");
        for (int i = 0; i < 2; ++i) { // keep-alive over one TLS connection
            tls.send("GET /over-tls HTTP/1.1\r\nHost: gw\r\n\r\n");
            const auto r = tls.readResponse();
            QVERIFY(r);
            QCOMPARE(r->status, 200);
            QCOMPARE(echoJson(*r).value(u"target").toString(), QStringLiteral("/over-tls"));
            // The upstream learns how the client came: an https page's redirects and cookies
            // depend on it.
            QCOMPARE(echoedHeader(*r, "X-Forwarded-Proto"), QList<QByteArray>{"https"});
        }
        const auto plain = requestOnce(gw.service.port(), "GET", "/plain");
        QVERIFY(plain);
        QCOMPARE(echoedHeader(*plain, "X-Forwarded-Proto"), QList<QByteArray>{"http"});
    }

    void httpsOnly() {
        Config c = httpsConfig(loopbackUrl(*m_echo), m_cert);
        c.server.plainEnabled = false;
        Gateway gw;
        QVERIFY(gw.start(c));
        QCOMPARE(gw.service.port(), quint16(0));
        QCOMPARE(gw.service.listenUrl(), gw.service.tlsUrl());
        RawClient tls;
        QVERIFY2(tls.connectTls(gw.service.tlsPort(), {m_cert.certificate}),
                 qPrintable(tls.handshakeErrors()));
        tls.send("GET /only HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
        const auto r = tls.readResponse();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
    }

    // curl, with the certificate as its only trust anchor: a real client's handshake, name
    // check and HTTP/1.1 over it.
    void curlFetchesOverHttps() {
        Gateway gw;
        QVERIFY(gw.start(httpsConfig(loopbackUrl(*m_echo), m_cert)));
        const ToolRun run =
            runTool(QStringLiteral("curl"),
                    {QStringLiteral("-sS"), QStringLiteral("--cacert"), m_cert.certFile,
                     QStringLiteral("--resolve"),
                     QStringLiteral("gateway.test:%1:127.0.0.1").arg(gw.service.tlsPort()),
                     QStringLiteral("-w"), QStringLiteral("\n%{http_code} %{ssl_verify_result}"),
                     QStringLiteral("https://gateway.test:%1/by-curl").arg(gw.service.tlsPort())});
        QVERIFY2(run.exitCode == 0, run.output.constData());
        QVERIFY2(run.output.endsWith("\n200 0"), run.output.constData());
        QVERIFY(run.output.contains("/by-curl"));
    }

    // A body that ends with the connection ends, over TLS, with close_notify: a FIN alone
    // could be a cut, and OpenSSL 3 clients treat it as one.
    void closeDelimitedBodyEndsWithCloseNotify() {
        ScriptedUpstream upstream([](ScriptedUpstream &u, int index) {
            if (u.requestCount(index) != 1 ||
                u.connections()[index].socket->property("answered").toBool())
                return;
            u.connections()[index].socket->setProperty("answered", true);
            u.reply(index, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nthe whole body");
            u.connections()[index].socket->disconnectFromHost();
        });
        Gateway gw;
        QVERIFY(gw.start(httpsConfig(upstream.url(), m_cert)));
        const quint16 port = gw.service.tlsPort();
        QProcess curl;
        curl.setProcessChannelMode(QProcess::MergedChannels);
        curl.start(QStringLiteral("curl"),
                   {QStringLiteral("-sS"), QStringLiteral("--http1.0"), QStringLiteral("--cacert"),
                    m_cert.certFile, QStringLiteral("https://localhost:%1/body").arg(port)});
        // The upstream lives in this thread: pump events while curl runs.
        QVERIFY(waitFor([&] { return curl.state() == QProcess::NotRunning; }, 30000));
        const QByteArray out = curl.readAll();
        QVERIFY2(curl.exitCode() == 0, out.constData());
        QCOMPARE(out, QByteArray("the whole body"));
    }

    // Every worker's connections share one TLS context per certificate, so one session
    // cache: a returning client resumes whichever worker the kernel hands it to.
    void sessionsResumeOnEveryWorker_data() {
        QTest::addColumn<QString>("version");
        QTest::newRow("TLS 1.2") << QStringLiteral("tls1_2");
        QTest::newRow("TLS 1.3") << QStringLiteral("tls1_3");
    }

    void sessionsResumeOnEveryWorker() {
        QFETCH(QString, version);
        Config c = httpsConfig(loopbackUrl(*m_echo), m_cert);
        c.server.workers = 2;
        Gateway gw;
        QVERIFY(gw.start(c));
        const QString session = m_dir.filePath(QStringLiteral("session-") + version);
        const QByteArray request = "GET /again HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n";
        const QByteArray first = sClientExchange(gw.service.tlsPort(), version,
                                                 {QStringLiteral("-sess_out"), session}, request);
        QVERIFY2(first.contains("New, TLS"), "the first connection is a new session");
        // SO_REUSEPORT spreads connections by their source port: six returns reach both
        // workers with near certainty (1 in 32 that all go to one).
        for (int i = 0; i < 6; ++i) {
            const QByteArray again = sClientExchange(
                gw.service.tlsPort(), version, {QStringLiteral("-sess_in"), session}, request);
            QVERIFY2(again.contains("Reused, TLS"), again.constData());
            QVERIFY2(again.contains("HTTP/1.1 200 OK"), again.constData());
        }
    }

    // Bodies larger than every buffer on the way, both ways: the upload is read in bounded
    // steps as the upstream takes it, and the download waits for a client that reads slowly
    // (OpenSSL's writes retried after the kernel pushed back), every byte intact.
    void largeBodiesCrossTheTlsLayerIntact() {
        Gateway gw;
        QVERIFY(gw.start(httpsConfig(loopbackUrl(*m_echo), m_cert)));
        RawClient uploading;
        QVERIFY(uploading.connectTls(gw.service.tlsPort(), {m_cert.certificate}));
        QByteArray upload(8 << 20, Qt::Uninitialized);
        for (qsizetype i = 0; i < upload.size(); ++i)
            upload[i] = char(i * 7 + i / 4099);
        uploading.send("POST /up HTTP/1.1\r\nHost: gw\r\nContent-Length: " +
                       QByteArray::number(upload.size()) + "\r\n\r\n" + upload);
        const auto echoed = uploading.readResponse(30000);
        QVERIFY(echoed);
        QCOMPARE(echoed->status, 200);
        const QJsonObject body = echoJson(*echoed);
        QCOMPARE(qint64(body.value(u"bodyBytes").toDouble()), qint64(upload.size()));
        QCOMPARE(body.value(u"bodySha256").toString().toLatin1(),
                 QCryptographicHash::hash(upload, QCryptographicHash::Sha256).toHex());

        ScriptedUpstream upstream;
        Gateway scripted;
        QVERIFY(scripted.start(httpsConfig(upstream.url(), m_cert)));
        RawClient downloading;
        QVERIFY(downloading.connectTls(scripted.service.tlsPort(), {m_cert.certificate}));
        downloading.tlsSocket().setReadBufferSize(16 * 1024); // takes 16 KiB, then waits
        downloading.send("GET /down HTTP/1.1\r\nHost: gw\r\n\r\n");
        QVERIFY(waitFor([&] { return upstream.requestTotal() == 1; }));
        // More than the kernel's socket buffers on the way can hold.
        QByteArray download;
        for (int i = 0; i < 8; ++i)
            download += upload;
        std::reverse(download.begin(), download.end());
        upstream.reply(0, QByteArray("HTTP/1.1 200 OK\r\nContent-Length: " +
                                     QByteArray::number(download.size()) + "\r\n\r\n" + download));
        // The client reads nothing for a while: every buffer on the way fills, and the gateway
        // stops taking the upstream's bytes.
        QTest::qWait(300);
        QVERIFY(upstream.connections()[0].socket->bytesToWrite() > 0);
        const auto r = downloading.readResponse(30000);
        QVERIFY(r);
        QCOMPARE(r->body.size(), download.size());
        QVERIFY(r->body == download);
    }

    // A client that stalls mid-download, the gateway holding bytes for it, and then resets
    // costs its own connection only: the upstream's is closed, nothing queued for the client
    // is written to the dead socket (SIGPIPE would end this process), the next client is
    // served.
    void clientResetMidDownloadEndsOnlyItsConnection() {
        ScriptedUpstream upstream;
        Gateway gw;
        QVERIFY(gw.start(httpsConfig(upstream.url(), m_cert)));
        RawClient leaving;
        QVERIFY(leaving.connectTls(gw.service.tlsPort(), {m_cert.certificate}));
        leaving.tlsSocket().setReadBufferSize(16 * 1024);
        leaving.send("GET /down HTTP/1.1\r\nHost: gw\r\n\r\n");
        QVERIFY(waitFor([&] { return upstream.requestTotal() == 1; }));
        const QByteArray big(64 << 20, 'y'); // more than the kernel's buffers on the way
        upstream.reply(0, QByteArray("HTTP/1.1 200 OK\r\nContent-Length: " +
                                     QByteArray::number(big.size()) + "\r\n\r\n" + big));
        QTest::qWait(300); // the gateway now holds bytes the client does not take
        QVERIFY(upstream.connections()[0].socket->bytesToWrite() > 0);
        const linger reset{1, 0};
        ::setsockopt(int(leaving.socket().socketDescriptor()), SOL_SOCKET, SO_LINGER, &reset,
                     sizeof reset);
        leaving.socket().abort();
        QVERIFY(waitFor([&] { return upstream.connections()[0].closedByPeer; }));

        RawClient next;
        QVERIFY(next.connectTls(gw.service.tlsPort(), {m_cert.certificate}));
        next.send("GET /next HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
        QVERIFY(waitFor([&] { return upstream.requestTotal() == 2; }));
        upstream.reply(1, "HTTP/1.1 204 No Content\r\n\r\n");
        const auto r = next.readResponse();
        QVERIFY(r);
        QCOMPARE(r->status, 204);
    }

    // ALPN answers http/1.1 when offered, and nothing otherwise: a client offering only
    // http/1.0 or h2 is not cut off by an answer it never asked for. The first connection of
    // a worker builds the TLS context, later ones share it: both negotiate the same.
    void alpnAnswersHttp11Only_data() {
        QTest::addColumn<QString>("offered");
        QTest::addColumn<QByteArray>("answer");
        QTest::newRow("http/1.1") << QStringLiteral("http/1.1")
                                  << QByteArray("ALPN protocol: http/1.1");
        QTest::newRow("h2 first") << QStringLiteral("h2,http/1.1")
                                  << QByteArray("ALPN protocol: http/1.1");
        QTest::newRow("http/1.0 only")
            << QStringLiteral("http/1.0") << QByteArray("No ALPN negotiated");
        QTest::newRow("h2 only") << QStringLiteral("h2") << QByteArray("No ALPN negotiated");
    }

    void alpnAnswersHttp11Only() {
        QFETCH(QString, offered);
        QFETCH(QByteArray, answer);
        Gateway gw;
        QVERIFY(gw.start(httpsConfig(loopbackUrl(*m_echo), m_cert))); // one worker
        for (const char *connection : {"first", "shared context"}) {
            const QByteArray out = sClientExchange(
                gw.service.tlsPort(), QStringLiteral("tls1_3"), {QStringLiteral("-alpn"), offered},
                "GET /alpn HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
            const QByteArray why = QByteArray(connection) + '\n' + out;
            QVERIFY2(out.contains(answer), why.constData());
            QVERIFY2(out.contains("HTTP/1.1 200 OK"), why.constData());
        }
    }

    void oldProtocolsAndWeakCiphersAreRefused_data() {
        QTest::addColumn<QString>("version");
        QTest::addColumn<QString>("ciphers");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("TLS 1.0") << QStringLiteral("tls1") << QString() << false;
        QTest::newRow("TLS 1.1") << QStringLiteral("tls1_1") << QString() << false;
        QTest::newRow("TLS 1.2") << QStringLiteral("tls1_2") << QString() << true;
        QTest::newRow("TLS 1.3") << QStringLiteral("tls1_3") << QString() << true;
        // TLS 1.2 suites the client may offer alone: CBC, and without forward secrecy.
        QTest::newRow("TLS 1.2 CBC")
            << QStringLiteral("tls1_2") << QStringLiteral("ECDHE-ECDSA-AES128-SHA") << false;
        QTest::newRow("TLS 1.2 CBC-SHA384")
            << QStringLiteral("tls1_2") << QStringLiteral("ECDHE-ECDSA-AES256-SHA384") << false;
        QTest::newRow("TLS 1.2 static RSA")
            << QStringLiteral("tls1_2") << QStringLiteral("AES128-GCM-SHA256") << false;
    }

    void oldProtocolsAndWeakCiphersAreRefused() {
        QFETCH(QString, version);
        QFETCH(QString, ciphers);
        QFETCH(bool, accepted);
        Gateway gw;
        QVERIFY(gw.start(httpsConfig(loopbackUrl(*m_echo), m_cert)));
        const ToolRun run = sClient(gw.service.tlsPort(), version, ciphers);
        QVERIFY2(run.exitCode >= 0, "openssl s_client did not finish");
        QVERIFY2((run.exitCode == 0) == accepted, run.output.constData());
        if (accepted) {
            // Only forward-secret AEAD suites are offered.
            static const QRegularExpression cipher(QStringLiteral("Cipher is (\\S+)"));
            const QString suite = cipher.match(QString::fromLatin1(run.output)).captured(1);
            QVERIFY2(suite.contains(u"GCM") || suite.contains(u"CHACHA20"), qPrintable(suite));
            QVERIFY2(suite.startsWith(u"TLS_") || suite.startsWith(u"ECDHE-"), qPrintable(suite));
        } else {
            // The gateway refused the hello (the client sent one): a counted failure.
            QVERIFY(waitFor([&] { return failedHandshakes(gw.service) == 1; }));
        }
    }

    // A client speaking plain HTTP to the HTTPS port gets no answer it could misread, and
    // nothing reaches the upstream.
    void plainHttpOnTheTlsPortIsClosed() {
        ScriptedUpstream upstream(ScriptedUpstream::answerEachRequest());
        Gateway gw;
        QVERIFY(gw.start(httpsConfig(upstream.url(), m_cert)));
        RawClient c;
        QVERIFY(c.connectTo(gw.service.tlsPort()));
        c.send("GET / HTTP/1.1\r\nHost: gw\r\n\r\n");
        QVERIFY(c.waitForClosed());
        QVERIFY(!c.takeBuffered().startsWith("HTTP/"));
        QVERIFY(waitFor([&] { return failedHandshakes(gw.service) == 1; }));
        QCOMPARE(upstream.requestTotal(), 0);
    }

    // Opening TCP and never finishing the handshake holds a connection like a slow header:
    // the header timeout ends it, to the millisecond.
    void stalledHandshakeIsCutByTheHeaderTimeout() {
        ManualClock clock;
        Gateway gw;
        RawClient stalled;
        QVERIFY(connectOnClock(gw, clock, stalled));
        stalled.send(QByteArray("\x16\x03\x01", 3)); // the first bytes of a hello, no more
        QVERIFY(waitFor([&] { return gw.service.openConnections() == 1; }));
        gw.sweep();
        clock.advanceMs(5000);
        gw.sweep();
        QVERIFY(stalled.isConnected());
        clock.advanceMs(1);
        gw.sweep();
        QVERIFY(stalled.waitForClosed());
        QCOMPARE(metric(gw.service, "tokengate_tls_handshake_failures_total{reason=\"timeout\"}"),
                 1.0);
    }

    // Several certificates: the name the client asks for (SNI) picks one, by its exact DNS
    // name, else a "*." name one label up; anything else gets the default.
    void sniChoosesTheCertificate_data() {
        QTest::addColumn<QString>("serverName");
        QTest::addColumn<QString>("presented");
        QTest::newRow("exact") << "api.c.test"
                               << "api.c.test";
        QTest::newRow("wildcard") << "x.b.test"
                                  << "*.b.test";
        QTest::newRow("case") << "X.B.Test"
                              << "*.b.test";
        QTest::newRow("two labels under the wildcard") << "y.x.b.test"
                                                       << "gateway.test";
        QTest::newRow("the wildcard's own domain") << "b.test"
                                                   << "gateway.test";
        QTest::newRow("unknown") << "other.test"
                                 << "gateway.test";
        QTest::newRow("no SNI (an address)") << "127.0.0.1"
                                             << "gateway.test";
    }

    void sniChoosesTheCertificate() {
        QFETCH(QString, serverName);
        QFETCH(QString, presented);
        QTemporaryDir dir;
        const auto b =
            TestCertificate::make(dir.path(), QStringLiteral("b"), QStringLiteral("*.b.test"));
        const auto c =
            TestCertificate::make(dir.path(), QStringLiteral("c"), QStringLiteral("api.c.test"));
        Config config = httpsConfig(loopbackUrl(*m_echo), m_cert);
        config.tls.sniCertificates = {{b.certFile, b.keyFile}, {c.certFile, c.keyFile}};
        Gateway gw;
        QVERIFY(gw.start(config));
        RawClient client;
        QVERIFY2(client.connectTls(gw.service.tlsPort(),
                                   {m_cert.certificate, b.certificate, c.certificate}, serverName,
                                   false),
                 qPrintable(client.handshakeErrors()));
        QCOMPARE(client.tlsSocket().peerCertificate().subjectInfo(QSslCertificate::CommonName),
                 QStringList{presented});
        client.send("GET /sni HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
        const auto r = client.readResponse();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
    }

    // A hello that arrives in pieces (a slow link, a large post-quantum key share) is waited
    // for, not taken for a hello without a name.
    void helloInPiecesStillPicksTheCertificate() {
        QTemporaryDir dir;
        const auto b =
            TestCertificate::make(dir.path(), QStringLiteral("b"), QStringLiteral("*.b.test"));
        Gateway gw;
        QVERIFY(startWithWildcardCertificate(gw, b));
        PieceRelay relay(gw.service.tlsPort());
        QVERIFY(relay.listen(QHostAddress::LocalHost, 0));
        RawClient client;
        QVERIFY2(client.connectTls(relay.serverPort(), {b.certificate}, QStringLiteral("x.b.test")),
                 qPrintable(client.handshakeErrors()));
        QVERIFY(relay.heldBack);
        QCOMPARE(client.tlsSocket().peerCertificate(), b.certificate);
    }

    // Connections waiting for their hello hold a place like any other.
    void waitingForTheHelloCountsAgainstThePeerCap() {
        Config c = httpsConfig(loopbackUrl(*m_echo), m_cert);
        c.server.limits.maxConnectionsPerPeer = 1;
        Gateway gw;
        QVERIFY(gw.start(c));
        RawClient silent;
        QVERIFY(silent.connectTo(gw.service.tlsPort()));
        QVERIFY(waitFor([&] { return gw.service.openConnections() == 1; }));
        RawClient second;
        QVERIFY(second.connectTo(gw.service.tlsPort()));
        QVERIFY(second.waitForClosed());
        QVERIFY(silent.isConnected());
        silent.socket().abort();
        QVERIFY(waitFor([&] { return gw.service.openConnections() == 0; }));
        RawClient third;
        QVERIFY2(third.connectTls(gw.service.tlsPort(), {m_cert.certificate}),
                 qPrintable(third.handshakeErrors()));
    }

    // A part of a hello, then the client's FIN: the wait ends at once (the clock never moves),
    // rather than looking at the same bytes until the timeout.
    void helloCutShortByTheClientEndsAtOnce() {
        ManualClock clock;
        Gateway gw;
        gw.useDeadlineClock(clock);
        QVERIFY(gw.start(httpsConfig(loopbackUrl(*m_echo), m_cert)));
        RawClient c;
        QVERIFY(c.connectTo(gw.service.tlsPort()));
        c.send(Test::openSslClientHello("gateway.test").left(6));
        QVERIFY(waitFor([&] { return gw.service.openConnections() == 1; }));
        c.socket().disconnectFromHost(); // FIN
        QVERIFY(waitFor([&] { return gw.service.openConnections() == 0; }));
        QCOMPARE(metric(gw.service, "tokengate_tls_handshake_failures_total{reason=\"timeout\"}"),
                 0.0);
    }

    // A hello declaring more than 16 KiB is no hello the gateway serves: closed at once and
    // counted, rather than left to OpenSSL, which would hold a buffer of the declared size
    // (up to 128 KiB) until the header timeout.
    void oversizedHelloIsClosedAtOnce() {
        ManualClock clock; // the header timeout never passes: only the refusal can close it
        Gateway gw;
        gw.useDeadlineClock(clock);
        QVERIFY(gw.start(httpsConfig(loopbackUrl(*m_echo), m_cert)));
        RawClient c;
        QVERIFY(c.connectTo(gw.service.tlsPort()));
        // A handshake record of 16 KiB whose ClientHello declares 100,000 bytes.
        c.send(QByteArray::fromHex("160301400001"
                                   "0186a0"
                                   "0303") +
               QByteArray(64, 'r'));
        QVERIFY(c.waitForClosed());
        QVERIFY(waitFor([&] { return failedHandshakes(gw.service) == 1; }));
        QCOMPARE(gw.service.openConnections(), 0);
    }

    // A client that closes its connection without close_notify (killed here; browsers and
    // pools often just close) ends its stream, and its session still resumes.
    void sessionSurvivesAClientThatJustCloses_data() { sessionsResumeOnEveryWorker_data(); }

    void sessionSurvivesAClientThatJustCloses() {
        QFETCH(QString, version);
        Gateway gw;
        QVERIFY(gw.start(httpsConfig(loopbackUrl(*m_echo), m_cert)));
        const QString session = m_dir.filePath(QStringLiteral("closing-") + version);
        QFile::remove(session);
        QProcess client;
        client.setProcessChannelMode(QProcess::MergedChannels);
        client.start(QStringLiteral("openssl"),
                     {QStringLiteral("s_client"), QStringLiteral("-connect"),
                      QStringLiteral("127.0.0.1:%1").arg(gw.service.tlsPort()), u'-' + version,
                      QStringLiteral("-ign_eof"), QStringLiteral("-sess_out"), session});
        client.write("GET /kept-alive HTTP/1.1\r\nHost: gw\r\n\r\n");
        QByteArray out;
        QVERIFY(waitFor(
            [&] {
                out += client.readAll();
                return out.contains("/kept-alive") && QFileInfo(session).size() > 0;
            },
            10000));
        client.kill(); // the kernel closes its socket: a FIN, no close_notify
        client.waitForFinished(10000);
        QVERIFY(waitFor([&] { return gw.service.openConnections() == 0; }));

        const QByteArray again =
            sClientExchange(gw.service.tlsPort(), version, {QStringLiteral("-sess_in"), session},
                            "GET /again HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
        QVERIFY2(again.contains("Reused, TLS"), again.constData());
    }

    // The header timeout counts from the accept, hello wait and handshake together: a client
    // that sends its hello late and then stalls gets no second timeout.
    void handshakeStalledAfterTheHelloCountsFromTheAccept() {
        ManualClock clock;
        Gateway gw;
        RawClient stalled;
        QVERIFY(connectOnClock(gw, clock, stalled));
        QVERIFY(waitFor([&] { return gw.service.openConnections() == 1; }));
        gw.sweep();
        clock.advanceMs(3000);
        stalled.send(Test::openSslClientHello("gateway.test"));
        QVERIFY(stalled.waitForBytes(1)); // the server's hello: the handshake began
        gw.sweep();
        clock.advanceMs(2001);
        gw.sweep();
        QVERIFY(stalled.waitForClosed());
    }

    // "example.com." is example.com (the root's dot), as a client may send it.
    void sniWithTheRootDot() {
        QTemporaryDir dir;
        const auto b =
            TestCertificate::make(dir.path(), QStringLiteral("b"), QStringLiteral("*.b.test"));
        Gateway gw;
        QVERIFY(startWithWildcardCertificate(gw, b));
        const ToolRun run = runTool(QStringLiteral("openssl"),
                                    {QStringLiteral("s_client"), QStringLiteral("-connect"),
                                     QStringLiteral("127.0.0.1:%1").arg(gw.service.tlsPort()),
                                     QStringLiteral("-servername"), QStringLiteral("X.B.Test.")});
        QVERIFY2(run.output.contains("CN = *.b.test"), run.output.constData());
    }

    void certificateExpiryIsAMetric() {
        Gateway gw;
        QVERIFY(gw.start(httpsConfig(loopbackUrl(*m_echo), m_cert)));
        PrometheusText out;
        gw.service.renderMetrics(out);
        const QByteArray expected =
            "tokengate_tls_certificate_expiry_timestamp_seconds{subject="
            "\"gateway.test\",file=\"" +
            m_cert.certFile.toUtf8() + "\"} " +
            QByteArray::number(m_cert.certificate.expiryDate().toSecsSinceEpoch());
        QVERIFY2(out.text().contains(QByteArray(expected + '\n')), out.text().constData());
    }

    // Renewal jobs fail silently: the log says so a month ahead.
    void expiringCertificateIsWarnedAbout() {
        QTemporaryDir dir;
        const TestCertificate soon = TestCertificate::make(dir.path(), QStringLiteral("soon"),
                                                           QStringLiteral("soon.test"), -60, 10);
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral(
                                 "HTTPS certificate for soon.test .* \\(in (9|10) days\\)")));
        Gateway gw;
        QVERIFY(gw.start(httpsConfig(loopbackUrl(*m_echo), soon)));
    }

    // A renewed certificate is read on reload: connections opened before it (a download
    // under way) finish on the old one, new connections get the new one.
    void reloadSwapsTheCertificateWithoutCuttingDownloads() {
        ScriptedUpstream upstream;
        QTemporaryDir dir;
        const TestCertificate first =
            TestCertificate::make(dir.path(), QStringLiteral("live"), QStringLiteral("old.test"));
        const TestCertificate renewed = TestCertificate::make(
            m_dir.path(), QStringLiteral("renewed"), QStringLiteral("new.test"));
        QVERIFY(!first.isNull() && !renewed.isNull());
        Config c = httpsConfig(upstream.url(), first);
        Gateway gw;
        QVERIFY(gw.start(c));

        RawClient downloading;
        QVERIFY(downloading.connectTls(gw.service.tlsPort(), {first.certificate}));
        downloading.send("GET /big HTTP/1.1\r\nHost: gw\r\n\r\n");
        QVERIFY(waitFor([&] { return upstream.requestTotal() == 1; }));
        const QByteArray half(1 << 20, 'x');
        upstream.reply(0, QByteArray("HTTP/1.1 200 OK\r\nContent-Length: " +
                                     QByteArray::number(2 * half.size()) + "\r\n\r\n" + half));
        QVERIFY(downloading.waitForBytes(half.size() / 2));

        // The same paths, new contents: how certbot and most renewal jobs replace them.
        QVERIFY(QFile::remove(first.certFile) && QFile::copy(renewed.certFile, first.certFile));
        QVERIFY(QFile::remove(first.keyFile) && QFile::copy(renewed.keyFile, first.keyFile));
        QStringList errors;
        QVERIFY2(gw.service.reload(c, &errors), qPrintable(errors.join(u'\n')));

        RawClient fresh;
        QVERIFY2(fresh.connectTls(gw.service.tlsPort(), {renewed.certificate}),
                 qPrintable(fresh.handshakeErrors()));
        QCOMPARE(fresh.tlsSocket().peerCertificate(), renewed.certificate);

        upstream.reply(0, half);
        const auto r = downloading.readResponse();
        QVERIFY(r);
        QCOMPARE(r->body.size(), 2 * half.size());
        QCOMPARE(downloading.tlsSocket().peerCertificate(), first.certificate);
    }

    // A bad file on reload changes nothing: the running certificate keeps serving.
    void badCertificateOnReloadIsRefused() {
        QTemporaryDir dir;
        const TestCertificate live =
            TestCertificate::make(dir.path(), QStringLiteral("live"), QStringLiteral("old.test"));
        const TestCertificate other =
            TestCertificate::make(dir.path(), QStringLiteral("other"), QStringLiteral("o.test"));
        Config c = httpsConfig(loopbackUrl(*m_echo), live);
        Gateway gw;
        QVERIFY(gw.start(c));
        QVERIFY(QFile::remove(live.keyFile) && QFile::copy(other.keyFile, live.keyFile));
        QStringList errors;
        QVERIFY(!gw.service.reload(c, &errors));
        QVERIFY2(errors.join(u'\n').contains(u"is not the key of the first certificate"),
                 qPrintable(errors.join(u'\n')));
        RawClient after;
        QVERIFY2(after.connectTls(gw.service.tlsPort(), {live.certificate}),
                 qPrintable(after.handshakeErrors()));
        QCOMPARE(after.tlsSocket().peerCertificate(), live.certificate);
    }

    void configProblems_data() {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("problem");
        QTest::newRow("no key") << "no key"
                                << "tls.key_file is not set";
        QTest::newRow("missing file") << "missing file"
                                      << "tls.cert_file \"/nonexistent";
        QTest::newRow("not PEM") << "not PEM"
                                 << "no PEM certificate in it";
        QTest::newRow("key of another") << "key of another"
                                        << "is not the key of the first";
        QTest::newRow("expired") << "expired"
                                 << "not now";
        QTest::newRow("not yet valid") << "not yet valid"
                                       << "not now";
        QTest::newRow("files without listener") << "files without listener"
                                                << "but tls.listen is not";
        QTest::newRow("same port") << "same port"
                                   << "is also listen's";
        QTest::newRow("nothing to serve") << "nothing to serve"
                                          << "needs tls.listen";
        // Qt parses it, OpenSSL cannot copy it (fuzz_client_certificate found it): before,
        // its null handle crashed the gateway.
        QTest::newRow("certificate OpenSSL cannot read") << "unreadable certificate"
                                                         << "cannot be read by OpenSSL";
        QTest::newRow("client CA OpenSSL cannot read") << "unreadable client CA"
                                                       << "cannot be read by OpenSSL";
    }

    void configProblems() {
        QFETCH(QString, what);
        QFETCH(QString, problem);
        const QString dir = m_dir.path();
        Config c = httpsConfig(loopbackUrl(*m_echo), m_cert);
        if (what == u"no key") {
            c.tls.keyFile.clear();
        } else if (what == u"missing file") {
            c.tls.certFile = QStringLiteral("/nonexistent/chain.pem");
        } else if (what == u"endless file") {
            c.tls.certFile = QStringLiteral("/dev/zero");
        } else if (what == u"not PEM") {
            c.tls.certFile = c.tls.keyFile; // a key, no certificate
        } else if (what == u"key of another") {
            c.tls.keyFile =
                TestCertificate::make(dir, QStringLiteral("x"), QStringLiteral("x")).keyFile;
        } else if (what == u"expired") {
            const auto old =
                TestCertificate::make(dir, QStringLiteral("old"), QStringLiteral("o"), -30, -1);
            c.tls = {old.certFile, old.keyFile, {}, ClientAuth::None, {}};
        } else if (what == u"not yet valid") {
            const auto soon =
                TestCertificate::make(dir, QStringLiteral("soon"), QStringLiteral("s"), 2, 30);
            c.tls = {soon.certFile, soon.keyFile, {}, ClientAuth::None, {}};
        } else if (what == u"files without listener") {
            c.server.tls.enabled = false;
        } else if (what == u"same port") {
            c.server.port = c.server.tls.port = 18443;
        } else if (what == u"nothing to serve") {
            c.server.tls.enabled = false;
            c.server.plainEnabled = false;
            c.tls = {};
        } else if (what.startsWith(u"unreadable")) {
            QFile der(QStringLiteral(TOKENGATE_SOURCE_DIR
                                     "/fuzz/corpus/client_certificate/unreadable-by-openssl.der"));
            QVERIFY(der.open(QIODevice::ReadOnly));
            const QString pemFile = dir + QStringLiteral("/unreadable.pem");
            QFile pem(pemFile);
            QVERIFY(pem.open(QIODevice::WriteOnly));
            pem.write("-----BEGIN CERTIFICATE-----\n" + der.readAll().toBase64() +
                      "\n-----END CERTIFICATE-----\n");
            pem.close();
            if (what == u"unreadable certificate") {
                c.tls.certFile = pemFile;
            } else {
                c.tls.clientAuth = ClientAuth::Optional;
                c.tls.clientCaFile = pemFile;
            }
        }
        const QStringList problems = c.validate();
        QVERIFY2(problems.join(u'\n').contains(problem), qPrintable(problems.join(u'\n')));
        GatewayService service;
        QStringList errors;
        QVERIFY(!service.start(c, &errors));
        QVERIFY(!service.isRunning());
    }
};

QTEST_MAIN(TestTlsListener)
#include "tst_tlslistener.moc"
