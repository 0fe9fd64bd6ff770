// SPDX-License-Identifier: Apache-2.0
// The data path end to end: a real gateway on loopback in front of the built-in echo upstream
// or a scripted raw upstream, driven by a raw client socket.
#include "tests/support/gatewayfixture.h"
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"

#include "core/devidp/echohandler.h"
#include "core/pipeline/loopguard.h"
#include "core/server/httpserver.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

class TestProxy : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<HttpServer> m_echo;
    QString echoUrl() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_echo->port()); }

    static QJsonObject json(const ReceivedResponse &r) {
        return QJsonDocument::fromJson(r.body).object();
    }
    using Headers = QList<QPair<QByteArray, QByteArray>>;
    static Headers echoedHeaders(const ReceivedResponse &r) {
        Headers out;
        for (const auto &h : json(r).value(u"headers").toArray())
            out.append(
                {h.toArray().at(0).toString().toLatin1(), h.toArray().at(1).toString().toLatin1()});
        return out;
    }
    static QList<QByteArray> echoedHeaderValues(const ReceivedResponse &r, QByteArrayView name) {
        QList<QByteArray> out;
        for (const auto &[n, v] : echoedHeaders(r)) {
            if (HeaderMap::sameName(n, name))
                out << v;
        }
        return out;
    }

    // The first `n` events the workers published, once there are that many. Read through
    // the hub's lock: a QSignalSpy would be appended to by the worker threads while this
    // thread reads it.
    static QList<RequestEvent> publishedEvents(const EventHub &hub, quint64 n) {
        if (!waitFor([&] { return hub.published() >= n; }))
            return {};
        return hub.snapshot().first(qsizetype(n));
    }

    // One request through a fresh gateway in front of the echo upstream.
    std::optional<ReceivedResponse> throughEcho(const QByteArray &raw, Config config = {}) {
        if (config.upstreamUrl.isEmpty())
            config = testConfig(echoUrl());
        Gateway gw;
        if (!gw.start(config))
            return std::nullopt;
        RawClient client;
        if (!client.connectTo(gw.port()))
            return std::nullopt;
        client.send(raw);
        return client.readResponse();
    }

private slots:
    void initTestCase() {
        QString error;
        m_echo = startEchoUpstream(&error);
        QVERIFY2(m_echo, qPrintable(error));
    }
    void cleanupTestCase() { m_echo.reset(); }

    void forwardsAnyMethod_data() {
        QTest::addColumn<QByteArray>("method");
        for (const char *m :
             {"GET", "DELETE", "PROPFIND", "MKCOL", "COPY", "PURGE", "MYVERB", "X-Custom.Verb"})
            QTest::newRow(m) << QByteArray(m);
    }
    void forwardsAnyMethod() {
        QFETCH(QByteArray, method);
        const auto r = throughEcho(method + " /m HTTP/1.1\r\nHost: t\r\n\r\n");
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(json(*r).value(u"method").toString().toLatin1(), method);
    }

    void targetIsByteExact_data() {
        QTest::addColumn<QByteArray>("target");
        QTest::newRow("percent-A") << QByteArray("/a%41b");
        QTest::newRow("encoded slash") << QByteArray("/x%2Fy");
        QTest::newRow("double slashes") << QByteArray("//double//slash/");
        QTest::newRow("bad escape in query") << QByteArray("/q?x=%zz&y=%41&y=2");
        QTest::newRow("dot segments") << QByteArray("/a/../b/./c");
    }
    void targetIsByteExact() {
        QFETCH(QByteArray, target);
        const auto r = throughEcho("GET " + target + " HTTP/1.1\r\nHost: t\r\n\r\n");
        QVERIFY(r);
        QCOMPARE(json(*r).value(u"target").toString().toLatin1(), target);
    }

    void basePathIsJoinedWithOneSlash() {
        Config c = testConfig(echoUrl() + QStringLiteral("/base/"));
        const auto r = throughEcho("GET /p//q?y=%41 HTTP/1.1\r\nHost: t\r\n\r\n", c);
        QVERIFY(r);
        QCOMPARE(json(*r).value(u"target").toString(), QStringLiteral("/base/p//q?y=%41"));
    }

    void headersKeepOrderCaseAndDuplicates() {
        const auto r = throughEcho("GET / HTTP/1.1\r\nHost: t\r\nX-B: 1\r\nx-a: 2\r\nX-B: 3\r\n"
                                   "Connection: keep-alive, X-Drop\r\nX-Drop: secret\r\n"
                                   "Keep-Alive: timeout=5\r\nProxy-Authorization: Basic x\r\n"
                                   "TE: trailers\r\nUpgrade: websocket\r\n"
                                   "X-Forwarded-For: 6.6.6.6\r\n\r\n");
        QVERIFY(r);
        const auto headers = echoedHeaders(*r);
        Headers expected{{"Host", "t"},
                         {"X-B", "1"},
                         {"x-a", "2"},
                         {"X-B", "3"},
                         {"Via", "1.1 " + LoopGuard::pseudonym()},
                         {"X-Forwarded-For", "127.0.0.1"},
                         {"X-Forwarded-Proto", "http"},
                         {"X-Forwarded-Host", "t"}};
        QCOMPARE(headers, expected);
    }

    void forwardedAppendMode() {
        Config c = testConfig(echoUrl());
        c.upstream.forwarded = ForwardedMode::Append;
        const auto r = throughEcho("GET / HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: "
                                   "10.0.0.1\r\nX-Forwarded-Proto: https\r\n\r\n",
                                   c);
        QVERIFY(r);
        QCOMPARE(echoedHeaderValues(*r, "X-Forwarded-For"),
                 QList<QByteArray>{"10.0.0.1, 127.0.0.1"});
        QCOMPARE(echoedHeaderValues(*r, "X-Forwarded-Proto"), QList<QByteArray>{"https"});
    }

    // With trusted_proxies, a peer that is none of them is a client: what it wrote in the
    // forwarded fields is replaced, as without append.
    void forwardedAppendFromUntrustedPeer_data() {
        QTest::addColumn<QStringList>("trusted");
        QTest::addColumn<QByteArray>("forwardedFor");
        QTest::addColumn<QByteArray>("proto");
        QTest::newRow("peer trusted") << QStringList{QStringLiteral("127.0.0.0/8")}
                                      << QByteArray("10.0.0.1, 127.0.0.1") << QByteArray("https");
        QTest::newRow("peer not trusted") << QStringList{QStringLiteral("10.0.0.0/8")}
                                          << QByteArray("127.0.0.1") << QByteArray("http");
    }
    void forwardedAppendFromUntrustedPeer() {
        QFETCH(QStringList, trusted);
        QFETCH(QByteArray, forwardedFor);
        QFETCH(QByteArray, proto);
        Config c = testConfig(echoUrl());
        c.upstream.forwarded = ForwardedMode::Append;
        c.upstream.trustedProxies = trusted;
        const auto r = throughEcho("GET / HTTP/1.1\r\nHost: t\r\nX-Forwarded-For: "
                                   "10.0.0.1\r\nX-Forwarded-Proto: https\r\n"
                                   "X-Real-IP: 10.0.0.1\r\n\r\n",
                                   c);
        QVERIFY(r);
        QCOMPARE(echoedHeaderValues(*r, "X-Forwarded-For"), QList<QByteArray>{forwardedFor});
        QCOMPARE(echoedHeaderValues(*r, "X-Forwarded-Proto"), QList<QByteArray>{proto});
        QCOMPARE(echoedHeaderValues(*r, "X-Real-IP").isEmpty(), proto == "http");
    }

    void expectContinue() {
        Gateway gw;
        QVERIFY(gw.start(testConfig(echoUrl())));
        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        client.send(
            "PUT /up HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
        const auto interim = client.readResponse(10000, false, true);
        QVERIFY(interim);
        QCOMPARE(interim->status, 100);
        client.send("hello");
        const auto r = client.readResponse();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(json(*r).value(u"bodyBytes").toInt(), 5);
        QVERIFY(echoedHeaderValues(*r, "Expect").isEmpty());
    }

    void chunkedRequestBody() {
        const auto r =
            throughEcho("POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
        QVERIFY(r);
        QCOMPARE(json(*r).value(u"bodyBytes").toInt(), 11);
        QCOMPARE(json(*r).value(u"bodySha256").toString().toLatin1(),
                 QCryptographicHash::hash("hello world", QCryptographicHash::Sha256).toHex());
        QCOMPARE(echoedHeaderValues(*r, "Transfer-Encoding"), QList<QByteArray>{"chunked"});
    }

    void chunkedResponseRelayed() {
        ScriptedUpstream up([](ScriptedUpstream &u, int i) {
            if (u.requestCount(i) == 1)
                u.reply(i, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nSet-Cookie: a=1\r\n"
                           "Set-Cookie: b=2\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
        });
        Gateway gw;
        QVERIFY(gw.start(testConfig(up.url())));
        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        const auto r = client.readResponse();
        QVERIFY(r);
        QCOMPARE(r->body, QByteArray("hello world"));
        QCOMPARE(r->headers.values("Transfer-Encoding"), QList<QByteArray>{"chunked"});
        QCOMPARE(r->headers.values("Set-Cookie"), (QList<QByteArray>{"a=1", "b=2"}));
    }

    void closeDelimitedResponse_data() {
        QTest::addColumn<QByteArray>("version");
        QTest::addColumn<bool>("expectChunked");
        QTest::newRow("HTTP/1.1 client gets chunked") << QByteArray("HTTP/1.1") << true;
        QTest::newRow("HTTP/1.0 client gets close") << QByteArray("HTTP/1.0") << false;
    }
    void closeDelimitedResponse() {
        QFETCH(QByteArray, version);
        QFETCH(bool, expectChunked);
        ScriptedUpstream up([](ScriptedUpstream &u, int i) {
            if (u.requestCount(i) == 1) {
                u.reply(i, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end");
                u.connections()[i].socket->disconnectFromHost();
            }
        });
        Gateway gw;
        QVERIFY(gw.start(testConfig(up.url())));
        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        client.send("GET / " + version + "\r\nHost: t\r\n\r\n");
        const auto r = client.readResponse();
        QVERIFY(r);
        QCOMPARE(r->body, QByteArray("until the end"));
        QCOMPARE(r->headers.hasToken("Transfer-Encoding", "chunked"), expectChunked);
        if (!expectChunked)
            QVERIFY(client.waitForClosed());
    }

    void pipelinedRequestsAnsweredInOrder() {
        // The upstream answers the second request before the first: order must still hold.
        ScriptedUpstream up(ScriptedUpstream::answerEachRequest());
        Gateway gw;
        QVERIFY(gw.start(testConfig(up.url())));
        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        client.send("GET /1 HTTP/1.1\r\nHost: t\r\n\r\nGET /2 HTTP/1.1\r\nHost: t\r\n\r\n"
                    "POST /3 HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
                    "GET /4 HTTP/1.1\r\nHost: t\r\n\r\n");
        for (const char *expected : {"/1", "/2", "/3", "/4"}) {
            const auto r = client.readResponse();
            QVERIFY2(r, expected);
            QCOMPARE(r->body, QByteArray(expected));
        }
    }

    void keepAliveReusedOnBothSides() {
        ScriptedUpstream up(ScriptedUpstream::answerEachRequest());
        Gateway gw;
        QVERIFY(gw.start(testConfig(up.url())));
        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        for (int i = 0; i < 5; ++i) {
            client.send("GET /k HTTP/1.1\r\nHost: t\r\n\r\n");
            const auto r = client.readResponse();
            QVERIFY(r);
            QCOMPARE(r->status, 200);
            QVERIFY(r->keepAlive);
        }
        QVERIFY(client.isConnected());
        QCOMPARE(up.connections().size(), 1);
        QCOMPARE(up.requestCount(0), 5);
    }

    void http10KeepAlive() {
        const auto r = throughEcho("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        QVERIFY(r);
        QCOMPARE(r->headers.value("Connection"), QByteArray("keep-alive"));
        // Upstreams are always spoken to in HTTP/1.1, whatever the client speaks.
        QCOMPARE(json(*r).value(u"version").toString(), QStringLiteral("HTTP/1.1"));
        // The upstream gets a Host even though an HTTP/1.0 client sent none.
        QCOMPARE(echoedHeaderValues(*r, "Host").size(), 1);
    }

    void headResponseHasNoBody() {
        ScriptedUpstream up([](ScriptedUpstream &u, int i) {
            const int n = u.requestCount(i);
            if (n == 1)
                u.reply(i, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
            else if (n == 2)
                u.reply(i, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        });
        Gateway gw;
        QVERIFY(gw.start(testConfig(up.url())));
        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        client.send("HEAD / HTTP/1.1\r\nHost: t\r\n\r\n");
        const auto head = client.readResponse(10000, true);
        QVERIFY(head);
        QCOMPARE(head->headers.value("Content-Length"), QByteArray("1000"));
        QVERIFY(head->body.isEmpty());
        client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        const auto get = client.readResponse();
        QVERIFY(get);
        QCOMPARE(get->body, QByteArray("ok"));
        QCOMPARE(up.connections().size(), 1);
    }

    void upstreamRefusedIs502() {
        const quint16 port = closedLoopbackPort();
        QVERIFY(port);
        const auto r = throughEcho("GET / HTTP/1.1\r\nHost: t\r\n\r\n",
                                   testConfig(QStringLiteral("http://127.0.0.1:%1").arg(port)));
        QVERIFY(r);
        QCOMPARE(r->status, 502);
        QVERIFY(r->body.contains("upstream_unreachable"));
    }

    void upstreamSilenceIs504() {
        ScriptedUpstream up; // accepts, reads, never answers
        Config c = testConfig(up.url());
        c.upstream.responseTimeoutMs = 500;
        Gateway gw;
        QVERIFY(gw.start(c));
        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        const auto r = client.readResponse();
        QVERIFY(r);
        QCOMPARE(r->status, 504);
        QVERIFY(r->body.contains("upstream_timeout"));
        const auto events = publishedEvents(gw.events, 1);
        QCOMPARE(events.size(), 1);
        QCOMPARE(reasonId(events.first().reason), QByteArray("upstream_timeout"));
    }

    void upstreamResetMidResponseClosesClient() {
        ScriptedUpstream up([](ScriptedUpstream &u, int i) {
            u.reply(i, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten..");
            u.connections()[i].socket->flush();
            u.connections()[i].socket->abort();
        });
        Gateway gw;
        QVERIFY(gw.start(testConfig(up.url())));
        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        QVERIFY(!client.readResponse(5000)); // never complete
        QVERIFY(client.waitForClosed());
    }

    void staleKeepAliveIsRetried() {
        // The upstream drops its first connection when the second request arrives on it, as
        // a server whose keep-alive timer fired at that moment would.
        ScriptedUpstream up([](ScriptedUpstream &u, int i) {
            const int n = u.requestCount(i);
            if (i == 0 && n == 1)
                u.reply(i, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst");
            else if (i == 0 && n == 2)
                u.connections()[i].socket->abort();
            else if (n == 1)
                u.reply(i, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond");
        });
        Gateway gw;
        QVERIFY(gw.start(testConfig(up.url())));
        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        client.send("GET /1 HTTP/1.1\r\nHost: t\r\n\r\n");
        QCOMPARE(client.readResponse()->body, QByteArray("first"));
        client.send("GET /2 HTTP/1.1\r\nHost: t\r\n\r\n");
        const auto r = client.readResponse();
        QVERIFY(r);
        QCOMPARE(r->body, QByteArray("second"));
        QCOMPARE(up.connections().size(), 2);
    }

    void limits_data() {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("reason");
        QTest::newRow("header bytes")
            << "GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + QByteArray(3000, 'a') + "\r\n\r\n"
            << 431 << QByteArray("header_too_large");
        QByteArray many = "GET / HTTP/1.1\r\nHost: t\r\n";
        for (int i = 0; i < 12; ++i)
            many += "X-" + QByteArray::number(i) + ": v\r\n";
        QTest::newRow("header count") << many + "\r\n" << 431 << QByteArray("header_too_large");
        QTest::newRow("target") << "GET /" + QByteArray(3000, 'a') + " HTTP/1.1\r\nHost: t\r\n\r\n"
                                << 414 << QByteArray("target_too_long");
        QTest::newRow("content-length body")
            << QByteArray("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 101\r\n\r\n") << 413
            << QByteArray("body_too_large");
        QTest::newRow("chunked body")
            << "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
               "80\r\n" +
                   QByteArray(128, 'b') + "\r\n0\r\n\r\n"
            << 413 << QByteArray("body_too_large");
        QTest::newRow("CL+TE smuggling")
            << QByteArray("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: "
                          "t\r\n\r\n")
            << 400 << QByteArray("bad_request");
        QTest::newRow("space in header name")
            << QByteArray("GET / HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n") << 400
            << QByteArray("bad_request");
        QTest::newRow("obs-fold") << QByteArray(
                                         "GET / HTTP/1.1\r\nHost: t\r\nX-A: a\r\n  folded\r\n\r\n")
                                  << 400 << QByteArray("bad_request");
        QTest::newRow("bad chunk size")
            << QByteArray("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
            << 400 << QByteArray("bad_request");
    }
    void limits() {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        QFETCH(QByteArray, reason);
        ScriptedUpstream up(ScriptedUpstream::answerEachRequest());
        Config c = testConfig(up.url());
        c.server.limits.maxHeaderBytes = 2048;
        c.server.limits.maxHeaderCount = 10;
        c.server.limits.maxBodyBytes = 100;
        Gateway gw;
        QVERIFY(gw.start(c));
        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        client.send(request);
        const auto r = client.readResponse();
        QVERIFY(r);
        QCOMPARE(r->status, status);
        QVERIFY2(r->body.contains(reason), r->body.constData());
        QVERIFY(client.waitForClosed());
        // Nothing of a refused request reaches the upstream (chunked: it may have started).
        if (!request.contains("chunked\r\n\r\n80") && !request.contains("\r\n\r\nzz"))
            QVERIFY(up.connections().isEmpty());
    }

    // The one timeout on the real clock, end to end: the worker's own sweeps cut it.
    // tst_deadlines tests every deadline at its exact bound on a ManualClock.
    void headerTimeoutIs408() {
        Config c = testConfig(echoUrl());
        c.server.limits.headerTimeoutMs = 300;
        Gateway gw;
        QVERIFY(gw.start(c));
        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        client.send("GET / HTTP/1.1\r\nHost: t\r\nX-Slow");
        const auto r = client.readResponse();
        QVERIFY(r);
        QCOMPARE(r->status, 408);
        QVERIFY(client.waitForClosed());
    }

    // The refused client gets its 503 whether it waits or has already sent a request (even an
    // upload): the refusal must not be lost to a reset from unread bytes.
    void maxConnectionsAnswers503_data() {
        QTest::addColumn<QByteArray>("sentFirst");
        QTest::newRow("nothing sent") << QByteArray();
        QTest::newRow("a request") << QByteArray("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        QTest::newRow("an upload") << QByteArray("POST / HTTP/1.1\r\nHost: t\r\n"
                                                 "Content-Length: 200000\r\n\r\n") +
                                          QByteArray(200000, 'u');
    }
    void maxConnectionsAnswers503() {
        QFETCH(QByteArray, sentFirst);
        Config c = testConfig(echoUrl());
        c.server.limits.maxConnections = 1;
        Gateway gw;
        QVERIFY(gw.start(c));
        RawClient first;
        QVERIFY(first.connectTo(gw.port()));
        first.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
        QVERIFY(first.readResponse());
        RawClient second;
        QVERIFY(second.connectTo(gw.port()));
        if (!sentFirst.isEmpty())
            second.send(sentFirst);
        const auto r = second.readResponse();
        QVERIFY(r);
        QCOMPARE(r->status, 503);
        QVERIFY(r->body.contains("too_many_connections"));
    }

    void clientDisconnectMidBodyAbortsUpstream() {
        ScriptedUpstream up;
        Gateway gw;
        QVERIFY(gw.start(testConfig(up.url())));
        {
            RawClient client;
            QVERIFY(client.connectTo(gw.port()));
            client.send("PUT /big HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n" +
                        QByteArray(1000, 'x'));
            QVERIFY(waitFor([&] {
                return !up.connections().isEmpty() && up.connections()[0].received.endsWith("xxxx");
            }));
            client.socket().abort();
        }
        QVERIFY(waitFor([&] { return up.connections()[0].closedByPeer; }));
        const auto events = publishedEvents(gw.events, 1);
        QCOMPARE(events.size(), 1);
        const RequestEvent &event = events.first();
        QCOMPARE(reasonId(event.reason), QByteArray("client_disconnected"));
        QCOMPARE(event.status, 0);
    }

    void singleAcceptorServesAllWorkers() {
        Config c = testConfig(echoUrl());
        c.server.reusePort = false;
        c.server.workers = 2;
        Gateway gw;
        QVERIFY(gw.start(c));
        QSet<int> workers;
        for (int i = 0; i < 4; ++i) {
            RawClient client;
            QVERIFY(client.connectTo(gw.port()));
            client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
            const auto r = client.readResponse();
            QVERIFY(r);
            QCOMPARE(r->status, 200);
        }
        const auto events = publishedEvents(gw.events, 4);
        QCOMPARE(events.size(), 4);
        for (const RequestEvent &e : events)
            workers.insert(e.worker);
        QCOMPARE(workers.size(), 2); // dealt in turn
    }

    void eventDescribesRequest() {
        Gateway gw;
        QVERIFY(gw.start(testConfig(echoUrl())));
        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        client.send("POST /e?x=1 HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc");
        const auto r = client.readResponse();
        QVERIFY(r);
        const auto events = publishedEvents(gw.events, 1);
        QCOMPARE(events.size(), 1);
        const RequestEvent &e = events.first();
        QCOMPARE(e.method, QByteArray("POST"));
        QCOMPARE(e.target, QByteArray("/e?x=1"));
        QCOMPARE(e.status, 200);
        QCOMPARE(e.requestBodyBytes, 3);
        QCOMPARE(e.responseBodyBytes, r->body.size());
        QVERIFY(e.upstreamUs >= 0);
        QCOMPARE(gw.events.snapshot().size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestProxy)
#include "tst_proxy.moc"
