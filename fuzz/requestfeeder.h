// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/http/requestparser.h"
#include "fuzz/fuzzsupport.h"

namespace Tokengate::Fuzz {

// A request as the connection receives it: its head, and the body bytes in pieces.
struct AcceptedRequest {
    RequestHead head;
    QList<QByteArray> bodyPieces; // as onRequestBody delivered them
    QByteArray body;
    bool complete = false;
};

// What RequestParser delivered for one client byte stream, with its callbacks' order checked.
class RequestRecorder : public RequestParser::Sink {
public:
    QList<AcceptedRequest> requests;

    void onRequestHead(RequestHead head) override {
        FUZZ_CHECK(requests.isEmpty() || requests.last().complete, "head inside a request");
        requests.append({std::move(head), {}, {}, false});
    }
    void onRequestBody(QByteArrayView chunk) override {
        FUZZ_CHECK(!requests.isEmpty() && !requests.last().complete, "body outside a request");
        FUZZ_CHECK(!chunk.isEmpty(), "empty body piece"); // framed upstream, it ends the body
        requests.last().bodyPieces.append(chunk.toByteArray());
        requests.last().body.append(chunk);
    }
    void onRequestComplete() override {
        FUZZ_CHECK(!requests.isEmpty() && !requests.last().complete, "completion outside one");
        requests.last().complete = true;
    }
};

struct FeedResult {
    bool error = false;
    MessageParser::Error parserError;
};

// Feeds `input` cut at `cuts` as HttpConnection::processInput does: each piece until it is
// consumed, the rest handed back after HeadComplete and MessageComplete, stopping at an error.
inline FeedResult feedLikeConnection(RequestParser &parser, QByteArrayView input,
                                     const QList<qsizetype> &cuts) {
    qsizetype from = 0;
    for (qsizetype i = 0; i <= cuts.size(); ++i) {
        const qsizetype to = i < cuts.size() ? cuts[i] : input.size();
        QByteArrayView piece = input.sliced(from, to - from);
        from = to;
        int stalls = 0;
        while (!piece.isEmpty()) {
            const MessageParser::Result r = parser.feed(piece);
            FUZZ_CHECK(r.consumed >= 0 && r.consumed <= piece.size(), "consumed out of range");
            if (r.status == MessageParser::Status::Error)
                return {true, parser.error()};
            FUZZ_CHECK(r.status != MessageParser::Status::NeedMore || r.consumed == piece.size(),
                       "NeedMore with bytes left");
            // A pause may consume nothing once (a head ending exactly at the cut); not twice.
            stalls = r.consumed == 0 ? stalls + 1 : 0;
            FUZZ_CHECK(stalls < 3, "the parser makes no progress");
            piece = piece.sliced(r.consumed);
        }
    }
    return {};
}

} // namespace Tokengate::Fuzz
