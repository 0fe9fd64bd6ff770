// SPDX-License-Identifier: Apache-2.0
// WebSockets through the gateway, with Qt WebSockets on both ends: the upgrade request goes
// through the pipeline like any request (token, route, identity JWT), a 101 makes the two
// connections a tunnel, and anything else is an ordinary answer on a connection that stays
// HTTP. Raw sockets play the clients and upstreams Qt's would not (a body, h2c, a wrong 101).
#include "core/devidp/demoidp.h"
#include "tests/support/introspectedconfig.h"
#include "tests/support/manualclock.h"
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"
#include "tests/support/testcertificate.h"

#include "core/auth/bearertoken.h"
#include "core/base/sha256.h"
#include "core/observe/prometheustext.h"

#include <QElapsedTimer>
#include <QNetworkRequest>
#include <QProcess>
#include <QSignalSpy>
#include <QSslKey>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

#include <functional>

#include <sys/resource.h>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

constexpr char IdentityHeader[] = "X-Identity";

// Echoes every message back; remembers each handshake's headers and its open sockets.
class EchoServer : public QObject {
public:
    EchoServer() {
        connect(&m_server, &QWebSocketServer::newConnection, this, [this] {
            while (QWebSocket *s = m_server.nextPendingConnection()) {
                s->setParent(this);
                handshakes.append(s->request());
                sockets.append(s);
                connect(s, &QWebSocket::textMessageReceived, s,
                        [s](const QString &m) { s->sendTextMessage(m); });
                connect(s, &QWebSocket::binaryMessageReceived, s,
                        [s](const QByteArray &m) { s->sendBinaryMessage(m); });
            }
        });
        m_server.listen(QHostAddress::LocalHost, 0);
    }
    QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()); }

    QList<QNetworkRequest> handshakes;
    QList<QPointer<QWebSocket>> sockets;

private:
    QWebSocketServer m_server{QStringLiteral("echo"), QWebSocketServer::NonSecureMode};
};

// A WebSocket handshake's request head, as a browser sends it.
QByteArray upgradeHead(const QByteArray &target, const QByteArray &extra = {}) {
    return "GET " + target +
           " HTTP/1.1\r\nHost: gw\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n"
           "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
           extra + "\r\n";
}

// An https upstream that answers an upgrade with 101, then never reads again: its kernel
// buffers fill and the gateway must stop taking the client's bytes.
class StalledTlsUpstream : public QTcpServer {
public:
    bool start(const QString &dir) {
        certFile = dir + QStringLiteral("/cert.pem");
        const QString keyFile = dir + QStringLiteral("/key.pem");
        QProcess openssl;
        openssl.start(QStringLiteral("openssl"),
                      {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                       QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                       QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes"),
                       QStringLiteral("-keyout"), keyFile, QStringLiteral("-out"), certFile,
                       QStringLiteral("-days"), QStringLiteral("1"), QStringLiteral("-subj"),
                       QStringLiteral("/CN=127.0.0.1"), QStringLiteral("-addext"),
                       QStringLiteral("subjectAltName=IP:127.0.0.1")});
        if (!openssl.waitForFinished(30000) || openssl.exitCode() != 0)
            return false;
        QFile cert(certFile), key(keyFile);
        if (!cert.open(QIODevice::ReadOnly) || !key.open(QIODevice::ReadOnly))
            return false;
        m_cert = QSslCertificate(cert.readAll());
        m_key = QSslKey(key.readAll(), QSsl::Ec);
        return !m_cert.isNull() && !m_key.isNull() && listen(QHostAddress::LocalHost, 0);
    }
    QString certFile;

protected:
    void incomingConnection(qintptr descriptor) override {
        auto *s = new QSslSocket(this);
        s->setReadBufferSize(64 * 1024);
        s->setLocalCertificate(m_cert);
        s->setPrivateKey(m_key);
        if (!s->setSocketDescriptor(descriptor))
            return;
        auto head = std::make_shared<QByteArray>();
        connect(s, &QSslSocket::readyRead, s, [s, head] {
            if (head->endsWith("\r\n\r\n"))
                return; // switched: nothing more is read
            while (s->bytesAvailable() > 0 && !head->endsWith("\r\n\r\n"))
                head->append(s->read(1));
            if (head->endsWith("\r\n\r\n"))
                s->write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                         "Upgrade: websocket\r\n\r\n");
        });
        s->startServerEncryption();
    }

private:
    QSslCertificate m_cert;
    QSslKey m_key;
};

} // namespace

class TestWebSocket : public QObject {
    Q_OBJECT

    DemoIdp m_idp;
    QByteArray m_token;
    std::unique_ptr<EchoServer> m_echo;
    std::unique_ptr<ScriptedUpstream> m_frames; // switches, then sends what a test writes
    ManualClock m_clock;                        // before the gateway, which reads it
    std::unique_ptr<Gateway> m_gateway;

    QUrl wsUrl(const QString &pathAndQuery) const {
        return QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(m_gateway->port()) + pathAndQuery);
    }

    // A client connected through the gateway, or null.
    std::unique_ptr<QWebSocket> open(QNetworkRequest request) {
        auto ws = std::make_unique<QWebSocket>();
        QSignalSpy connected(ws.get(), &QWebSocket::connected);
        ws->open(request);
        if (!connected.wait(10000))
            return nullptr;
        return ws;
    }
    std::unique_ptr<QWebSocket> openAs(const QByteArray &token, const QString &path) {
        QNetworkRequest request(wsUrl(path));
        request.setRawHeader("Authorization", "Bearer " + token);
        return open(request);
    }
    std::unique_ptr<QWebSocket> openWithBearer(const QString &path) {
        return openAs(m_token, path);
    }
    static bool answersPing(QWebSocket &ws) {
        QSignalSpy pong(&ws, &QWebSocket::pong);
        ws.ping("still open");
        return pong.wait(10000);
    }
    // Does `cause`, then runs the next deadline check: true once `ws` is disconnected.
    bool closedAtNextCheck(QWebSocket &ws, const std::function<void()> &cause) {
        QSignalSpy gone(&ws, &QWebSocket::disconnected);
        cause();
        m_clock.advanceMs(500);
        m_gateway->sweep();
        return !gone.isEmpty() || gone.wait(10000);
    }

    // The event the gateway publishes once the request to `target` (or its tunnel) ends;
    // earlier tests' tunnels may end meanwhile.
    static std::optional<RequestEvent> eventFor(QSignalSpy &spy, const QByteArray &target) {
        std::optional<RequestEvent> found;
        waitFor([&] {
            while (!found && !spy.isEmpty()) {
                const auto event = spy.takeFirst().at(0).value<RequestEvent>();
                if (event.target.startsWith(target))
                    found = event;
            }
            return found.has_value();
        });
        return found;
    }

private slots:
    void initTestCase() {
        // A thousand tunnels are four thousand descriptors in this process (both ends, and
        // the gateway's two).
        rlimit files{};
        QCOMPARE(::getrlimit(RLIMIT_NOFILE, &files), 0);
        files.rlim_cur = std::min<rlim_t>(files.rlim_max, 16384);
        QCOMPARE(::setrlimit(RLIMIT_NOFILE, &files), 0);
        QString error;
        QVERIFY2(m_idp.start(0, &error), qPrintable(error));
        m_token = m_idp.mint(QStringLiteral("alice"), QStringLiteral("read"), 3600);
        m_echo = std::make_unique<EchoServer>();
        m_frames = std::make_unique<ScriptedUpstream>([](ScriptedUpstream &u, int index) {
            const QByteArray &got = u.connections()[index].received;
            if (got.endsWith("\r\n\r\n") && got.count("\r\n\r\n") == 1)
                u.reply(index, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                               "Upgrade: websocket\r\n\r\n");
        });

        Config c = introspectedConfig({}, m_idp, IdentityHeader);
        c.upstreamUrl.clear();
        c.cache.enabled = true; // as the daemon's default: answers judged once, then evicted
        RouteConfig ws = prefixRoute("ws", "/ws", m_echo->url());
        ws.tokenSources = {{TokenSource::Kind::BearerHeader, {}},
                           {TokenSource::Kind::Query, QStringLiteral("access_token")},
                           {TokenSource::Kind::Cookie, QStringLiteral("session")}};
        RouteConfig off = prefixRoute("off", "/off", m_echo->url());
        off.websocket = false;
        RouteConfig capped = prefixRoute("capped", "/capped", m_echo->url());
        capped.maxTunnels = 1;
        RouteConfig expiring = prefixRoute("expiring", "/expiring", m_echo->url());
        expiring.websocketUntilExpiry = true;
        // Cookie tokens on routes with a cors section: any origin may read public answers on
        // the first, one origin may send credentials on the second.
        RouteConfig publicCors = prefixRoute("public-cors", "/public-cors", m_echo->url());
        publicCors.tokenSources = {{TokenSource::Kind::Cookie, QStringLiteral("session")}};
        publicCors.cors.enabled = true;
        publicCors.cors.allowOrigins = {QStringLiteral("*")};
        RouteConfig appCors = publicCors;
        appCors.name = QStringLiteral("app-cors");
        appCors.pathPrefix = QStringLiteral("/app-cors");
        appCors.cors.allowOrigins = {QStringLiteral("https://app.example")};
        appCors.cors.allowCredentials = true;
        RouteConfig partial = prefixRoute("partial", "/partial", m_frames->url());
        partial.websocketUntilExpiry = true;
        c.routes = {ws, off, capped, expiring, publicCors, appCors, partial};
        m_gateway = std::make_unique<Gateway>();
        m_gateway->useDeadlineClock(m_clock);
        QVERIFY(m_gateway->start(c));
    }

    void echoesTextAndBinaryWithTheIdentity() {
        const qsizetype before = m_echo->handshakes.size();
        auto ws = openWithBearer(QStringLiteral("/ws/chat"));
        QVERIFY(ws);
        QSignalSpy text(ws.get(), &QWebSocket::textMessageReceived);
        QSignalSpy binary(ws.get(), &QWebSocket::binaryMessageReceived);
        ws->sendTextMessage(QStringLiteral("héllo"));
        QVERIFY(text.wait(10000));
        QCOMPARE(text.first().at(0).toString(), QStringLiteral("héllo"));
        const QByteArray bytes("\x00\x01\xff\r\n\r\nGET / HTTP/1.1\r\n\r\n", 24);
        ws->sendBinaryMessage(bytes);
        QVERIFY(binary.wait(10000));
        QCOMPARE(binary.first().at(0).toByteArray(), bytes);

        QCOMPARE(m_echo->handshakes.size(), before + 1);
        const QNetworkRequest &seen = m_echo->handshakes.last();
        QVERIFY(seen.hasRawHeader(IdentityHeader)); // the upgrade carried the gateway's JWT
        QCOMPARE(seen.url().path(), QStringLiteral("/ws/chat"));
    }

    void sixteenMebibyteMessagesBothWays() {
        auto ws = openWithBearer(QStringLiteral("/ws/big"));
        QVERIFY(ws);
        QByteArray big(16 << 20, Qt::Uninitialized);
        for (qsizetype i = 0; i < big.size(); ++i)
            big[i] = char(i * 7 + i / 4096);
        QSignalSpy binary(ws.get(), &QWebSocket::binaryMessageReceived);
        ws->sendBinaryMessage(big);
        QVERIFY(binary.wait(60000));
        QVERIFY(binary.first().at(0).toByteArray() == big);
    }

    // wss: the tunnel's client side is the gateway's own TLS layer. Messages both ways (one
    // larger than every buffer on the way), a ping, and a close from the client.
    void tunnelOverHttps() {
        QTemporaryDir dir;
        const TestCertificate cert =
            TestCertificate::make(dir.path(), QStringLiteral("wss"), QStringLiteral("gw.test"));
        QVERIFY(!cert.isNull());
        Config c = introspectedConfig({}, m_idp, IdentityHeader);
        c.upstreamUrl.clear();
        c.routes = {prefixRoute("ws", "/ws", m_echo->url())};
        Gateway gw;
        QVERIFY(gw.start(servingHttps(c, cert)));

        QWebSocket ws;
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setCaCertificates({cert.certificate});
        ws.setSslConfiguration(tls);
        QNetworkRequest request(
            QUrl(QStringLiteral("wss://localhost:%1/ws/secure").arg(gw.service.tlsPort())));
        request.setRawHeader("Authorization", "Bearer " + m_token);
        QSignalSpy connected(&ws, &QWebSocket::connected);
        ws.open(request);
        QVERIFY(connected.wait(10000));
        QCOMPARE(m_echo->handshakes.last().url().path(), QStringLiteral("/ws/secure"));

        QSignalSpy text(&ws, &QWebSocket::textMessageReceived);
        ws.sendTextMessage(QStringLiteral("über tls"));
        QVERIFY(text.wait(10000));
        QCOMPARE(text.first().at(0).toString(), QStringLiteral("über tls"));
        QByteArray big(4 << 20, Qt::Uninitialized);
        for (qsizetype i = 0; i < big.size(); ++i)
            big[i] = char(i * 13 + i / 1021);
        QSignalSpy binary(&ws, &QWebSocket::binaryMessageReceived);
        ws.sendBinaryMessage(big);
        QVERIFY(binary.wait(30000));
        QVERIFY(binary.first().at(0).toByteArray() == big);
        QVERIFY(answersPing(ws));

        QSignalSpy gone(&ws, &QWebSocket::disconnected);
        ws.close();
        QVERIFY(!gone.isEmpty() || gone.wait(10000));
    }

    void thousandTunnelsAtOnce() {
        constexpr int Count = 1000;
        QList<std::shared_ptr<QWebSocket>> clients;
        int connected = 0, echoed = 0;
        for (int i = 0; i < Count; ++i) {
            auto ws = std::make_shared<QWebSocket>();
            QWebSocket *raw = ws.get();
            const QString mine = QString::number(i);
            connect(raw, &QWebSocket::connected, raw, [raw, mine, &connected] {
                ++connected;
                raw->sendTextMessage(mine);
            });
            connect(raw, &QWebSocket::textMessageReceived, raw,
                    [mine, &echoed](const QString &m) { echoed += m == mine; });
            QNetworkRequest request(wsUrl(QStringLiteral("/ws/many")));
            request.setRawHeader("Authorization", "Bearer " + m_token);
            raw->open(request);
            clients.append(ws);
        }
        QVERIFY2(waitFor([&] { return echoed == Count; }, 120000),
                 qPrintable(QStringLiteral("%1 connected, %2 echoed").arg(connected).arg(echoed)));
        QCOMPARE(connected, Count);
        QVERIFY(waitFor(
            [this] { return metrics().contains("tokengate_tunnels_open{route=\"ws\"} 1000"); }));
        for (const auto &ws : clients)
            ws->close();
        QVERIFY(
            waitFor([this] { return metrics().contains("tokengate_tunnels_open{route=\"ws\"} 0"); },
                    60000));
    }

    void pingIsAnswered() {
        auto ws = openWithBearer(QStringLiteral("/ws/ping"));
        QVERIFY(ws);
        QSignalSpy pong(ws.get(), &QWebSocket::pong);
        ws->ping("are you there");
        QVERIFY(pong.wait(10000));
        QCOMPARE(pong.first().at(1).toByteArray(), QByteArray("are you there"));
    }

    void closedByTheClientIsLogged() {
        QSignalSpy events(&m_gateway->events, &EventHub::eventPublished);
        QSignalSpy opened(&m_gateway->events, &EventHub::tunnelOpened);
        auto ws = openWithBearer(QStringLiteral("/ws/bye"));
        QVERIFY(ws);
        // The desktop app's live log shows it open: told once the 101 is out.
        RequestEvent openedEvent;
        QVERIFY(waitFor([&] {
            for (const QList<QVariant> &args : std::as_const(opened)) {
                if (args.at(0).value<RequestEvent>().target == "/ws/bye")
                    openedEvent = args.at(0).value<RequestEvent>();
            }
            return openedEvent.tunnelId != 0;
        }));
        QCOMPARE(openedEvent.tunnelEnd, QByteArray("open"));
        QCOMPARE(openedEvent.status, 101);
        QPointer<QWebSocket> upstreamSide = m_echo->sockets.last();
        QSignalSpy text(ws.get(), &QWebSocket::textMessageReceived);
        ws->sendTextMessage(QStringLiteral("12345"));
        QVERIFY(text.wait(10000));
        QSignalSpy gone(ws.get(), &QWebSocket::disconnected);
        ws->close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("bye"));
        // Qt's client drops the connection right after its close frame.
        QVERIFY(!gone.isEmpty() || gone.wait(10000));
        QVERIFY(waitFor([&] {
            return !upstreamSide || upstreamSide->state() == QAbstractSocket::UnconnectedState;
        }));
        const auto event = eventFor(events, "/ws/bye");
        QVERIFY(event);
        QCOMPARE(event->status, 101);
        QCOMPARE(event->route, QByteArray("ws"));
        QCOMPARE(event->tunnelEnd, QByteArray("client"));
        QCOMPARE(event->tunnelId, openedEvent.tunnelId);
        QVERIFY(event->tunnelId != 0);
        // Client frames are masked: the text is 2 + 4 + 5 bytes, the close 2 + 4 + 2 + 3.
        QCOMPARE(event->requestBodyBytes, 11 + 11);
        QVERIFY(event->responseBodyBytes >= 2 + 5);
        QVERIFY(!event->tokenFingerprint.isEmpty());
    }

    void closedByTheUpstream() {
        QSignalSpy events(&m_gateway->events, &EventHub::eventPublished);
        auto ws = openWithBearer(QStringLiteral("/ws/kick"));
        QVERIFY(ws);
        QSignalSpy gone(ws.get(), &QWebSocket::disconnected);
        m_echo->sockets.last()->close(QWebSocketProtocol::CloseCodeGoingAway,
                                      QStringLiteral("restart"));
        QVERIFY(gone.wait(10000));
        QCOMPARE(ws->closeCode(), QWebSocketProtocol::CloseCodeGoingAway);
        QCOMPARE(ws->closeReason(), QStringLiteral("restart"));
        const auto event = eventFor(events, "/ws/kick");
        QVERIFY(event);
        QCOMPARE(event->status, 101);
        QCOMPARE(event->tunnelEnd, QByteArray("upstream"));
    }

    void tokenInTheQueryOrACookie() {
        QSignalSpy events(&m_gateway->events, &EventHub::eventPublished);
        auto byQuery = open(QNetworkRequest(
            wsUrl(QStringLiteral("/ws/q?access_token=") + QString::fromLatin1(m_token))));
        QVERIFY(byQuery);
        QNetworkRequest cookie(wsUrl(QStringLiteral("/ws/c")));
        cookie.setRawHeader("Cookie", "theme=dark; session=" + m_token);
        auto byCookie = open(cookie);
        QVERIFY(byCookie);
        byQuery->close();
        byCookie->close();
        for (const QByteArray target : {"/ws/q", "/ws/c"}) {
            const auto event = eventFor(events, target);
            QVERIFY(event);
            QCOMPARE(event->status, 101);
            QVERIFY(!event->target.contains(m_token)); // redacted from the log
        }
    }

    void noTokenNoTunnel() {
        const qsizetype before = m_echo->handshakes.size();
        auto response = requestOnce(m_gateway->port(), "GET", "/ws/chat",
                                    "Connection: Upgrade\r\nUpgrade: websocket\r\n"
                                    "Sec-WebSocket-Version: 13\r\n"
                                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
        QVERIFY(response);
        QCOMPARE(response->status, 401);
        QVERIFY(response->headers.contains("WWW-Authenticate"));
        auto bad = requestOnce(m_gateway->port(), "GET", "/ws/chat?access_token=nope",
                               "Connection: Upgrade\r\nUpgrade: websocket\r\n");
        QVERIFY(bad);
        QCOMPARE(bad->status, 401);
        QCOMPARE(m_echo->handshakes.size(), before);
    }

    // An upgrade through the raw client, with the token in the Bearer header and `extra`.
    std::optional<ReceivedResponse> rawUpgrade(const QByteArray &target,
                                               const QByteArray &extra = {}) {
        RawClient client;
        if (!client.connectTo(m_gateway->port()))
            return std::nullopt;
        client.send(upgradeHead(target, extra));
        return client.readResponse(10000, false, true);
    }

    QByteArray metrics() const {
        PrometheusText out;
        m_gateway->service.renderMetrics(out);
        return out.text();
    }

    void routeWithoutWebSockets() {
        const qsizetype before = m_echo->handshakes.size();
        auto refused = rawUpgrade("/off/x", "Authorization: Bearer " + m_token + "\r\n");
        QVERIFY(refused);
        QCOMPARE(refused->status, 403);
        QVERIFY(refused->body.contains("websocket_not_allowed"));
        QCOMPARE(m_echo->handshakes.size(), before);
        // Plain requests still pass there.
        auto plain = requestOnce(m_gateway->port(), "GET", "/off/x",
                                 "Authorization: Bearer " + m_token + "\r\n");
        QVERIFY(plain);
        QVERIFY(plain->status != 403);
    }

    void capOnOpenTunnels() {
        auto first = openWithBearer(QStringLiteral("/capped/1"));
        QVERIFY(first);
        QVERIFY(metrics().contains("tokengate_tunnels_open{route=\"capped\"} 1"));
        auto second = rawUpgrade("/capped/2", "Authorization: Bearer " + m_token + "\r\n");
        QVERIFY(second);
        QCOMPARE(second->status, 503);
        QVERIFY(second->body.contains("too_many_tunnels"));
        // Other routes are not capped by it.
        auto elsewhere = openWithBearer(QStringLiteral("/ws/beside"));
        QVERIFY(elsewhere);
        // A refused token holds no place: the cap counts authenticated upgrades only.
        auto anonymous = rawUpgrade("/capped/3");
        QVERIFY(anonymous);
        QCOMPARE(anonymous->status, 401);
        QSignalSpy gone(first.get(), &QWebSocket::disconnected);
        first->close();
        QVERIFY(!gone.isEmpty() || gone.wait(10000));
        QVERIFY(waitFor(
            [&] { return metrics().contains("tokengate_tunnels_open{route=\"capped\"} 0"); }));
        auto third = openWithBearer(QStringLiteral("/capped/4"));
        QVERIFY(third);
    }

    // Cross-site WebSocket hijacking: a page on another origin may open a WebSocket, and the
    // browser sends the cookie along. With the token in a cookie, only this origin (or one
    // the route's cors allows) gets a tunnel; a client sending no Origin is not a browser.
    void cookieTokenNeedsThisOrigin_data() {
        QTest::addColumn<QByteArray>("origin");
        QTest::addColumn<int>("status");
        QTest::newRow("another site") << QByteArray("Origin: https://evil.example\r\n") << 403;
        QTest::newRow("same host, other port") << QByteArray("Origin: http://gw:8080\r\n") << 403;
        QTest::newRow("two Origins")
            << QByteArray("Origin: http://gw\r\nOrigin: http://gw\r\n") << 403;
        QTest::newRow("this origin") << QByteArray("Origin: http://gw\r\n") << 101;
        QTest::newRow("no Origin") << QByteArray() << 101;
    }
    void cookieTokenNeedsThisOrigin() {
        QFETCH(QByteArray, origin);
        QFETCH(int, status);
        auto response = rawUpgrade("/ws/cookie", "Cookie: session=" + m_token + "\r\n" + origin);
        QVERIFY(response);
        QCOMPARE(response->status, status);
        // The same page with the token in the query string, which it had to know: no check.
        auto byQuery = rawUpgrade("/ws/query?access_token=" + m_token, origin);
        QVERIFY(byQuery);
        QCOMPARE(byQuery->status, 101);
    }

    // A cors grant without credentials (`*` here) lets any page read answers made without
    // the user's cookie; it must not let a page open a WebSocket that carries it.
    void corsGrantWithoutCredentialsIsNotEnough_data() {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<QByteArray>("origin");
        QTest::addColumn<int>("status");
        QTest::newRow("*, another site")
            << QByteArray("/public-cors/x") << QByteArray("https://evil.example") << 403;
        QTest::newRow("*, this origin")
            << QByteArray("/public-cors/x") << QByteArray("http://gw") << 101;
        QTest::newRow("credentials, listed")
            << QByteArray("/app-cors/x") << QByteArray("https://app.example") << 101;
        QTest::newRow("credentials, not listed")
            << QByteArray("/app-cors/x") << QByteArray("https://evil.example") << 403;
    }
    void corsGrantWithoutCredentialsIsNotEnough() {
        QFETCH(QByteArray, target);
        QFETCH(QByteArray, origin);
        QFETCH(int, status);
        auto response =
            rawUpgrade(target, "Cookie: session=" + m_token + "\r\nOrigin: " + origin + "\r\n");
        QVERIFY(response);
        QCOMPARE(response->status, status);
    }

    // The token expires while the upstream is in the middle of a frame: the client gets the
    // rest of that frame first, then the close frame; the upstream gets its own, masked.
    void expiryWaitsForTheFrameInProgress() {
        const QByteArray token = m_idp.mint(QStringLiteral("dave"), QStringLiteral("read"), 30);
        RawClient client;
        QVERIFY(client.connectTo(m_gateway->port()));
        client.send(upgradeHead("/partial/x", "Authorization: Bearer " + token + "\r\n"));
        auto switched = client.readResponse(10000, false, true);
        QVERIFY(switched);
        QCOMPARE(switched->status, 101);
        const int index = int(m_frames->connections().size()) - 1;
        m_frames->reply(index, QByteArray("\x82\x0a"
                                          "01234",
                                          7)); // 5 of 10 payload bytes
        QByteArray got;
        QVERIFY(waitFor([&] {
            got += client.takeBuffered() + client.socket().readAll();
            return got.size() >= 7;
        }));
        m_clock.advanceMs(31'000);
        m_gateway->sweep();
        m_frames->reply(index, "56789");
        const QByteArray close = "\x88\x0f\x03\xf0token expired";
        QVERIFY(waitFor([&] {
            got += client.takeBuffered() + client.socket().readAll();
            return got.size() >= 12 + close.size();
        }));
        QCOMPARE(got, QByteArray("\x82\x0a"
                                 "0123456789",
                                 12) +
                          close);
        QVERIFY(waitFor([&] {
            const QByteArray &up = m_frames->connections()[index].received;
            return up.size() >= 2 && up.contains(QByteArray("\x88\x8f", 2));
        }));
        QVERIFY(client.waitForClosed());
    }

    // Refused upgrades: the upstream's answer is relayed and the connection stays HTTP, so a
    // second request on it is read as a request, not as tunnel bytes.
    void refusedUpgradeKeepsTheConnectionHttp() {
        ScriptedUpstream upstream(ScriptedUpstream::answerEachRequestWith(
            "HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno"));
        Config c = testConfig(upstream.url());
        Gateway gateway;
        QVERIFY(gateway.start(c));
        RawClient client;
        QVERIFY(client.connectTo(gateway.port()));
        client.send(upgradeHead("/a") + "GET /b HTTP/1.1\r\nHost: gw\r\n\r\n");
        auto first = client.readResponse();
        QVERIFY(first);
        QCOMPARE(first->status, 403);
        QCOMPARE(first->body, QByteArray("no"));
        auto second = client.readResponse();
        QVERIFY(second);
        QCOMPARE(second->status, 403);
        QCOMPARE(upstream.requestTotal(), 2);
        // Not on the same upstream connection: a proxy behind the upstream may have opened a
        // tunnel on the upgrade whatever the answer said.
        QCOMPARE(upstream.connections().size(), 2);
        const QByteArray seen = upstream.connections().first().received;
        QVERIFY(seen.startsWith("GET /a HTTP/1.1\r\n"));
        QVERIFY(seen.contains("Connection: Upgrade\r\nUpgrade: websocket\r\n"));
        QVERIFY(seen.contains("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
    }

    // What is not a WebSocket upgrade is answered without switching: h2c, a list, a POST.
    // The upstream switches whenever asked, to h2c: the gateway must not have asked, and a
    // 101 nobody asked for, or to a protocol the client did not ask for, is a 502.
    void otherUpgradesAreNotCarriedOut_data() {
        QTest::addColumn<QByteArray>("head");
        QTest::addColumn<bool>("asked"); // whether the upstream is asked to upgrade
        QTest::newRow("h2c") << QByteArray("GET /x HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade, "
                                           "HTTP2-Settings\r\nUpgrade: h2c\r\n"
                                           "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n")
                             << false;
        QTest::newRow("a list") << QByteArray("GET /x HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade"
                                              "\r\nUpgrade: websocket, foo/2\r\n\r\n")
                                << false;
        QTest::newRow("not listed in Connection")
            << QByteArray("GET /x HTTP/1.1\r\nHost: gw\r\nUpgrade: websocket\r\n\r\n") << false;
        QTest::newRow("POST") << QByteArray("POST /x HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade"
                                            "\r\nUpgrade: websocket\r\nContent-Length: 0\r\n\r\n")
                              << false;
        QTest::newRow("HTTP/1.0") << QByteArray("GET /x HTTP/1.0\r\nHost: gw\r\nConnection: "
                                                "Upgrade\r\nUpgrade: websocket\r\n\r\n")
                                  << false;
        QTest::newRow("websocket, switched to h2c") << upgradeHead("/a") << true;
    }
    void otherUpgradesAreNotCarriedOut() {
        QFETCH(QByteArray, head);
        QFETCH(bool, asked);
        ScriptedUpstream upstream(ScriptedUpstream::answerEachRequestWith(
            "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"));
        Gateway gateway;
        QVERIFY(gateway.start(testConfig(upstream.url())));
        RawClient client;
        QVERIFY(client.connectTo(gateway.port()));
        client.send(head);
        auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 502);
        const QByteArray seen = upstream.connections().first().received;
        QCOMPARE(seen.contains("Connection: Upgrade\r\nUpgrade: websocket\r\n"), asked);
        if (!asked)
            QVERIFY2(!seen.contains("pgrade"), seen.constData());
    }

    void upgradeWithABodyIsRefused() {
        RawClient client;
        QVERIFY(client.connectTo(m_gateway->port()));
        client.send("GET /ws/chat HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\n"
                    "Upgrade: websocket\r\nAuthorization: Bearer " +
                    m_token + "\r\nContent-Length: 4\r\n\r\nabcd");
        auto response = client.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 400);
        QVERIFY(response->body.contains("cannot carry a body"));
    }

    // Bytes the upstream sends right behind its 101 (in the same segment), and bytes the
    // client sends before it has the 101, both reach the other side, in order.
    void bytesAroundTheSwitchAreKept() {
        ScriptedUpstream upstream([](ScriptedUpstream &u, int index) {
            const QByteArray &got = u.connections()[index].received;
            if (got.endsWith("\r\n\r\n") && !got.contains("early"))
                u.reply(index, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                               "Upgrade: websocket\r\n\r\nhello from upstream");
        });
        Gateway gateway;
        QVERIFY(gateway.start(testConfig(upstream.url())));
        RawClient client;
        QVERIFY(client.connectTo(gateway.port()));
        client.send(upgradeHead("/a") + "early client bytes");
        QByteArray answer;
        QVERIFY(waitFor([&] {
            answer += client.takeBuffered() + client.socket().readAll();
            return answer.contains("hello from upstream");
        }));
        QVERIFY(answer.startsWith("HTTP/1.1 101 Switching Protocols\r\n"));
        QVERIFY(!answer.contains("Content-Length") && !answer.contains("Transfer-Encoding"));
        QVERIFY(answer.endsWith("\r\n\r\nhello from upstream"));
        QVERIFY(waitFor([&] {
            return upstream.connections().first().received.endsWith("early client bytes");
        }));
        client.send("more");
        QVERIFY(
            waitFor([&] { return upstream.connections().first().received.endsWith("bytesmore"); }));
    }

    // The client streams into a tunnel whose https upstream stopped reading. The gateway may
    // hold its bound (512 KiB) and the kernels their socket buffers, and no more: before the
    // fix it took everything, because QSslSocket's bytesToWrite() leaves out what it encrypted.
    void stalledTlsUpstreamPushesBack() {
        QTemporaryDir dir;
        StalledTlsUpstream upstream;
        QVERIFY(upstream.start(dir.path()));
        Config c = testConfig(QStringLiteral("https://127.0.0.1:%1").arg(upstream.serverPort()));
        c.upstream.caFile = upstream.certFile;
        Gateway gateway;
        QVERIFY(gateway.start(c));
        RawClient client;
        QVERIFY(client.connectTo(gateway.port()));
        client.send(upgradeHead("/stream"));
        auto switched = client.readResponse(10000, false, true);
        QVERIFY(switched);
        QCOMPARE(switched->status, 101);

        constexpr qint64 Offered = 128LL << 20;
        const QByteArray chunk(256 * 1024, 'x');
        QTcpSocket &socket = client.socket();
        qint64 queued = 0;
        QElapsedTimer sinceProgress;
        sinceProgress.start();
        qint64 lastSent = -1;
        // Until nothing has moved for a second: the pipe is full.
        while (sinceProgress.elapsed() < 1000) {
            while (queued < Offered && socket.bytesToWrite() < 4 * chunk.size()) {
                socket.write(chunk);
                queued += chunk.size();
            }
            QTest::qWait(20);
            const qint64 sent = queued - socket.bytesToWrite();
            if (sent != lastSent) {
                lastSent = sent;
                sinceProgress.restart();
            }
            QVERIFY2(sent < Offered, "the gateway took all of it");
        }
        QVERIFY2(lastSent < (48LL << 20),
                 QByteArray(QByteArray::number(lastSent >> 20) + " MiB went through").constData());
    }

    // websocket_until_expiry: at the token's exp both sides get a close frame 1008 (policy
    // violation), the upstream's masked as a client's must be.
    void closedAtTokenExpiry() {
        QSignalSpy events(&m_gateway->events, &EventHub::eventPublished);
        const QByteArray token = m_idp.mint(QStringLiteral("bob"), QStringLiteral("read"), 60);
        QNetworkRequest request(wsUrl(QStringLiteral("/expiring/a")));
        request.setRawHeader("Authorization", "Bearer " + token);
        auto ws = open(request);
        QVERIFY(ws);
        QPointer<QWebSocket> upstreamSide = m_echo->sockets.last();
        QSignalSpy gone(ws.get(), &QWebSocket::disconnected);
        m_clock.advanceMs(57'000); // before exp (the second it was minted in may be nearly over)
        m_gateway->sweep();
        QSignalSpy pong(ws.get(), &QWebSocket::pong);
        ws->ping("still valid");
        QVERIFY(pong.wait(10000));
        m_clock.advanceMs(4'000);
        m_gateway->sweep();
        QVERIFY(!gone.isEmpty() || gone.wait(10000));
        QCOMPARE(ws->closeCode(), QWebSocketProtocol::CloseCodePolicyViolated);
        QCOMPARE(ws->closeReason(), QStringLiteral("token expired"));
        QVERIFY(waitFor([&] {
            return upstreamSide &&
                   upstreamSide->closeCode() == QWebSocketProtocol::CloseCodePolicyViolated;
        }));
        const auto event = eventFor(events, "/expiring/a");
        QVERIFY(event);
        QCOMPARE(event->tunnelEnd, QByteArray("token_expired"));
    }

    void closedWhenRevokedAtTheGateway() {
        const QByteArray token = m_idp.mint(QStringLiteral("carol"), QStringLiteral("read"), 3600);
        auto ws = openAs(token, QStringLiteral("/expiring/b"));
        QVERIFY(ws);
        // Not on a route without websocket_until_expiry.
        auto unwatched = openAs(token, QStringLiteral("/ws/b"));
        QVERIFY(unwatched);
        QSignalSpy gone(ws.get(), &QWebSocket::disconnected);
        QString error;
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        QVERIFY2(m_gateway->service.revocations().add(
                     {RevocationList::Kind::Token, sha256(token), now, now + 600}, now, &error),
                 qPrintable(error));
        m_clock.advanceMs(500);
        m_gateway->sweep();
        QVERIFY(!gone.isEmpty() || gone.wait(10000));
        QCOMPARE(ws->closeCode(), QWebSocketProtocol::CloseCodePolicyViolated);
        QCOMPARE(ws->closeReason(), QStringLiteral("token revoked"));
        QSignalSpy pong(unwatched.get(), &QWebSocket::pong);
        unwatched->ping("x");
        QVERIFY(pong.wait(10000));
        QVERIFY(
            m_gateway->service.revocations().remove(RevocationList::Kind::Token, sha256(token)));
    }

    // An operator's eviction (admin DELETE /cache, the app's Cache page, another instance's
    // through Redis) asks for the token to be judged afresh: a watched tunnel is closed at the
    // next check, and the client's reconnection is judged. Other tokens' tunnels stay open.
    void closedWhenEvictedFromTheCache() {
        const QByteArray dave = m_idp.mint(QStringLiteral("dave"), QStringLiteral("read"), 3600);
        const QByteArray erin = m_idp.mint(QStringLiteral("erin"), QStringLiteral("read"), 3600);
        auto daveWatched = openAs(dave, QStringLiteral("/expiring/evict-dave"));
        auto daveUnwatched = openAs(dave, QStringLiteral("/ws/evict-dave"));
        auto erinWatched = openAs(erin, QStringLiteral("/expiring/evict-erin"));
        QVERIFY(daveWatched && daveUnwatched && erinWatched);

        IntrospectionCache *cache = m_gateway->service.cache();
        QVERIFY(cache);
        {
            // Only while no other tunnel of this test can end: the spy hears the workers'
            // threads directly, and must not be gone while one still publishes.
            QSignalSpy events(&m_gateway->events, &EventHub::eventPublished);
            qsizetype evicted = 0;
            QVERIFY(closedAtNextCheck(*daveWatched, [&] {
                evicted = cache->evictFingerprint(fingerprintOfDigest(sha256(dave)));
            }));
            QVERIFY(evicted > 0);
            QCOMPARE(daveWatched->closeCode(), QWebSocketProtocol::CloseCodePolicyViolated);
            QCOMPARE(daveWatched->closeReason(), QStringLiteral("token evicted"));
            const auto event = eventFor(events, "/expiring/evict-dave");
            QVERIFY(event);
            QCOMPARE(event->tunnelEnd, QByteArray("token_evicted"));
        }
        QVERIFY(answersPing(*daveUnwatched));
        QVERIFY(answersPing(*erinWatched));

        // By subject too; and the evicted token is judged afresh on its next handshake.
        qsizetype evicted = 0;
        QVERIFY(closedAtNextCheck(*erinWatched,
                                  [&] { evicted = cache->evictSubject(QStringLiteral("erin")); }));
        QVERIFY(evicted > 0);
        QCOMPARE(erinWatched->closeReason(), QStringLiteral("token evicted"));
        auto daveAgain = openAs(dave, QStringLiteral("/expiring/evict-dave-again"));
        QVERIFY(daveAgain);
        QVERIFY(answersPing(*daveAgain));
    }

    // A reload that rebuilds the cache keeps the tunnels open, and they still hear of
    // evictions made in the new cache.
    void evictionAfterAReloadStillCounts() {
        const QByteArray frank = m_idp.mint(QStringLiteral("frank"), QStringLiteral("read"), 3600);
        auto ws = openAs(frank, QStringLiteral("/expiring/reload"));
        QVERIFY(ws);
        const IntrospectionCache *before = m_gateway->service.cache();
        Config changed = m_gateway->service.config();
        changed.cache.maxEntries += 1;
        QStringList errors;
        QVERIFY2(m_gateway->service.reload(changed, &errors), qPrintable(errors.join(u'\n')));
        QVERIFY(m_gateway->service.cache() != before); // or the test proves nothing
        m_clock.advanceMs(500);
        m_gateway->sweep();
        QVERIFY(answersPing(*ws));

        QVERIFY(closedAtNextCheck(*ws, [&] {
            m_gateway->service.cache()->evictFingerprint(fingerprintOfDigest(sha256(frank)));
        }));
        QCOMPARE(ws->closeReason(), QStringLiteral("token evicted"));
    }

    void idleTunnelIsClosed() {
        QSignalSpy events(&m_gateway->events, &EventHub::eventPublished);
        auto ws = openWithBearer(QStringLiteral("/ws/idle"));
        QVERIFY(ws);
        QSignalSpy gone(ws.get(), &QWebSocket::disconnected);
        // Each clock move follows a sweep: its turns let the worker finish what is under way
        // (a write's completion is activity too), so nothing is stamped with the moved clock.
        m_gateway->sweep();
        // At the bound exactly, still open: a ping goes through (and is activity).
        m_clock.advanceMs(300'000);
        m_gateway->sweep();
        QSignalSpy pong(ws.get(), &QWebSocket::pong);
        ws->ping("still there");
        QVERIFY(pong.wait(10000));
        QCOMPARE(ws->state(), QAbstractSocket::ConnectedState);
        m_gateway->sweep();
        m_clock.advanceMs(300'001);
        m_gateway->sweep();
        QVERIFY(gone.wait(10000));
        const auto event = eventFor(events, "/ws/idle");
        QVERIFY(event);
        QCOMPARE(event->tunnelEnd, QByteArray("idle_timeout"));
    }
};

QTEST_MAIN(TestWebSocket)
#include "tst_websocket.moc"
