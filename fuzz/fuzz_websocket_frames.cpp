// SPDX-License-Identifier: Apache-2.0
// A peer's WebSocket bytes into WebSocketFrames, as the tunnel follows them to put a close
// frame between two frames. Checked against a reading of RFC 6455 section 5.2 written apart
// (whole buffer, frame by frame): the frame ends found are the same whole or cut at random
// points, untilFrameEnd() never runs past one, and a close frame is itself one whole frame.
#include "core/http/websocketframes.h"
#include "fuzz/fuzzsupport.h"

using namespace Tokengate;
using namespace Tokengate::Fuzz;

namespace {

// Offsets just past each complete frame of `stream`.
QList<qsizetype> referenceEnds(QByteArrayView stream) {
    QList<qsizetype> ends;
    quint64 at = 0;
    const auto size = quint64(stream.size());
    while (at + 2 <= size) {
        const auto b1 = uchar(stream[qsizetype(at + 1)]);
        const quint64 len7 = b1 & 0x7f;
        const quint64 extended = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
        const quint64 header = 2 + extended + ((b1 & 0x80) ? 4 : 0);
        if (at + header > size)
            break;
        quint64 payload = len7;
        if (extended) {
            payload = 0;
            for (quint64 i = 0; i < extended; ++i)
                payload = (payload << 8) | uchar(stream[qsizetype(at + 2 + i)]);
        }
        if (payload > size - at - header)
            break;
        at += header + payload;
        ends.append(qsizetype(at));
    }
    return ends;
}

QList<qsizetype> trackedEnds(QByteArrayView stream, const QList<qsizetype> &cuts) {
    WebSocketFrames tracker;
    QList<qsizetype> ends;
    qsizetype from = 0;
    for (qsizetype i = 0; i <= cuts.size(); ++i) {
        const qsizetype to = i < cuts.size() ? cuts[i] : stream.size();
        qsizetype at = from;
        while (at < to) {
            const QByteArrayView rest = stream.sliced(at, to - at);
            const qsizetype ahead = tracker.untilFrameEnd(rest);
            FUZZ_CHECK(ahead >= 0 && ahead <= rest.size(), "untilFrameEnd out of range");
            const qsizetype took = tracker.consume(rest, true);
            FUZZ_CHECK(took > 0, "no progress");
            if (ahead > 0)
                FUZZ_CHECK(took == ahead, "untilFrameEnd disagrees with consume");
            at += took;
            if (tracker.betweenFrames())
                ends.append(at);
        }
        from = to;
    }
    return ends;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArrayView input = bytes(data, size);
    InputRandom random(input);
    const QList<qsizetype> expected = referenceEnds(input);
    FUZZ_CHECK(trackedEnds(input, {}) == expected, "whole stream");
    FUZZ_CHECK(trackedEnds(input, randomCuts(input.size(), random)) == expected, "cut stream");
    const QByteArray close = WebSocketFrames::closeFrame(
        quint16(random.next()), input.first(qMin<qsizetype>(size, 200)), random.chance(50));
    FUZZ_CHECK(referenceEnds(close) == QList<qsizetype>{close.size()}, "close frame not whole");
    FUZZ_CHECK(close.size() <= 2 + 4 + 125, "close frame too long");
    return 0;
}
