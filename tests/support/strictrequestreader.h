// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

#include <optional>

namespace Tokengate::Test {

// One request exactly as a strict upstream framed it.
struct SeenRequest {
    QByteArray method;
    QByteArray target;
    QList<QPair<QByteArray, QByteArray>> headers; // in order, as sent
    QByteArray body;

    QList<QByteArray> values(QByteArrayView name) const; // name compared case-insensitively
    QByteArray value(QByteArrayView name) const;         // first one, or empty
    bool has(QByteArrayView name) const { return !values(name).isEmpty(); }
};

// An HTTP/1.1 request-stream reader written from RFC 9112 alone, sharing no code with the
// gateway's llhttp-based parser, so the tests judge what the gateway forwards with an
// independent reading. It refuses whatever a strict server would (bare LF, obs-fold, both
// Content-Length and Transfer-Encoding, two Content-Length fields, codings other than a single
// "chunked", bad chunk sizes), because a forwarded stream two servers could frame differently is
// itself a smuggling vector.
class StrictRequestReader {
public:
    // Appends bytes; returns every request they completed. After an error nothing more is read.
    QList<SeenRequest> feed(QByteArrayView bytes);
    const QString &error() const { return m_error; }
    bool idle() const { return m_buffer.isEmpty() && m_error.isEmpty(); }

private:
    std::optional<SeenRequest> next(); // one complete request from the buffer, if any
    bool fail(const QString &why);

    QByteArray m_buffer;
    QString m_error;
};

} // namespace Tokengate::Test
