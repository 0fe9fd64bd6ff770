// SPDX-License-Identifier: Apache-2.0
// ResponseParser on raw upstream bytes: framing (Content-Length, chunked, close-delimited,
// HEAD/204/304 without body), interim 1xx responses skipped, keep-alive, malformed input.
#include "core/http/responseparser.h"

#include "core/base/reason.h"

#include <QTest>

using namespace Tokengate;

using Status = MessageParser::Status;

namespace {

// Records what the parser reports, and any callback arriving out of order.
class Collector : public ResponseParser::Sink {
public:
    QList<ResponseHead> heads;
    QByteArray body;
    int completions = 0;
    QStringList violations;

    void onResponseHead(ResponseHead head) override {
        if (heads.size() != completions)
            violations << QStringLiteral("head before the previous response completed");
        heads.append(std::move(head));
    }
    void onResponseBody(QByteArrayView chunk) override {
        if (heads.size() != completions + 1)
            violations << QStringLiteral("body outside a response");
        body.append(chunk);
    }
    void onResponseComplete() override {
        if (heads.size() != completions + 1)
            violations << QStringLiteral("completion outside a response");
        ++completions;
    }
};

struct FeedOutcome {
    Status last = Status::NeedMore;
    qsizetype consumed = 0;
};

// Feeds `data` in pieces of `pieceSize` bytes (all at once when <= 0) until the response
// completes, fails or the bytes run out.
FeedOutcome feedResponse(ResponseParser &parser, QByteArrayView data, qsizetype pieceSize) {
    FeedOutcome out;
    if (pieceSize <= 0)
        pieceSize = qMax<qsizetype>(1, data.size());
    while (out.consumed < data.size()) {
        const QByteArrayView piece =
            data.sliced(out.consumed, qMin(pieceSize, data.size() - out.consumed));
        const MessageParser::Result r = parser.feed(piece);
        out.last = r.status;
        out.consumed += r.consumed;
        if (r.status != Status::NeedMore)
            break;
    }
    return out;
}

QByteArray serialized(const HeaderMap &h) {
    QByteArray out;
    h.serializeTo(out);
    return out;
}

} // namespace

class TestResponseParser : public QObject {
    Q_OBJECT

private:
    void checkResponse(qsizetype pieceSize) {
        QFETCH(QByteArray, input);
        QFETCH(bool, toHead);
        QFETCH(int, status);
        QFETCH(QByteArray, reason);
        QFETCH(QByteArray, headers);
        QFETCH(QByteArray, body);
        QFETCH(bool, keepAlive);
        QFETCH(bool, chunked);
        QFETCH(qint64, contentLength);
        QFETCH(bool, mayHaveBody);
        QFETCH(bool, completes);
        QFETCH(bool, completesAtEof);

        const HttpLimits limits;
        Collector sink;
        ResponseParser parser(limits, sink);
        parser.expectResponse(toHead);
        QVERIFY(!parser.startedResponse());

        const FeedOutcome fed = feedResponse(parser, input, pieceSize);
        QVERIFY2(fed.last != Status::Error, parser.error().message.constData());
        QVERIFY(parser.startedResponse());
        // RFC 9112 section 6.3: a 204 or 304 ends with its header section whatever
        // Content-Length says; llhttp 8 only knows that when told to skip the body.
        QCOMPARE(fed.last, completes ? Status::MessageComplete : Status::NeedMore);
        QCOMPARE(fed.consumed, input.size());
        QCOMPARE(sink.heads.size(), 1);
        QCOMPARE(sink.completions, completes ? 1 : 0);

        const ResponseHead &head = sink.heads.first();
        QCOMPARE(head.status, status);
        QCOMPARE(head.reason, reason);
        QCOMPARE(serialized(head.headers), headers);
        QCOMPARE(head.keepAlive, keepAlive);
        QCOMPARE(head.chunked, chunked);
        QCOMPARE(head.contentLength, contentLength);
        QCOMPARE(head.mayHaveBody, mayHaveBody);
        QCOMPARE(sink.body, body);

        if (!completes) {
            // The upstream closes the connection now.
            QCOMPARE(parser.finishAtEof(), completesAtEof);
            QCOMPARE(sink.completions, completesAtEof ? 1 : 0);
            QCOMPARE(sink.body, body);
        }
        QCOMPARE(sink.violations, QStringList());
    }

private slots:
    void responses_data() {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<bool>("toHead");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("reason");
        QTest::addColumn<QByteArray>("headers"); // as serializeTo writes them
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<bool>("keepAlive");
        QTest::addColumn<bool>("chunked");
        QTest::addColumn<qint64>("contentLength");
        QTest::addColumn<bool>("mayHaveBody");
        QTest::addColumn<bool>("completes"); // feed reports MessageComplete
        // finishAtEof() after the bytes of a response feed did not complete
        QTest::addColumn<bool>("completesAtEof");

        QTest::newRow("Content-Length body")
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello") << false << 200
            << QByteArray("OK") << QByteArray("Content-Length: 5\r\n") << QByteArray("hello")
            << true << false << qint64(5) << true << true << true;
        QTest::newRow("Content-Length 0")
            << QByteArray("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n") << false << 404
            << QByteArray("Not Found") << QByteArray("Content-Length: 0\r\n") << QByteArray()
            << true << false << qint64(0) << true << true << true;
        QTest::newRow("chunked body")
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n")
            << false << 200 << QByteArray("OK") << QByteArray("Transfer-Encoding: chunked\r\n")
            << QByteArray("hello world") << true << true << qint64(-1) << true << true << true;
        QTest::newRow("close-delimited body")
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close") << false
            << 200 << QByteArray("OK") << QByteArray("Content-Type: text/plain\r\n")
            << QByteArray("until close") << false << false << qint64(-1) << true << false << true;
        QTest::newRow("close-delimited HTTP/1.0 body")
            << QByteArray("HTTP/1.0 200 OK\r\n\r\nold") << false << 200 << QByteArray("OK")
            << QByteArray() << QByteArray("old") << false << false << qint64(-1) << true << false
            << true;
        // Found by fuzz/fuzz_response_stream: llhttp skips CR bytes before the status line one
        // by one, and the raw scan took "\r\rHTTP/1.0 ..." for a line still before it, so the
        // body's indented line read as a folded header line when the answer arrived whole.
        QTest::newRow("bare CRs before the status line")
            << QByteArray("\r\rHTTP/1.0 200 OK\r\n\r\nline\r\n indented\r\n") << false << 200
            << QByteArray("OK") << QByteArray() << QByteArray("line\r\n indented\r\n") << false
            << false << qint64(-1) << true << false << true;
        QTest::newRow("close-delimited empty body")
            << QByteArray("HTTP/1.1 200 OK\r\nServer: x\r\n\r\n") << false << 200
            << QByteArray("OK") << QByteArray("Server: x\r\n") << QByteArray() << false << false
            << qint64(-1) << true << false << true;
        QTest::newRow("truncated Content-Length body")
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello") << false << 200
            << QByteArray("OK") << QByteArray("Content-Length: 10\r\n") << QByteArray("hello")
            << true << false << qint64(10) << true << false << false;
        QTest::newRow("truncated chunked body")
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel") << false
            << 200 << QByteArray("OK") << QByteArray("Transfer-Encoding: chunked\r\n")
            << QByteArray("hel") << true << true << qint64(-1) << true << false << false;
        QTest::newRow("chunked body without last chunk")
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n")
            << false << 200 << QByteArray("OK") << QByteArray("Transfer-Encoding: chunked\r\n")
            << QByteArray("ab") << true << true << qint64(-1) << true << false << false;
        QTest::newRow("HEAD response with Content-Length")
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n") << true << 200
            << QByteArray("OK") << QByteArray("Content-Length: 5\r\n") << QByteArray() << true
            << false << qint64(5) << false << true << true;
        QTest::newRow("HEAD response with chunked")
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n") << true << 200
            << QByteArray("OK") << QByteArray("Transfer-Encoding: chunked\r\n") << QByteArray()
            << true << true << qint64(-1) << false << true << true;
        QTest::newRow("HEAD response without framing fields")
            << QByteArray("HTTP/1.1 200 OK\r\nETag: \"v1\"\r\n\r\n") << true << 200
            << QByteArray("OK") << QByteArray("ETag: \"v1\"\r\n") << QByteArray() << true << false
            << qint64(-1) << false << true << true;
        QTest::newRow("204 No Content")
            << QByteArray("HTTP/1.1 204 No Content\r\n\r\n") << false << 204
            << QByteArray("No Content") << QByteArray() << QByteArray() << true << false
            << qint64(-1) << false << true << true;
        QTest::newRow("304 with Content-Length has no body")
            << QByteArray("HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\nContent-Length: 5\r\n\r\n")
            << false << 304 << QByteArray("Not Modified")
            << QByteArray("ETag: \"x\"\r\nContent-Length: 5\r\n") << QByteArray() << true << false
            << qint64(5) << false << true << true;
        QTest::newRow("204 with Content-Length has no body")
            << QByteArray("HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n") << false << 204
            << QByteArray("No Content") << QByteArray("Content-Length: 3\r\n") << QByteArray()
            << true << false << qint64(3) << false << true << true;
        QTest::newRow("100 Continue skipped")
            << QByteArray("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: "
                          "2\r\n\r\nok")
            << false << 200 << QByteArray("OK") << QByteArray("Content-Length: 2\r\n")
            << QByteArray("ok") << true << false << qint64(2) << true << true << true;
        QTest::newRow("103 with headers and 100 skipped")
            << QByteArray("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
                          "HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n"
                          "HTTP/1.1 201 Created\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n")
            << false << 201 << QByteArray("Created")
            << QByteArray("Location: /x\r\nContent-Length: 0\r\n") << QByteArray() << true << false
            << qint64(0) << true << true << true;
        QTest::newRow("HTTP/1.0 without keep-alive")
            << QByteArray("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok") << false << 200
            << QByteArray("OK") << QByteArray("Content-Length: 2\r\n") << QByteArray("ok") << false
            << false << qint64(2) << true << true << true;
        QTest::newRow("HTTP/1.0 with keep-alive")
            << QByteArray("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: "
                          "2\r\n\r\nok")
            << false << 200 << QByteArray("OK")
            << QByteArray("Connection: keep-alive\r\nContent-Length: 2\r\n") << QByteArray("ok")
            << true << false << qint64(2) << true << true << true;
        QTest::newRow("HTTP/1.1 Connection: close")
            << QByteArray("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
            << false << 200 << QByteArray("OK")
            << QByteArray("Connection: close\r\nContent-Length: 2\r\n") << QByteArray("ok") << false
            << false << qint64(2) << true << true << true;
        QTest::newRow("header case and duplicates kept")
            << QByteArray("HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nX-Y:  "
                          "padded \r\nContent-Length: 0\r\n\r\n")
            << false << 200 << QByteArray("OK")
            << QByteArray("Set-Cookie: a=1\r\nset-cookie: b=2\r\nX-Y: padded\r\nContent-Length: "
                          "0\r\n")
            << QByteArray() << true << false << qint64(0) << true << true << true;
        QTest::newRow("empty reason phrase")
            << QByteArray("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n") << false << 200
            << QByteArray() << QByteArray("Content-Length: 0\r\n") << QByteArray() << true << false
            << qint64(0) << true << true << true;
        QTest::newRow("informational Upgrade on a 200")
            << QByteArray("HTTP/1.1 200 OK\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n"
                          "Content-Length: 2\r\n\r\nok")
            << false << 200 << QByteArray("OK")
            << QByteArray("Upgrade: h2c\r\nConnection: Upgrade\r\nContent-Length: 2\r\n")
            << QByteArray("ok") << true << false << qint64(2) << true << true << true;
    }
    void responses() { checkResponse(0); }
    void responsesByteByByte_data() { responses_data(); }
    void responsesByteByByte() { checkResponse(1); }

    // Whatever is wrong and wherever the bytes are split, a malformed answer is one refusal:
    // 502 upstream_bad_response (the client's side of the exchange depends on it).
    void malformed_data() {
        QTest::addColumn<QByteArray>("input");

        QTest::newRow("status code not a number") << QByteArray("HTTP/1.1 abc OK\r\n\r\n");
        QTest::newRow("not HTTP") << QByteArray("garbage\r\n\r\n");
        QTest::newRow("missing status code") << QByteArray("HTTP/1.1\r\n\r\n");
        // Found by fuzz/fuzz_response_stream: llhttp reads no digits as status 0, which the
        // client would then receive as "HTTP/1.1 0".
        QTest::newRow("status code empty") << QByteArray("HTTP/1.1 \r\n\r\n");
        QTest::newRow("status code empty, leading empty lines")
            << QByteArray("\r\n\r\nHTTP/1.1 \r\nContent-Length: 0\r\n\r\n");
        QTest::newRow("status code 099") << QByteArray("HTTP/1.1 099 Low\r\n\r\n");
        QTest::newRow("four-digit status") << QByteArray("HTTP/1.1 2000 OK\r\n\r\n");
        QTest::newRow("101 Switching Protocols")
            << QByteArray("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                          "Connection: Upgrade\r\n\r\n");
        QTest::newRow("space inside a header name")
            << QByteArray("HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 0\r\n\r\n");
        QTest::newRow("empty header field name")
            << QByteArray("HTTP/1.1 200 OK\r\n: x\r\nContent-Length: 0\r\n\r\n");
        QTest::newRow("two different Content-Length")
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab");
        QTest::newRow("bad chunk size")
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n");
        // Re-chunked, the body would reach the client without its gzip coding named.
        QTest::newRow("transfer coding other than chunked")
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n");
        QTest::newRow("obs-fold continuation line")
            << QByteArray("HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nContent-Length: 0\r\n\r\n");
        QTest::newRow("obs-fold after an interim response")
            << QByteArray("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nX-A: 1\r\n "
                          "folded\r\nContent-Length: 0\r\n\r\n");
        // Found by fuzz/fuzz_response_stream: whole, the folded line was seen before llhttp
        // refused the status line, and the refusal was the request side's 400.
        QTest::newRow("garbage status line, then a folded line") << QByteArray("*\n\t]");
        QTest::newRow("header section too large")
            << QByteArray("HTTP/1.1 200 OK\r\nX-Big: " + QByteArray(70000, 'v') + "\r\n\r\n");
        // llhttp skips empty lines before the status line: they must not read as the end of the
        // header section, or nothing after them would be counted or checked.
        QTest::newRow("header section too large after leading empty lines") << QByteArray(
            "\r\n\r\nHTTP/1.1 200 OK\r\nX-Big: " + QByteArray(70000, 'v') + "\r\n\r\n");
        QTest::newRow("status line too large after a leading LF")
            << QByteArray("\n\nHTTP/1.1 200 " + QByteArray(70000, 'r') + "\r\n\r\n");
        QTest::newRow("Content-Length 2^53")
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 9007199254740992\r\n\r\n");
        QTest::newRow("trailer section too large")
            << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Big: " +
                          QByteArray(70000, 'v') + "\r\n\r\n");
        QTest::newRow("obs-fold after leading empty lines")
            << QByteArray("\r\n\r\nHTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n"
                          "Content-Length: 0\r\n\r\n");
    }
    void malformed() {
        QFETCH(QByteArray, input);

        for (const qsizetype pieceSize : {qsizetype(1), qsizetype(7), qsizetype(0)}) {
            const HttpLimits limits;
            Collector sink;
            ResponseParser parser(limits, sink);
            parser.expectResponse(false);
            const FeedOutcome fed = feedResponse(parser, input, pieceSize);
            QCOMPARE(fed.last, Status::Error);
            QCOMPARE(parser.error().reason, Reason::UpstreamBadResponse);
            QCOMPARE(httpStatus(parser.error().reason), 502);
            QVERIFY(!parser.error().message.isEmpty());
            QCOMPARE(sink.completions, 0);
        }
    }

    // After a complete response the parser stops; the next exchange on the same connection
    // starts with expectResponse().
    void keepAliveSequence() {
        const HttpLimits limits;
        Collector sink;
        ResponseParser parser(limits, sink);
        const QByteArray first = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none";
        const QByteArray second = "HTTP/1.1 204 No Content\r\n\r\n";
        const QByteArray third = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n";
        const QByteArray fourth = "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                                  "4\r\nfour\r\n0\r\n\r\n";
        const QByteArray all = first + second + third + fourth;
        QByteArrayView rest = all;

        parser.expectResponse(false);
        MessageParser::Result r = parser.feed(rest);
        QCOMPARE(r.status, Status::MessageComplete);
        QCOMPARE(r.consumed, first.size());
        QCOMPARE(sink.body, QByteArray("one"));
        rest = rest.sliced(r.consumed);

        parser.expectResponse(false);
        r = parser.feed(rest);
        QCOMPARE(r.status, Status::MessageComplete);
        QCOMPARE(r.consumed, second.size());
        rest = rest.sliced(r.consumed);

        parser.expectResponse(true); // answer to HEAD: Content-Length but no body
        r = parser.feed(rest);
        QCOMPARE(r.status, Status::MessageComplete);
        QCOMPARE(r.consumed, third.size());
        rest = rest.sliced(r.consumed);

        parser.expectResponse(false);
        r = parser.feed(rest);
        QCOMPARE(r.status, Status::MessageComplete);
        QCOMPARE(r.consumed, fourth.size());

        QCOMPARE(sink.heads.size(), 4);
        QCOMPARE(sink.heads.at(0).status, 200);
        QCOMPARE(sink.heads.at(1).status, 204);
        QCOMPARE(sink.heads.at(2).status, 200);
        QCOMPARE(sink.heads.at(2).mayHaveBody, false);
        QCOMPARE(sink.heads.at(3).status, 201);
        QCOMPARE(sink.heads.at(3).reason, QByteArray("Created"));
        QCOMPARE(sink.body, QByteArray("onefour"));
        QCOMPARE(sink.completions, 4);
        QCOMPARE(sink.violations, QStringList());
    }

    // A 304 that repeats the representation's Content-Length (RFC 9110 section 8.6 allows it)
    // on a keep-alive connection: the next response must not be read as its body.
    void notModifiedWithContentLengthOnKeepAlive() {
        const HttpLimits limits;
        Collector sink;
        ResponseParser parser(limits, sink);
        const QByteArray notModified =
            "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nContent-Length: 1234\r\n\r\n";
        const QByteArray next = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        const QByteArray all = notModified + next;

        parser.expectResponse(false);
        const MessageParser::Result r = parser.feed(all);
        QCOMPARE(r.status, Status::MessageComplete);
        QCOMPARE(r.consumed, notModified.size());
        QCOMPARE(sink.heads.size(), 1);
        QCOMPARE(sink.body, QByteArray());
        QCOMPARE(sink.completions, 1);

        parser.expectResponse(false);
        const MessageParser::Result r2 = parser.feed(QByteArrayView(all).sliced(r.consumed));
        QCOMPARE(r2.status, Status::MessageComplete);
        QCOMPARE(sink.heads.size(), 2);
        QCOMPARE(sink.heads.at(1).status, 200);
        QCOMPARE(sink.body, QByteArray("ok"));
    }

    void eofBeforeAnyByteIsNotAResponse() {
        const HttpLimits limits;
        Collector sink;
        ResponseParser parser(limits, sink);
        parser.expectResponse(false);
        QVERIFY(!parser.finishAtEof());
        QVERIFY(!parser.startedResponse());
        QCOMPARE(sink.heads.size(), 0);
    }

    void eofInsideTheHeadIsCutShort_data() {
        QTest::addColumn<QByteArray>("input");
        QTest::newRow("status line") << QByteArray("HTTP/1.1 200 O");
        QTest::newRow("header section") << QByteArray("HTTP/1.1 200 OK\r\nContent-Le");
        QTest::newRow("no empty line") << QByteArray("HTTP/1.1 200 OK\r\nServer: x\r\n");
        QTest::newRow("inside an interim response")
            << QByteArray("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200");
    }
    void eofInsideTheHeadIsCutShort() {
        QFETCH(QByteArray, input);
        const HttpLimits limits;
        Collector sink;
        ResponseParser parser(limits, sink);
        parser.expectResponse(false);
        const MessageParser::Result r = parser.feed(input);
        QCOMPARE(r.status, Status::NeedMore);
        QVERIFY(parser.startedResponse());
        QVERIFY(!parser.finishAtEof());
        QCOMPARE(sink.heads.size(), 0);
        QCOMPARE(sink.completions, 0);
    }
};

QTEST_APPLESS_MAIN(TestResponseParser)
#include "tst_responseparser.moc"
