// SPDX-License-Identifier: Apache-2.0
#include "core/http/websocketframes.h"

#include <QRandomGenerator>

namespace Tokengate {

namespace {

// The header's length once its first two bytes are known.
int headerLength(const unsigned char *h) {
    const int len7 = h[1] & 0x7f;
    const int extended = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
    return 2 + extended + ((h[1] & 0x80) ? 4 : 0);
}

quint64 payloadLength(const unsigned char *h) {
    const int len7 = h[1] & 0x7f;
    if (len7 < 126)
        return quint64(len7);
    const int bytes = len7 == 126 ? 2 : 8;
    quint64 n = 0;
    for (int i = 0; i < bytes; ++i)
        n = (n << 8) | h[2 + i];
    return n;
}

} // namespace

qsizetype WebSocketFrames::consume(QByteArrayView data, bool stopAtFrameEnd) {
    qsizetype i = 0;
    while (i < data.size()) {
        if (m_payloadLeft > 0) {
            const quint64 take = std::min<quint64>(m_payloadLeft, quint64(data.size() - i));
            m_payloadLeft -= take;
            i += qsizetype(take);
            if (m_payloadLeft == 0 && stopAtFrameEnd)
                return i;
            continue;
        }
        m_header[m_headerHave++] = static_cast<unsigned char>(data[i++]);
        if (m_headerHave < 2 || m_headerHave < headerLength(m_header))
            continue;
        m_payloadLeft = payloadLength(m_header);
        m_headerHave = 0;
        if (m_payloadLeft == 0 && stopAtFrameEnd)
            return i;
    }
    return i;
}

qsizetype WebSocketFrames::untilFrameEnd(QByteArrayView data) const {
    if (betweenFrames())
        return 0;
    WebSocketFrames ahead = *this;
    return ahead.consume(data, true);
}

QByteArray WebSocketFrames::closeFrame(quint16 code, QByteArrayView reason, bool masked) {
    const QByteArrayView text = reason.first(std::min<qsizetype>(reason.size(), 123));
    QByteArray payload;
    payload.append(char(code >> 8)).append(char(code & 0xff)).append(text);
    QByteArray frame;
    frame.append(char(0x88)); // FIN, close
    frame.append(char((masked ? 0x80 : 0) | payload.size()));
    if (masked) {
        const quint32 key = QRandomGenerator::system()->generate();
        const char mask[4] = {char(key >> 24), char(key >> 16), char(key >> 8), char(key)};
        frame.append(mask, 4);
        for (qsizetype i = 0; i < payload.size(); ++i)
            payload[i] = char(payload[i] ^ mask[i % 4]);
    }
    frame.append(payload);
    return frame;
}

} // namespace Tokengate
