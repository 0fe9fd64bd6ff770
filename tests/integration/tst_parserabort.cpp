// SPDX-License-Identifier: Apache-2.0
// Peers that answer too much, too little or nonsense, on real loopback sockets: the IdP, the
// upstream, a discovery document and Redis. Each failure ends the request with its 5xx while the
// HTTP parser may still be inside its callbacks, and the next request is served as usual.
#include "tests/support/gatewayfixture.h"
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"

#include "core/auth/discovery.h"
#include "core/cache/redisstats.h"
#include "core/config/config.h"

#include <QElapsedTimer>
#include <QSet>
#include <QTest>
#include <QTimer>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

constexpr qint64 Cap = 1 << 20; // the introspection answer and discovery document limit

QByteArray get(const QByteArray &token = {}) {
    return "GET /p HTTP/1.1\r\nHost: gw.test\r\n" +
           (token.isEmpty() ? QByteArray() : "Authorization: Bearer " + token + "\r\n") + "\r\n";
}

QByteArray answer(const QByteArray &body, const QByteArray &extra = {}) {
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + extra +
           "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

// `n` bytes of a JSON document: whitespace after an object, so only its size is wrong.
QByteArray jsonOfSize(qint64 n) {
    QByteArray b = R"({"active":true})";
    return b + QByteArray(n - b.size(), ' ');
}

QByteArray chunked(const QByteArray &body, qsizetype chunk) {
    QByteArray out;
    for (qsizetype at = 0; at < body.size(); at += chunk) {
        const QByteArray part = body.mid(at, chunk);
        out += QByteArray::number(part.size(), 16) + "\r\n" + part + "\r\n";
    }
    return out + "0\r\n\r\n";
}

// How a connection misbehaves: these pieces, each in a write of its own a few ms apart, then
// optionally a close.
struct Misbehaviour {
    QList<QByteArray> pieces;
    bool closeAfter = false;
    int intervalMs = 5;
};

// Connections numbered below `*badCount` misbehave once they have a request head; later ones
// get `good` for every request.
ScriptedUpstream::Script misbehaving(Misbehaviour bad, std::shared_ptr<QByteArray> good,
                                     std::shared_ptr<int> badCount) {
    auto started = std::make_shared<QSet<int>>();
    return [started, bad, good, badCount](ScriptedUpstream &up, int index) {
        if (index >= *badCount) {
            ScriptedUpstream::answerEachRequestWith (*good)(up, index);
            return;
        }
        if (started->contains(index) || !up.connections()[index].received.contains("\r\n\r\n"))
            return;
        started->insert(index);
        QTcpSocket *socket = up.connections()[index].socket;
        for (qsizetype i = 0; i <= bad.pieces.size(); ++i) {
            QTimer::singleShot(int(bad.intervalMs * i), socket, [socket, bad, i] {
                if (i < bad.pieces.size()) {
                    socket->write(bad.pieces[i]);
                    socket->flush();
                } else if (bad.closeAfter) {
                    socket->disconnectFromHost();
                }
            });
        }
    };
}

ScriptedUpstream::Script firstConnectionMisbehaves(Misbehaviour bad, QByteArray good) {
    return misbehaving(std::move(bad), std::make_shared<QByteArray>(std::move(good)),
                       std::make_shared<int>(1));
}

// The commands (arrays of bulk strings, as hiredis sends them) complete in `buffer`, taken out.
QList<QList<QByteArray>> takeRedisCommands(QByteArray &buffer) {
    QList<QList<QByteArray>> out;
    while (buffer.startsWith('*')) {
        qsizetype at = buffer.indexOf("\r\n");
        if (at < 0)
            break;
        const int count = buffer.mid(1, at - 1).toInt();
        at += 2;
        QList<QByteArray> args;
        for (int i = 0; i < count && at < buffer.size(); ++i) {
            const qsizetype eol = buffer.indexOf("\r\n", at);
            if (eol < 0)
                break;
            const int len = buffer.mid(at + 1, eol - at - 1).toInt();
            if (eol + 2 + len + 2 > buffer.size())
                break;
            args << buffer.mid(eol + 2, len);
            at = eol + 2 + len + 2;
        }
        if (args.size() < count)
            break;
        buffer.remove(0, at);
        out << args;
    }
    return out;
}

QList<QByteArray> split(const QByteArray &bytes, qsizetype piece) {
    QList<QByteArray> out;
    for (qsizetype at = 0; at < bytes.size(); at += piece)
        out << bytes.mid(at, piece);
    return out;
}

// The rows every peer shares: a head too large, garbage, a close before or inside an answer.
void addBrokenAnswerRows(int headStatus, const char *badReason, const char *resetReason) {
    const QByteArray bigHead =
        "HTTP/1.1 200 OK\r\nX-Big: " + QByteArray(70 * 1024, 'a') + "\r\nContent-Length: 0\r\n\r\n";
    auto row = [](const char *name, Misbehaviour m, int status, const char *reason) {
        QTest::newRow(name) << m.pieces << m.closeAfter << status << QByteArray(reason);
    };
    row("head too large, one read", {{bigHead}}, headStatus, badReason);
    row("head too large, in pieces", {split(bigHead, 8 * 1024)}, headStatus, badReason);
    row("garbage", {{"SSH-2.0-OpenSSH_9.2\r\n\r\n"}}, headStatus, badReason);
    row("garbage after a head", {{"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"}}, headStatus,
        badReason);
    row("switching protocols", {{"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"}},
        headStatus, badReason);
    row("closed without answering", {{}, true}, headStatus, resetReason);
}

} // namespace

class TestParserAbort : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<HttpServer> m_echo;

    QString echoUrl() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_echo->port()); }

    Config idpConfig(const ScriptedUpstream &idp) const {
        Config c = testConfig(echoUrl());
        c.auth = AuthMode::Introspection;
        c.introspection.url = idp.url() + QStringLiteral("/introspect");
        c.introspection.clientId = QStringLiteral("gw");
        c.introspection.clientSecret = QStringLiteral("s");
        c.introspection.timeoutMs = 5000;
        return c;
    }

    static void addColumns() {
        QTest::addColumn<QList<QByteArray>>("pieces");
        QTest::addColumn<bool>("closeAfter");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("reason");
    }

private slots:
    void initTestCase() {
        QString error;
        m_echo = startEchoUpstream(&error);
        QVERIFY2(m_echo, qPrintable(error));
    }
    void cleanupTestCase() { m_echo.reset(); }

    // The IdP's answer ends the call (503) wherever the parser stands; the daemon lives on.
    void idpAnswer_data() {
        addColumns();
        addBrokenAnswerRows(503, "idp_bad_response", "idp_unreachable");
        auto row = [](const char *name, Misbehaviour m, const char *reason) {
            QTest::newRow(name) << m.pieces << m.closeAfter << 503 << QByteArray(reason);
        };
        const QByteArray overCap = answer(jsonOfSize(Cap + 1));
        row("one byte over the cap, one read", {{overCap}}, "idp_bad_response");
        row("one byte over the cap, in pieces", {split(overCap, 100 * 1024)}, "idp_bad_response");
        row("over the cap, chunked",
            {{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
              chunked(jsonOfSize(Cap + 10), 300 * 1024)}},
            "idp_bad_response");
        row("over the cap, announced only",
            {{"HTTP/1.1 200 OK\r\nContent-Length: " + QByteArray::number(Cap + 1) + "\r\n\r\n"}},
            "idp_bad_response");
        row("closed inside the body",
            {{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"active\":"}, true},
            "idp_unreachable");
    }
    void idpAnswer() {
        QFETCH(QList<QByteArray>, pieces);
        QFETCH(bool, closeAfter);
        QFETCH(int, status);
        QFETCH(QByteArray, reason);
        ScriptedUpstream idp(firstConnectionMisbehaves({pieces, closeAfter},
                                                       answer(R"({"active":true,"sub":"b"})")));
        Gateway gw;
        QVERIFY(gw.start(idpConfig(idp)));
        QElapsedTimer clock;
        clock.start();
        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        client.send(get("first"));
        const auto first = client.readResponse();
        QVERIFY(first);
        QCOMPARE(first->status, status);
        QVERIFY2(first->body.contains(reason), first->body.constData());
        // Decided by the answer, not by the 5 s call deadline.
        QVERIFY2(clock.elapsed() < 4000, QByteArray::number(clock.elapsed()));
        client.send(get("second"));
        const auto second = client.readResponse();
        QVERIFY(second);
        QCOMPARE(second->status, 200);
    }

    // The upstream's answer ends in 502 before its head reached the client; after the head a
    // cut answer closes the client's connection. Either way the next request is served.
    void upstreamAnswer_data() {
        addColumns();
        addBrokenAnswerRows(502, "upstream_bad_response", "upstream_reset");
        QTest::newRow("closed inside the body")
            << QList<QByteArray>{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc"} << true << 0
            << QByteArray();
        QTest::newRow("garbage inside a chunked body")
            << QList<QByteArray>{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc"
                                 "\r\nzz\r\n"}
            << false << 0 << QByteArray();
    }
    void upstreamAnswer() {
        QFETCH(QList<QByteArray>, pieces);
        QFETCH(bool, closeAfter);
        QFETCH(int, status);
        QFETCH(QByteArray, reason);
        ScriptedUpstream upstream(firstConnectionMisbehaves({pieces, closeAfter}, answer("fine")));
        Gateway gw;
        Config c = testConfig(upstream.url());
        c.upstream.responseTimeoutMs = 5000;
        QVERIFY(gw.start(c));
        {
            RawClient client;
            QVERIFY(client.connectTo(gw.port()));
            client.send(get());
            const auto first = client.readResponse();
            if (status == 0) {
                QVERIFY(!first); // cut short: the client sees its connection closed
                QVERIFY(client.waitForClosed());
            } else {
                QVERIFY(first);
                QCOMPARE(first->status, status);
                QVERIFY2(first->body.contains(reason), first->body.constData());
            }
        }
        const auto second = requestOnce(gw.port(), "GET", "/again");
        QVERIFY(second);
        QCOMPARE(second->status, 200);
        QCOMPARE(second->body, QByteArray("fine"));
    }

    // Every byte is activity, yet a head that never completes ends in 504 within the upstream
    // timeout: 1xx answers sent forever, or a head trickled a line at a time.
    void upstreamHeadDeadline_data() {
        QTest::addColumn<QList<QByteArray>>("pieces");
        const QByteArray early = "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n";
        QTest::newRow("103 forever") << QList<QByteArray>(60, early);
        QTest::newRow("100 forever") << QList<QByteArray>(60, "HTTP/1.1 100 Continue\r\n\r\n");
        QTest::newRow("head trickled")
            << (QList<QByteArray>{"HTTP/1.1 200 OK\r\n"} + QList<QByteArray>(60, "X-A: b\r\n"));
    }
    void upstreamHeadDeadline() {
        QFETCH(QList<QByteArray>, pieces);
        ScriptedUpstream upstream(firstConnectionMisbehaves({pieces, false, 100}, answer("fine")));
        Gateway gw;
        Config c = testConfig(upstream.url());
        c.upstream.responseTimeoutMs = 1000;
        QVERIFY(gw.start(c));
        QElapsedTimer clock;
        clock.start();
        const auto r = requestOnce(gw.port(), "GET", "/slow");
        QVERIFY(r);
        QCOMPARE(r->status, 504);
        QVERIFY2(r->body.contains("upstream_timeout"), r->body.constData());
        QVERIFY2(clock.elapsed() < 2500, QByteArray::number(clock.elapsed()));
        const auto next = requestOnce(gw.port(), "GET", "/again");
        QVERIFY(next);
        QCOMPARE(next->status, 200);
    }

    // A discovery document that breaks off or overflows is one problem text, not a crash; the
    // next discovery works.
    void discoveryDocument_data() {
        QTest::addColumn<QList<QByteArray>>("pieces");
        QTest::addColumn<bool>("closeAfter");
        QTest::addColumn<QString>("problem");
        const QByteArray overCap = answer(jsonOfSize(Cap + 1));
        auto row = [](const char *name, Misbehaviour m, const char *problem) {
            QTest::newRow(name) << m.pieces << m.closeAfter << QString::fromLatin1(problem);
        };
        row("one byte over the cap, one read", {{overCap}}, "larger than");
        row("one byte over the cap, in pieces", {split(overCap, 100 * 1024)}, "larger than");
        row("over the cap, announced only",
            {{"HTTP/1.1 200 OK\r\nContent-Length: " + QByteArray::number(Cap + 1) + "\r\n\r\n"}},
            "larger than");
        row("over the cap, chunked",
            {{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
              chunked(jsonOfSize(Cap + 10), 300 * 1024)}},
            "larger than");
        row("head too large",
            {{"HTTP/1.1 200 OK\r\nX-Big: " + QByteArray(200 * 1024, 'a') + "\r\n\r\n"}}, ": ");
        row("garbage", {{"SSH-2.0-OpenSSH_9.2\r\n\r\n"}}, ": ");
        row("closed inside the body", {{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"}, true},
            ": ");
    }
    void discoveryDocument() {
        QFETCH(QList<QByteArray>, pieces);
        QFETCH(bool, closeAfter);
        QFETCH(QString, problem);
        auto good = std::make_shared<QByteArray>();
        auto badCount = std::make_shared<int>(1000); // both document URLs misbehave
        ScriptedUpstream server(misbehaving({pieces, closeAfter}, good, badCount));
        *good =
            answer(R"({"issuer":")" + server.url().toLatin1() + R"(","introspection_endpoint":")" +
                   server.url().toLatin1() + R"(/introspect"})");
        Config c;
        c.introspection.issuer = server.url();
        QStringList problems = resolveDiscovery(c, 5000);
        QCOMPARE(problems.size(), 1);
        QVERIFY2(problems.first().contains(problem), qPrintable(problems.first()));
        QVERIFY(c.introspection.url.isEmpty());
        *badCount = int(server.connections().size());
        Config again;
        again.introspection.issuer = server.url();
        problems = resolveDiscovery(again, 5000);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        QCOMPARE(again.introspection.url, server.url() + QStringLiteral("/introspect"));
    }

    // A Redis reply beyond the cap drops the connection at once (an error, not a wait for the
    // command's timeout); the IdP answers meanwhile, and nothing is left half-read.
    void redisReplyOverTheCap_data() {
        QTest::addColumn<QByteArray>("reply");
        QTest::newRow("announced, one read") << QByteArray("$1073741824\r\n");
        QTest::newRow("over the cap, sent")
            << "$" + QByteArray::number(3 * Cap) + "\r\n" + QByteArray(3 * Cap, 'x') + "\r\n";
        QByteArray manyElements = "*100000\r\n";
        for (int i = 0; i < 2000; ++i)
            manyElements += "$1\r\nx\r\n";
        QTest::newRow("an array of too many elements") << manyElements;
    }
    void redisReplyOverTheCap() {
        QFETCH(QByteArray, reply);
        // A Redis that answers GET with `reply`, SUBSCRIBE as Redis does, anything else +OK.
        ScriptedUpstream redis([reply](ScriptedUpstream &up, int index) {
            for (const QList<QByteArray> &args :
                 takeRedisCommands(up.connections()[index].received)) {
                const QByteArray verb = args.value(0).toUpper();
                if (verb == "GET")
                    up.reply(index, reply);
                else if (verb == "SUBSCRIBE")
                    up.reply(index, QByteArray("*3\r\n$9\r\nsubscribe\r\n$" +
                                               QByteArray::number(args[1].size()) + "\r\n" +
                                               args[1] + "\r\n:1\r\n"));
                else if (verb == "PING")
                    up.reply(index, "+PONG\r\n");
                else
                    up.reply(index, "+OK\r\n");
            }
        });
        ScriptedUpstream idp(ScriptedUpstream::answerEachRequestWith(answer(R"({"active":true})")));
        Config c = idpConfig(idp);
        c.cache.enabled = true;
        c.cache.redis.url = QStringLiteral("redis://127.0.0.1:%1").arg(redis.port());
        c.cache.redis.timeoutMs = 4000;
        Gateway gw;
        QVERIFY(gw.start(c));
        const RedisStats &stats = *gw.service.redisStats();
        QVERIFY(waitFor([&] { return stats.connected(); }));
        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        client.send(get("one"));
        const auto first = client.readResponse();
        QVERIFY(first);
        QCOMPARE(first->status, 200);
        QCOMPARE(stats.errors.load(), quint64(1));
        QCOMPARE(stats.timeouts.load(), quint64(0));
        client.send(get("two"));
        const auto second = client.readResponse();
        QVERIFY(second);
        QCOMPARE(second->status, 200);
    }
};

QTEST_MAIN(TestParserAbort)
#include "tst_parserabort.moc"
