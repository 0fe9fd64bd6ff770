// SPDX-License-Identifier: Apache-2.0
// Where each WebSocket frame ends, however the stream is cut: the gateway's close frame must
// go between two of a peer's frames, never inside one.
#include "core/http/websocketframes.h"

#include <QTest>

using namespace Tokengate;

namespace {

// A frame with a payload of `size` bytes, in the length encoding RFC 6455 5.2 asks for.
QByteArray frame(quint64 size, bool masked, char opcode = 0x2) {
    QByteArray f;
    f.append(char(0x80 | opcode));
    const char mask = masked ? char(0x80) : char(0);
    if (size < 126) {
        f.append(char(mask | char(size)));
    } else if (size < 65536) {
        f.append(char(mask | 126)).append(char(size >> 8)).append(char(size & 0xff));
    } else {
        f.append(char(mask | 127));
        for (int i = 7; i >= 0; --i)
            f.append(char((size >> (8 * i)) & 0xff));
    }
    if (masked)
        f.append("\x12\x34\x56\x78", 4);
    f.append(QByteArray(qsizetype(size), 'p'));
    return f;
}

} // namespace

class TestWebSocketFrames : public QObject {
    Q_OBJECT
private slots:
    void frameEndsFoundAtEveryCut_data() {
        QTest::addColumn<QList<QByteArray>>("frames");
        QTest::newRow("small") << QList<QByteArray>{frame(5, true), frame(0, false)};
        QTest::newRow("125, 126, 65535, 65536") << QList<QByteArray>{
            frame(125, false), frame(126, true), frame(65535, false), frame(65536, true)};
        QTest::newRow("control between fragments")
            << QList<QByteArray>{frame(3, true, 0x1), frame(2, true, 0x9), frame(0, true, 0x0)};
    }
    void frameEndsFoundAtEveryCut() {
        QFETCH(QList<QByteArray>, frames);
        QByteArray stream;
        QList<qsizetype> ends;
        for (const QByteArray &f : frames) {
            stream += f;
            ends.append(stream.size());
        }
        // Fed in pieces of every size up to 20 (and the whole), frame ends land exactly.
        for (qsizetype piece : {qsizetype(1), qsizetype(2), qsizetype(3), qsizetype(7),
                                qsizetype(20), stream.size()}) {
            WebSocketFrames tracker;
            QList<qsizetype> found;
            qsizetype at = 0;
            while (at < stream.size()) {
                const QByteArrayView next =
                    QByteArrayView(stream).sliced(at).first(std::min(piece, stream.size() - at));
                const qsizetype upTo = tracker.untilFrameEnd(next);
                QVERIFY(upTo <= next.size());
                const qsizetype took = tracker.consume(next, true);
                QCOMPARE(tracker.consume({}, true), 0);
                if (upTo > 0) // mid-frame: untilFrameEnd says what consume(…, true) takes
                    QCOMPARE(took, upTo);
                at += took;
                if (tracker.betweenFrames())
                    found.append(at);
            }
            QCOMPARE(found, ends);
        }
    }

    void closeFrames() {
        const QByteArray toClient = WebSocketFrames::closeFrame(1008, "token expired", false);
        QCOMPARE(toClient, QByteArray("\x88\x0f\x03\xf0token expired"));
        const QByteArray toServer = WebSocketFrames::closeFrame(1008, "token expired", true);
        QCOMPARE(toServer.size(), 2 + 4 + 15);
        QCOMPARE(uchar(toServer[1]), uchar(0x80 | 15));
        QByteArray payload = toServer.mid(6);
        for (qsizetype i = 0; i < payload.size(); ++i)
            payload[i] = char(payload[i] ^ toServer[2 + i % 4]);
        QCOMPARE(payload, QByteArray("\x03\xf0token expired"));
        // Both are whole frames to a tracker.
        WebSocketFrames tracker;
        QCOMPARE(tracker.consume(toServer), toServer.size());
        QVERIFY(tracker.betweenFrames());
        // A reason longer than a control frame allows is cut to fit (125 bytes of payload).
        QCOMPARE(WebSocketFrames::closeFrame(1000, QByteArray(300, 'r'), false).size(), 2 + 125);
    }
};

QTEST_GUILESS_MAIN(TestWebSocketFrames)
#include "tst_websocketframes.moc"
