// SPDX-License-Identifier: Apache-2.0
// The client's byte stream through RequestParser, fed as HttpConnection feeds it (pipelined
// requests, pauses at the head and at the end of each message). Fed once whole and once cut at
// random points: the requests, their heads and bodies, and any refusal must not depend on where
// TCP split the bytes. Each request must also hold what the rest of the gateway relies on.
#include "core/http/hopbyhop.h"
#include "fuzz/requestfeeder.h"

using namespace Tokengate;
using namespace Tokengate::Fuzz;

namespace {

bool isTchar(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

// Limits chosen from the input, so that the fuzzer reaches every bound with short inputs.
HttpLimits limitsFor(InputRandom &random) {
    HttpLimits l;
    if (random.chance(30))
        l.maxHeaderBytes = 64 + random.below(512);
    if (random.chance(30))
        l.maxHeaderCount = 1 + int(random.below(8));
    if (random.chance(30))
        l.maxBodyBytes = random.below(64);
    return l;
}

QByteArray describe(const QList<AcceptedRequest> &requests, const FeedResult &result) {
    QByteArray out;
    for (const AcceptedRequest &r : requests) {
        out += r.head.method + ' ' + r.head.target + " 1." +
               QByteArray::number(r.head.versionMinor) + (r.head.keepAlive ? " keep" : " close") +
               (r.head.chunked ? " chunked" : "") +
               " cl=" + QByteArray::number(r.head.contentLength) +
               (r.head.expectsContinue ? " expect" : "") + '\n';
        r.head.headers.serializeTo(out);
        // How much of a body refused for its size got through first depends on where its
        // chunks were cut; never beyond the limit (checkRequest), and the request fails.
        const bool refusedMidBody = result.error && &r == &requests.last() && !r.complete;
        if (!refusedMidBody)
            out += "body " + QByteArray::number(r.body.size()) + ": " + r.body.toPercentEncoding();
        out += r.complete ? "\ncomplete\n" : "\nincomplete\n";
    }
    if (result.error)
        out += "error " + QByteArray::number(httpStatus(result.parserError.reason)) + ' ' +
               reasonId(result.parserError.reason) + ": " + result.parserError.message + '\n';
    return out;
}

void checkRequest(const AcceptedRequest &r, const HttpLimits &limits, qsizetype inputSize) {
    const RequestHead &h = r.head;
    FUZZ_CHECK(!h.method.isEmpty() && std::all_of(h.method.cbegin(), h.method.cend(), isTchar),
               h.method);
    FUZZ_CHECK(h.target == "*" || h.target.startsWith('/'), h.target);
    FUZZ_CHECK(std::all_of(h.target.cbegin(), h.target.cend(),
                           [](char c) { return c > 0x20 && c < 0x7f; }),
               h.target);
    FUZZ_CHECK(h.versionMinor == 0 || h.versionMinor == 1, "version");
    FUZZ_CHECK(!(h.chunked && h.contentLength >= 0), "both chunked and Content-Length");
    FUZZ_CHECK(!h.expectsContinue || (h.versionMinor == 1 && h.hasBody()), "expect");
    // An absolute-form target's authority is added as Host beyond the client's fields.
    FUZZ_CHECK(h.headers.size() <= limits.maxHeaderCount + 1, "header count");
    FUZZ_CHECK(h.headers.count("Host") <= 1, "several Host fields");
    FUZZ_CHECK(h.versionMinor == 0 || h.headers.count("Host") == 1, "HTTP/1.1 without Host");
    FUZZ_CHECK(hasOnlyChunkedCoding(h.headers), "a coding other than chunked");
    for (const HeaderField &f : h.headers.fields()) {
        FUZZ_CHECK(!f.name.isEmpty() && std::all_of(f.name.begin(), f.name.end(), isTchar),
                   f.name.toByteArray());
        // A CR, LF or NUL in a value would split or cut the field where it is forwarded.
        FUZZ_CHECK(!f.value.contains('\r') && !f.value.contains('\n') && !f.value.contains('\0'),
                   f.value.toByteArray().toPercentEncoding());
        FUZZ_CHECK(!f.value.endsWith(' ') && !f.value.endsWith('\t'), "untrimmed value");
    }
    FUZZ_CHECK(r.body.size() <= inputSize, "body longer than the input");
    FUZZ_CHECK(limits.maxBodyBytes < 0 || r.body.size() <= limits.maxBodyBytes, "body limit");
    if (r.complete && !h.chunked)
        FUZZ_CHECK(r.body.size() == qMax<qint64>(h.contentLength, 0),
                   "Content-Length body of another length");
    if (!h.hasBody())
        FUZZ_CHECK(r.body.isEmpty(), "a body without framing");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArrayView input = bytes(data, size);
    InputRandom random(input);
    const HttpLimits limits = limitsFor(random);

    RequestRecorder whole;
    RequestParser wholeParser(limits, whole);
    const FeedResult wholeResult = feedLikeConnection(wholeParser, input, {});

    RequestRecorder pieces;
    RequestParser piecesParser(limits, pieces);
    const FeedResult piecesResult =
        feedLikeConnection(piecesParser, input, randomCuts(input.size(), random));

    const QByteArray a = describe(whole.requests, wholeResult);
    const QByteArray b = describe(pieces.requests, piecesResult);
    FUZZ_CHECK(a == b, "whole:\n" + a + "\ncut:\n" + b);

    for (const AcceptedRequest &r : std::as_const(whole.requests))
        checkRequest(r, limits, input.size());
    if (wholeResult.error) {
        const MessageParser::Error &e = wholeResult.parserError;
        const int status = httpStatus(e.reason);
        FUZZ_CHECK(status >= 400 && status <= 599 && status != 500, QByteArray::number(status));
        FUZZ_CHECK(e.reason != Reason::None && !e.message.isEmpty(), e.message);
    }
    return 0;
}
