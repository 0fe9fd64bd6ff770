// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace Tokengate {

// Follows one direction of a WebSocket (RFC 6455 section 5.2) only as far as where each frame
// ends, so that the gateway can put a frame of its own (a close) between two of the peer's
// without cutting one. Payloads are skipped, never read or unmasked.
class WebSocketFrames {
public:
    // Takes the next bytes of the stream; with `stopAtFrameEnd`, stops right after the frame
    // in progress ends. Returns how many were taken.
    qsizetype consume(QByteArrayView data, bool stopAtFrameEnd = false);
    // How many of `data` (the stream's next bytes) finish the frame in progress: 0 between
    // frames, all of them when they do not reach its end.
    qsizetype untilFrameEnd(QByteArrayView data) const;
    bool betweenFrames() const { return m_headerHave == 0 && m_payloadLeft == 0; }

    // A close frame with `code` and `reason` (at most 123 bytes); a client's must be masked.
    static QByteArray closeFrame(quint16 code, QByteArrayView reason, bool masked);

private:
    unsigned char m_header[14] = {};
    int m_headerHave = 0;
    quint64 m_payloadLeft = 0;
};

} // namespace Tokengate
