// SPDX-License-Identifier: Apache-2.0
// WebSocket load for bench/websocket.sh (not a test), with Qt WebSockets at both ends:
//   wsbench echo                       an echo server on 127.0.0.1; prints its port
//   wsbench load URL CONNS SECONDS N   CONNS clients, each sending an N-byte binary message
//                                      and waiting for its echo, again and again; prints
//                                      "messages/s <rate>" after SECONDS
//   wsbench idle URL COUNT             opens COUNT WebSockets, prints "open COUNT", then holds
//                                      them until stdin closes
// TOKEN (environment), if set, goes in an Authorization: Bearer header.
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QNetworkRequest>
#include <QSocketNotifier>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

#include <cstdio>
#include <functional>
#include <memory>
#include <vector>

namespace {

QNetworkRequest requestFor(const QString &url) {
    QNetworkRequest request{QUrl(url)};
    const QByteArray token = qgetenv("TOKEN");
    if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token);
    return request;
}

int echo(QCoreApplication &app) {
    QWebSocketServer server(QStringLiteral("echo"), QWebSocketServer::NonSecureMode);
    server.setMaxPendingConnections(100000);
    QObject::connect(&server, &QWebSocketServer::newConnection, [&server] {
        while (QWebSocket *s = server.nextPendingConnection()) {
            QObject::connect(s, &QWebSocket::binaryMessageReceived, s,
                             [s](const QByteArray &m) { s->sendBinaryMessage(m); });
            QObject::connect(s, &QWebSocket::disconnected, s, &QObject::deleteLater);
        }
    });
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 1;
    std::printf("%d\n", server.serverPort());
    std::fflush(stdout);
    return app.exec();
}

int load(QCoreApplication &app, const QString &url, int conns, int seconds, int size) {
    const QByteArray message(size, 'm');
    std::vector<std::unique_ptr<QWebSocket>> sockets;
    quint64 echoed = 0;
    bool counting = false;
    for (int i = 0; i < conns; ++i) {
        auto s = std::make_unique<QWebSocket>();
        QWebSocket *raw = s.get();
        QObject::connect(raw, &QWebSocket::connected, raw,
                         [raw, &message] { raw->sendBinaryMessage(message); });
        QObject::connect(raw, &QWebSocket::binaryMessageReceived, raw,
                         [raw, &message, &echoed, &counting](const QByteArray &) {
                             if (counting)
                                 ++echoed;
                             raw->sendBinaryMessage(message);
                         });
        QObject::connect(raw, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), raw,
                         [raw] {
                             std::fprintf(stderr, "wsbench: %s\n", qPrintable(raw->errorString()));
                             QCoreApplication::exit(1);
                         });
        raw->open(requestFor(url));
        sockets.push_back(std::move(s));
    }
    QElapsedTimer clock;
    // One second to connect and warm up, then SECONDS measured.
    QTimer::singleShot(1000, [&] {
        counting = true;
        clock.start();
    });
    QTimer::singleShot(1000 + seconds * 1000, [&] {
        std::printf("messages/s %.0f\n", double(echoed) * 1000.0 / double(clock.elapsed()));
        std::fflush(stdout);
        QCoreApplication::exit(0);
    });
    return app.exec();
}

int idle(QCoreApplication &app, const QString &url, int count) {
    std::vector<std::unique_ptr<QWebSocket>> sockets;
    int open = 0, started = 0;
    // In waves, so that the listen backlogs never overflow.
    std::function<void()> more = [&] {
        while (started < count && started - open < 200) {
            auto s = std::make_unique<QWebSocket>();
            QWebSocket *raw = s.get();
            QObject::connect(raw, &QWebSocket::connected, raw, [&] {
                if (++open == count) {
                    std::printf("open %d\n", open);
                    std::fflush(stdout);
                }
                more();
            });
            QObject::connect(
                raw, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), raw, [raw] {
                    std::fprintf(stderr, "wsbench: %s\n", qPrintable(raw->errorString()));
                    QCoreApplication::exit(1);
                });
            raw->open(requestFor(url));
            sockets.push_back(std::move(s));
            ++started;
        }
    };
    more();
    QSocketNotifier in(0, QSocketNotifier::Read);
    QObject::connect(&in, &QSocketNotifier::activated, [] {
        char c;
        if (std::fread(&c, 1, 1, stdin) != 1)
            QCoreApplication::exit(0);
    });
    return app.exec();
}

} // namespace

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    const QStringList a = app.arguments();
    if (a.size() == 2 && a[1] == u"echo")
        return echo(app);
    if (a.size() == 6 && a[1] == u"load")
        return load(app, a[2], a[3].toInt(), a[4].toInt(), a[5].toInt());
    if (a.size() == 4 && a[1] == u"idle")
        return idle(app, a[2], a[3].toInt());
    std::fprintf(stderr, "usage: wsbench echo | load URL CONNS SECONDS BYTES | idle URL COUNT\n");
    return 2;
}
