// SPDX-License-Identifier: Apache-2.0
// The contract between HttpConnection and an Exchange, through a real loopback connection and
// a handler whose exchanges answer at a chosen moment: in start(), on the request's end, on a
// later turn, or never. Each exchange logs what it is told; the log shows that nothing comes
// before start(), nothing after the response or the client's departure but the destruction,
// that an exchange is never destroyed while one of its calls is on the stack, and that
// pipelined requests are served one after the other, in order.
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"

#include "core/http/exchange.h"
#include "core/http/httpconnection.h"
#include "core/server/httpserver.h"

#include <QMutex>
#include <QTest>
#include <QTimer>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

// Written by the worker thread, read by the test.
class CallLog {
public:
    void add(const QByteArray &line) {
        QMutexLocker lock(&m_mutex);
        m_lines << line;
    }
    QList<QByteArray> lines() const {
        QMutexLocker lock(&m_mutex);
        return m_lines;
    }

private:
    mutable QMutex m_mutex;
    QList<QByteArray> m_lines;
};

// Answers when its target says: /start, /complete, /later (a turn after the end), /never.
// With a body, it reads it unless it answered in start().
class ScriptedExchange : public Exchange {
public:
    ScriptedExchange(CallLog &log, HttpConnection &client, const RequestHead &head)
        : m_log(log)
        , m_client(client)
        , m_head(head) {}
    ~ScriptedExchange() override {
        m_log.add(m_head.target + (m_busy ? " destroyed inside a call" : " destroyed"));
    }

    void start() override {
        Call call(*this, "start");
        if (m_head.target.startsWith("/start"))
            answer();
        else if (m_head.hasBody())
            m_client.setBodyFlowing(true);
    }
    void onRequestBody(QByteArrayView chunk) override {
        Call call(*this, "body " + QByteArray::number(chunk.size()));
    }
    void onRequestComplete() override {
        Call call(*this, "complete");
        if (m_head.target.startsWith("/complete"))
            answer();
        else if (m_head.target.startsWith("/later"))
            QTimer::singleShot(0, &m_timerContext, [this] {
                Call later(*this, "later");
                answer();
            });
    }
    void onClientGone() override { Call call(*this, "gone"); }

private:
    // Logs a call, and marks the exchange busy while it runs.
    struct Call {
        Call(ScriptedExchange &e, const QByteArray &what)
            : m_e(e) {
            if (e.m_busy || e.m_done)
                e.m_log.add(e.m_head.target + " " + what + " out of turn");
            else
                e.m_log.add(e.m_head.target + " " + what);
            e.m_busy = true;
        }
        ~Call() { m_e.m_busy = false; }
        ScriptedExchange &m_e;
    };

    void answer() {
        m_done = true;
        ResponseHead head;
        head.contentLength = m_head.target.size();
        m_client.sendResponseHead(std::move(head));
        m_client.sendResponseBody(m_head.target);
        m_client.finishResponse();
    }

    CallLog &m_log;
    HttpConnection &m_client;
    RequestHead m_head;
    QObject m_timerContext; // the pending answer goes with the exchange
    bool m_busy = false;
    bool m_done = false;
};

class ScriptedHandler : public RequestHandler {
public:
    explicit ScriptedHandler(CallLog &log)
        : m_log(log) {}
    std::unique_ptr<Exchange> createExchange(HttpConnection &client,
                                             const RequestHead &head) override {
        return std::make_unique<ScriptedExchange>(m_log, client, head);
    }

private:
    CallLog &m_log;
};

// One worker serving every request with a ScriptedExchange; null if it could not listen.
std::unique_ptr<HttpServer> startServer(CallLog &log) {
    ServerSettings settings;
    settings.address = QHostAddress::LocalHost;
    settings.port = 0;
    settings.workers = 1;
    auto server = std::make_unique<HttpServer>(settings, [&log](DeadlineSweeper &, int) {
        return std::make_shared<ScriptedHandler>(log);
    });
    QString error;
    if (!server->start(&error)) {
        qWarning() << "cannot listen:" << error;
        server.reset();
    }
    return server;
}

// Calls come from the worker thread: waits until `n` are logged.
bool waitForCalls(const CallLog &log, qsizetype n) {
    if (waitFor([&] { return log.lines().size() >= n; }))
        return true;
    qWarning().noquote() << "calls so far:" << log.lines().join('\n');
    return false;
}

QByteArray get(const char *target) {
    return QByteArray("GET ") + target + " HTTP/1.1\r\nHost: t\r\n\r\n";
}

QByteArray post(const char *target) {
    return QByteArray("POST ") + target + " HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello";
}

} // namespace

class TestConnectionPhases : public QObject {
    Q_OBJECT

private slots:
    void callsInTurn_data() {
        QTest::addColumn<QByteArray>("sent"); // in one write: pipelined requests arrive together
        QTest::addColumn<QList<QByteArray>>("bodies"); // how the responses begin, in order
        QTest::addColumn<bool>("closes"); // the gateway closes the connection after them
        // The client leaves once this many calls are logged (0: it stays).
        QTest::addColumn<int>("leaveAfter");
        QTest::addColumn<QList<QByteArray>>("calls");
        using L = QList<QByteArray>;
        QTest::newRow("answered in start, no body")
            << get("/start") << L{"/start"} << false << 0 << L{"/start start", "/start destroyed"};
        QTest::newRow("answered at the end, no body")
            << get("/complete") << L{"/complete"} << false << 0
            << L{"/complete start", "/complete complete", "/complete destroyed"};
        QTest::newRow("answered at the end of a body")
            << post("/complete") << L{"/complete"} << false << 0
            << L{"/complete start", "/complete body 5", "/complete complete",
                 "/complete destroyed"};
        // The body is never read: the connection cannot serve another request.
        QTest::newRow("answered in start, body unread")
            << post("/start") << L{"/start"} << true << 0 << L{"/start start", "/start destroyed"};
        QTest::newRow("answered a turn later")
            << get("/later") << L{"/later"} << false << 0
            << L{"/later start", "/later complete", "/later later", "/later destroyed"};
        QTest::newRow("pipelined, each answered in start")
            << get("/start1") + get("/start2") + get("/start3")
            << L{"/start1", "/start2", "/start3"} << false << 0
            << L{"/start1 start",     "/start1 destroyed", "/start2 start",
                 "/start2 destroyed", "/start3 start",     "/start3 destroyed"};
        QTest::newRow("pipelined, answered in every way")
            << get("/later1") + post("/start2") + get("/complete3") << L{"/later1", "/start2"}
            << true << 0 << L{"/later1 start",     "/later1 complete", "/later1 later",
                              "/later1 destroyed", "/start2 start",    "/start2 destroyed"};
        QTest::newRow("pipelined after a body")
            << post("/complete1") + get("/start2") << L{"/complete1", "/start2"} << false << 0
            << L{"/complete1 start",     "/complete1 body 5", "/complete1 complete",
                 "/complete1 destroyed", "/start2 start",     "/start2 destroyed"};
        // The connection closes after a malformed request: the exchange before it finishes.
        QTest::newRow("a broken request after one answered in start")
            << get("/start1") + "BROKEN\r\n\r\n"
            << L{"/start1", "Malformed request line"} << true << 0
            << L{"/start1 start", "/start1 destroyed"};
        // The client leaves while exchanges wait: each hears it once, then goes.
        QTest::newRow("left waiting for its answer")
            << get("/never") << L{} << false << 2
            << L{"/never start", "/never complete", "/never gone", "/never destroyed"};
        QTest::newRow("left while its body is read")
            << QByteArray("POST /never HTTP/1.1\r\nHost: t\r\nContent-Length: 9\r\n\r\nhello")
            << L{} << false << 2
            << L{"/never start", "/never body 5", "/never gone", "/never destroyed"};
        QTest::newRow("left with an answer a turn away")
            << get("/start1") + get("/never2") << L{"/start1"} << false << 4
            << L{"/start1 start",    "/start1 destroyed", "/never2 start",
                 "/never2 complete", "/never2 gone",      "/never2 destroyed"};
    }

    void callsInTurn() {
        QFETCH(QByteArray, sent);
        QFETCH(QList<QByteArray>, bodies);
        QFETCH(bool, closes);
        QFETCH(int, leaveAfter);
        QFETCH(QList<QByteArray>, calls);
        CallLog log;
        const auto server = startServer(log);
        QVERIFY(server);
        RawClient client;
        QVERIFY(client.connectTo(server->port()));
        client.send(sent);
        for (const QByteArray &body : bodies) {
            const auto r = client.readResponse();
            QVERIFY(r);
            QVERIFY2(r->body.startsWith(body), r->body.constData());
        }
        if (closes)
            QVERIFY(client.waitForClosed());
        if (leaveAfter > 0) {
            QVERIFY(waitForCalls(log, leaveAfter));
            client.socket().abort();
        }
        QVERIFY(waitForCalls(log, calls.size()));
        QCOMPARE(log.lines(), calls);
        QVERIFY(client.takeBuffered().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestConnectionPhases)
#include "tst_connectionphases.moc"
