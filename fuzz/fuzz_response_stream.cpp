// SPDX-License-Identifier: Apache-2.0
// An upstream's byte stream through ResponseParser, as UpstreamConnection reads it: answers to
// GET or HEAD one after the other on a kept-alive connection, interim 1xx answers, 204/304,
// Content-Length, chunked bodies with trailers, close-delimited bodies ended by EOF. Fed whole
// and cut at random points, the answers must be the same; each must hold what the client side
// relies on (no body where none may be, a body of the announced length, framing it can write).
// Some requests ask to switch to WebSocket: a 101 then ends the parse, and every byte after its
// head, however the input was cut, is the tunnel's.
#include "core/http/hopbyhop.h"
#include "core/http/responseparser.h"
#include "fuzz/fuzzsupport.h"

using namespace Tokengate;
using namespace Tokengate::Fuzz;

namespace {

struct Answer {
    ResponseHead head;
    bool toHead = false;
    bool upgrade = false;
    QByteArray body;
    bool complete = false;
};

class Recorder : public ResponseParser::Sink {
public:
    QList<Answer> answers;
    bool expecting = false; // a request was sent and its answer has not begun
    bool toHead = false;
    bool upgrade = false;

    void onResponseHead(ResponseHead head) override {
        FUZZ_CHECK(expecting, "a head nobody asked for");
        expecting = false;
        answers.append({std::move(head), toHead, upgrade, {}, false});
    }
    void onResponseBody(QByteArrayView chunk) override {
        FUZZ_CHECK(!answers.isEmpty() && !answers.last().complete, "body outside an answer");
        FUZZ_CHECK(!chunk.isEmpty(), "empty body piece");
        answers.last().body.append(chunk);
    }
    void onResponseComplete() override {
        FUZZ_CHECK(!answers.isEmpty() && !answers.last().complete, "completion outside one");
        answers.last().complete = true;
    }
};

struct Outcome {
    QByteArray log;
    QList<Answer> answers;
};

// One bit per request: whether it was a HEAD; and whether it asked to upgrade.
Outcome read(QByteArrayView input, const QList<qsizetype> &cuts, quint64 headBits,
             quint64 upgradeBits, const HttpLimits &limits) {
    Recorder sink;
    ResponseParser parser(limits, sink);
    Outcome out;
    int requests = 0;
    auto expect = [&] {
        sink.toHead = (headBits >> (requests % 64)) & 1;
        sink.upgrade = (upgradeBits >> (requests++ % 64)) & 1;
        sink.expecting = true;
        parser.expectResponse(sink.toHead, sink.upgrade ? "websocket" : "");
    };
    expect();
    qsizetype from = 0;
    bool failed = false;
    for (qsizetype i = 0; i <= cuts.size() && !failed; ++i) {
        const qsizetype to = i < cuts.size() ? cuts[i] : input.size();
        QByteArrayView piece = input.sliced(from, to - from);
        from = to;
        while (!piece.isEmpty()) {
            const MessageParser::Result r = parser.feed(piece);
            FUZZ_CHECK(r.consumed >= 0 && r.consumed <= piece.size(), "consumed out of range");
            if (r.status == MessageParser::Status::Error) {
                out.log += "error " + QByteArray::number(httpStatus(parser.error().reason)) + ' ' +
                           reasonId(parser.error().reason) + '\n';
                failed = true;
                break;
            }
            FUZZ_CHECK(r.status != MessageParser::Status::HeadComplete, "responses never pause");
            if (r.status == MessageParser::Status::Switched) {
                FUZZ_CHECK(sink.upgrade && sink.answers.last().head.status == 101,
                           "switched without a 101 to an upgrade");
                out.log += "switched, then " + piece.sliced(r.consumed).toByteArray() +
                           input.sliced(from).toByteArray() + '\n';
                failed = true;
                break;
            }
            if (r.status == MessageParser::Status::NeedMore) {
                FUZZ_CHECK(r.consumed == piece.size(), "NeedMore with bytes left");
                break;
            }
            // A kept-alive connection takes the next request; the rest is its answer.
            if (!sink.answers.last().head.keepAlive) {
                out.log += "closed after answer\n";
                failed = true;
                break;
            }
            expect();
            piece = piece.sliced(r.consumed);
        }
    }
    if (!failed)
        out.log += parser.finishAtEof() ? "eof ends the answer\n" : "eof\n";
    out.answers = sink.answers;
    for (const Answer &a : std::as_const(out.answers)) {
        out.log += QByteArray::number(a.head.status) + ' ' + a.head.reason + " 1." +
                   QByteArray::number(a.head.versionMinor) + (a.head.keepAlive ? " keep" : "") +
                   (a.head.chunked ? " chunked" : "") +
                   " cl=" + QByteArray::number(a.head.contentLength) +
                   (a.head.mayHaveBody ? "" : " none") + '\n';
        a.head.headers.serializeTo(out.log);
        out.log += "body " + a.body.toPercentEncoding() + (a.complete ? " complete\n" : "\n");
    }
    return out;
}

void check(const Answer &a, qsizetype inputSize) {
    const ResponseHead &h = a.head;
    FUZZ_CHECK((h.status >= 200 && h.status <= 999) || (h.status == 101 && a.upgrade),
               QByteArray::number(h.status));
    if (h.status == 101)
        FUZZ_CHECK(a.body.isEmpty() && !a.complete && !h.keepAlive, "a 101 framed as a message");
    FUZZ_CHECK(!h.reason.contains('\r') && !h.reason.contains('\n'), h.reason);
    FUZZ_CHECK(hasOnlyChunkedCoding(h.headers), "a coding other than chunked");
    for (const HeaderField &f : h.headers.fields())
        FUZZ_CHECK(!f.value.contains('\r') && !f.value.contains('\n') && !f.value.contains('\0'),
                   f.value.toByteArray().toPercentEncoding());
    const bool bodiless = a.toHead || h.status == 101 || h.status == 204 || h.status == 304;
    FUZZ_CHECK(h.mayHaveBody == !bodiless, "mayHaveBody");
    if (!h.mayHaveBody)
        FUZZ_CHECK(a.body.isEmpty(), "a body where none may be");
    FUZZ_CHECK(a.body.size() <= inputSize, "body longer than the input");
    // The client side writes Content-Length from this, or chunked: it must be the body's.
    if (a.complete && h.mayHaveBody && !h.chunked && h.contentLength >= 0)
        FUZZ_CHECK(a.body.size() == h.contentLength, "body of another length than announced");
    FUZZ_CHECK(!h.keepAlive || h.chunked || h.contentLength >= 0 || !h.mayHaveBody,
               "kept alive without framing");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArrayView input = bytes(data, size);
    InputRandom random(input);
    HttpLimits limits;
    if (random.chance(30)) {
        limits.maxHeaderBytes = 64 + random.below(512);
        limits.maxHeaderCount = 1 + int(random.below(8));
    }
    // Mostly GETs, so that answers with bodies are common.
    quint64 headBits = random.next() & random.next() & random.next();
    quint64 upgradeBits = random.next() & random.next();

    const Outcome whole = read(input, {}, headBits, upgradeBits, limits);
    const Outcome cut =
        read(input, randomCuts(input.size(), random), headBits, upgradeBits, limits);
    FUZZ_CHECK(whole.log == cut.log, "whole:\n" + whole.log + "\ncut:\n" + cut.log);
    for (const Answer &a : whole.answers)
        check(a, input.size());
    return 0;
}
