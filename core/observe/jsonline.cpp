// SPDX-License-Identifier: Apache-2.0
#include "core/observe/jsonline.h"

#include <charconv>

namespace Tokengate {

namespace {

constexpr char Hex[] = "0123456789abcdef";

void appendNumber(QByteArray &out, qint64 value) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out.append(digits, end - digits);
}

void appendPadded(QByteArray &out, int value, int width) {
    char digits[8];
    for (int i = width - 1; i >= 0; --i, value /= 10)
        digits[i] = char('0' + value % 10);
    out.append(digits, width);
}

} // namespace

JsonLine::JsonLine(QByteArray &out)
    : m_out(out) {
    m_out += '{';
}

void JsonLine::key(const char *name) {
    if (!m_first)
        m_out += ',';
    m_first = false;
    m_out += '"';
    m_out += name;
    m_out += "\":";
}

// What JSON requires escaped, plus what terminals or line splitters act on: DEL, the C1
// controls (U+009B starts a terminal command) and U+2028/U+2029 (line breaks to some readers).
void JsonLine::escaped(char32_t c) {
    switch (c) {
    case U'"':
        m_out += "\\\"";
        return;
    case U'\\':
        m_out += "\\\\";
        return;
    case U'\n':
        m_out += "\\n";
        return;
    case U'\r':
        m_out += "\\r";
        return;
    case U'\t':
        m_out += "\\t";
        return;
    default:
        break;
    }
    if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029) {
        const char spelled[] = {
            '\\', 'u', Hex[(c >> 12) & 15], Hex[(c >> 8) & 15], Hex[(c >> 4) & 15], Hex[c & 15]};
        m_out.append(spelled, sizeof spelled);
    } else if (c < 0x80) {
        m_out += char(c);
    } else if (c < 0x800) {
        m_out += char(0xC0 | (c >> 6));
        m_out += char(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        m_out += char(0xE0 | (c >> 12));
        m_out += char(0x80 | ((c >> 6) & 0x3F));
        m_out += char(0x80 | (c & 0x3F));
    } else {
        m_out += char(0xF0 | (c >> 18));
        m_out += char(0x80 | ((c >> 12) & 0x3F));
        m_out += char(0x80 | ((c >> 6) & 0x3F));
        m_out += char(0x80 | (c & 0x3F));
    }
}

void JsonLine::text(const char *name, QStringView value) {
    key(name);
    m_out += '"';
    for (qsizetype i = 0; i < value.size(); ++i) {
        const QChar c = value[i];
        if (c.isHighSurrogate() && i + 1 < value.size() && value[i + 1].isLowSurrogate()) {
            escaped(QChar::surrogateToUcs4(c, value[i + 1]));
            ++i;
        } else {
            escaped(c.isSurrogate() ? char32_t(QChar::ReplacementCharacter) : c.unicode());
        }
    }
    m_out += '"';
}

void JsonLine::latin1(const char *name, QByteArrayView value) {
    key(name);
    m_out += '"';
    for (const char byte : value)
        escaped(static_cast<unsigned char>(byte));
    m_out += '"';
}

void JsonLine::number(const char *name, qint64 value) {
    key(name);
    appendNumber(m_out, value);
}

void JsonLine::millis(const char *name, qint64 micros) {
    key(name);
    if (micros < 0) {
        m_out += '-';
        micros = -micros;
    }
    appendNumber(m_out, micros / 1000);
    int fraction = int(micros % 1000);
    if (fraction == 0)
        return;
    int width = 3;
    for (; fraction % 10 == 0; fraction /= 10)
        --width;
    m_out += '.';
    appendPadded(m_out, fraction, width);
}

// Days to a civil date: Howard Hinnant's algorithm (proleptic Gregorian, any year).
void JsonLine::utcTime(const char *name, qint64 msecs) {
    key(name);
    constexpr qint64 MsPerDay = 86400000;
    qint64 days = msecs / MsPerDay;
    qint64 ms = msecs % MsPerDay;
    if (ms < 0) {
        ms += MsPerDay;
        --days;
    }
    const qint64 z = days + 719468;
    const qint64 era = (z >= 0 ? z : z - 146096) / 146097;
    const qint64 doe = z - era * 146097;
    const qint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const qint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const qint64 mp = (5 * doy + 2) / 153;
    const int day = int(doy - (153 * mp + 2) / 5 + 1);
    const int month = int(mp < 10 ? mp + 3 : mp - 9);
    const qint64 year = yoe + era * 400 + (month <= 2);
    m_out += '"';
    if (year >= 0 && year <= 9999)
        appendPadded(m_out, int(year), 4);
    else
        appendNumber(m_out, year);
    m_out += '-';
    appendPadded(m_out, month, 2);
    m_out += '-';
    appendPadded(m_out, day, 2);
    m_out += 'T';
    appendPadded(m_out, int(ms / 3600000), 2);
    m_out += ':';
    appendPadded(m_out, int(ms / 60000 % 60), 2);
    m_out += ':';
    appendPadded(m_out, int(ms / 1000 % 60), 2);
    m_out += '.';
    appendPadded(m_out, int(ms % 1000), 3);
    m_out += "Z\"";
}

void JsonLine::end() {
    m_out += "}\n";
}

} // namespace Tokengate
