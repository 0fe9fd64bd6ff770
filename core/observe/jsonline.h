// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QStringView>

namespace Tokengate {

// Appends one JSON object as a line, field by field. The access log writes one per request
// on the workers' hot path, where building a QJsonObject cost more than the request did.
class JsonLine {
public:
    explicit JsonLine(QByteArray &out);

    void text(const char *key, QStringView value);
    void latin1(const char *key, QByteArrayView value); // bytes as Latin-1, written as UTF-8
    void number(const char *key, qint64 value);
    void millis(const char *key, qint64 micros);           // 2500 -> 2.5
    void utcTime(const char *key, qint64 msecsSinceEpoch); // 2024-05-06T07:08:09.123Z
    void end();                                            // "}\n"

private:
    void key(const char *name);
    void escaped(char32_t c); // one code point

    QByteArray &m_out;
    bool m_first = true;
};

} // namespace Tokengate
