// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QList>

namespace Tokengate::Test {

// `text` up to the first `end`, all of it when there is none.
inline QByteArray before(const QByteArray &text, char end) {
    const qsizetype at = text.indexOf(end);
    return at < 0 ? text : text.left(at);
}

// How one upstream reads a target: which spellings of "/" it takes as "/" (the rest stay part
// of their segment) and whether it cuts ";" parameters before percent-decoding (servlet
// containers on the raw path) or after (behind a decoding proxy).
struct UpstreamDialect {
    bool backslash = true;        // "\"
    bool escapedSlash = true;     // "%2F", any case
    bool escapedBackslash = true; // "%5C", any case
    bool cutsBeforeDecoding = false;
};

// Case-insensitive, percent-decoded, ";" parameters dropped, empty and dot segments resolved
// (RFC 3986 5.2.4), with the dialect's slashes. An oracle for what a path means to some
// upstream, written apart from the gateway's normaliser.
inline QByteArray upstreamReading(QByteArray target, UpstreamDialect dialect = {}) {
    if (target.toLower().startsWith("http://")) {
        const qsizetype slash = target.indexOf('/', 7);
        target = slash < 0 ? QByteArray("/") : target.mid(slash);
    }
    target = before(target, '?');
    if (dialect.cutsBeforeDecoding) {
        QList<QByteArray> segments = target.split('/');
        for (QByteArray &segment : segments) {
            const qsizetype escaped = segment.toUpper().indexOf("%3B");
            segment = before(escaped < 0 ? segment : segment.left(escaped), ';');
        }
        target = segments.join('/');
    }
    // Spellings this upstream does not take as "/" become bytes no decoding turns into one.
    QByteArray marked;
    for (qsizetype i = 0; i < target.size(); ++i) {
        const QByteArray escape = target.mid(i, 3).toUpper();
        if ((escape == "%2F" && !dialect.escapedSlash) ||
            (escape == "%5C" && !dialect.escapedBackslash)) {
            marked += escape == "%2F" ? '\x01' : '\x02';
            i += 2;
        } else if (target[i] == '\\' && !dialect.backslash) {
            marked += '\x03';
        } else {
            marked += target[i];
        }
    }
    target = QByteArray::fromPercentEncoding(marked).toLower();
    target.replace('\\', '/'); // what is left of "\\" and "%5C" is read as "/"
    QList<QByteArray> kept;
    for (QByteArray segment : target.split('/')) {
        segment = before(segment, ';');
        if (segment == "..") {
            if (!kept.isEmpty())
                kept.removeLast();
        } else if (!segment.isEmpty() && segment != ".") {
            kept << segment;
        }
    }
    return '/' + kept.join('/') + (target.endsWith('/') && !kept.isEmpty() ? "/" : "");
}

// The reading of every dialect.
inline QList<QByteArray> upstreamReadings(const QByteArray &target) {
    QList<QByteArray> readings;
    for (int mask = 0; mask < 16; ++mask) {
        const UpstreamDialect dialect{bool(mask & 1), bool(mask & 2), bool(mask & 4),
                                      bool(mask & 8)};
        readings << upstreamReading(target, dialect);
    }
    return readings;
}

} // namespace Tokengate::Test
