// SPDX-License-Identifier: Apache-2.0
#include "tests/support/strictrequestreader.h"

#include <algorithm>

namespace Tokengate::Test {

namespace {

bool isTchar(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

bool sameName(QByteArrayView a, QByteArrayView b) {
    return a.size() == b.size() && a.compare(b, Qt::CaseInsensitive) == 0;
}

QByteArrayView trimOws(QByteArrayView v) {
    while (!v.isEmpty() && (v.front() == ' ' || v.front() == '\t'))
        v = v.sliced(1);
    while (!v.isEmpty() && (v.back() == ' ' || v.back() == '\t'))
        v.chop(1);
    return v;
}

// Where the line starting at `from` ends (index of its CR), -1 when incomplete, -2 on a bare LF.
qsizetype lineEnd(const QByteArray &buf, qsizetype from) {
    const qsizetype lf = buf.indexOf('\n', from);
    if (lf < 0)
        return -1;
    if (lf == from || buf[lf - 1] != '\r')
        return -2;
    return lf - 1;
}

} // namespace

QList<QByteArray> SeenRequest::values(QByteArrayView name) const {
    QList<QByteArray> out;
    for (const auto &[n, v] : headers) {
        if (sameName(n, name))
            out << v;
    }
    return out;
}

QByteArray SeenRequest::value(QByteArrayView name) const {
    return values(name).value(0);
}

bool StrictRequestReader::fail(const QString &why) {
    m_error = why;
    return false;
}

QList<SeenRequest> StrictRequestReader::feed(QByteArrayView bytes) {
    QList<SeenRequest> done;
    if (!m_error.isEmpty())
        return done;
    m_buffer.append(bytes);
    while (auto r = next())
        done << std::move(*r);
    return done;
}

std::optional<SeenRequest> StrictRequestReader::next() {
    if (!m_error.isEmpty())
        return std::nullopt;
    SeenRequest req;
    qsizetype pos = 0;
    qsizetype end = lineEnd(m_buffer, pos);
    if (end == -2)
        return fail(QStringLiteral("bare LF in the request line")), std::nullopt;
    if (end < 0)
        return std::nullopt;
    const QList<QByteArray> parts = m_buffer.first(end).split(' ');
    if (parts.size() != 3 || parts[0].isEmpty() ||
        !std::all_of(parts[0].cbegin(), parts[0].cend(), isTchar) || parts[1].isEmpty() ||
        parts[2] != "HTTP/1.1")
        return fail(QStringLiteral("malformed request line: ") +
                    QString::fromLatin1(m_buffer.first(end))),
               std::nullopt;
    req.method = parts[0];
    req.target = parts[1];
    pos = end + 2;
    while (true) {
        end = lineEnd(m_buffer, pos);
        if (end == -2)
            return fail(QStringLiteral("bare LF in the header section")), std::nullopt;
        if (end < 0)
            return std::nullopt;
        if (end == pos) {
            pos += 2;
            break;
        }
        const QByteArrayView line = QByteArrayView(m_buffer).sliced(pos, end - pos);
        const qsizetype colon = line.indexOf(':');
        if (line.front() == ' ' || line.front() == '\t')
            return fail(QStringLiteral("obs-fold")), std::nullopt;
        if (colon <= 0 || !std::all_of(line.begin(), line.begin() + colon, isTchar))
            return fail(QStringLiteral("malformed field line")), std::nullopt;
        const QByteArrayView value = trimOws(line.sliced(colon + 1));
        if (std::any_of(value.begin(), value.end(),
                        [](char c) { return (uchar(c) < 0x20 && c != '\t') || c == 0x7f; }))
            return fail(QStringLiteral("control character in a field value")), std::nullopt;
        req.headers.append({line.first(colon).toByteArray(), value.toByteArray()});
        pos = end + 2;
    }
    const QList<QByteArray> lengths = req.values("Content-Length");
    const QList<QByteArray> codings = req.values("Transfer-Encoding");
    if (!codings.isEmpty() && !lengths.isEmpty())
        return fail(QStringLiteral("both Content-Length and Transfer-Encoding")), std::nullopt;
    if (lengths.size() > 1)
        return fail(QStringLiteral("more than one Content-Length")), std::nullopt;
    if (req.values("Host").size() != 1)
        return fail(QStringLiteral("not exactly one Host")), std::nullopt;
    if (!codings.isEmpty()) {
        if (codings.size() != 1 || !sameName(codings[0], "chunked"))
            return fail(QStringLiteral("Transfer-Encoding other than one \"chunked\"")),
                   std::nullopt;
        while (true) {
            end = lineEnd(m_buffer, pos);
            if (end == -2)
                return fail(QStringLiteral("bare LF in a chunk size")), std::nullopt;
            if (end < 0)
                return std::nullopt;
            QByteArrayView sizeText = QByteArrayView(m_buffer).sliced(pos, end - pos);
            if (const qsizetype semi = sizeText.indexOf(';'); semi >= 0)
                sizeText = sizeText.first(semi);
            bool ok = false;
            const qint64 size = sizeText.isEmpty() || sizeText.size() > 15
                                    ? -1
                                    : QByteArray(sizeText.toByteArray()).toLongLong(&ok, 16);
            if (!ok || size < 0)
                return fail(QStringLiteral("bad chunk size")), std::nullopt;
            pos = end + 2;
            if (size == 0)
                break;
            if (m_buffer.size() < pos + size + 2)
                return std::nullopt;
            if (m_buffer.sliced(pos + size, 2) != "\r\n")
                return fail(QStringLiteral("chunk data not followed by CRLF")), std::nullopt;
            req.body.append(m_buffer.sliced(pos, size));
            pos += size + 2;
        }
        while (true) { // trailer section: field lines up to an empty one
            end = lineEnd(m_buffer, pos);
            if (end == -2)
                return fail(QStringLiteral("bare LF in the trailer section")), std::nullopt;
            if (end < 0)
                return std::nullopt;
            const bool empty = end == pos;
            pos = end + 2;
            if (empty)
                break;
        }
    } else if (!lengths.isEmpty()) {
        const QByteArray &text = lengths[0];
        bool ok =
            !text.isEmpty() && text.size() <= 18 && // any 18 digits fit a qint64
            std::all_of(text.cbegin(), text.cend(), [](char c) { return c >= '0' && c <= '9'; });
        const qint64 size = ok ? text.toLongLong(&ok) : -1;
        if (!ok)
            return fail(QStringLiteral("bad Content-Length")), std::nullopt;
        if (m_buffer.size() < pos + size)
            return std::nullopt;
        req.body = m_buffer.sliced(pos, size);
        pos += size;
    }
    m_buffer.remove(0, pos);
    return req;
}

} // namespace Tokengate::Test
