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

// The most permissive reading an upstream may give a target: case-insensitive, percent-decoded,
// backslash as slash, ";" parameters dropped, empty and dot segments resolved (RFC 3986 5.2.4).
// An oracle for what a path means to some upstream, written apart from the gateway's normaliser.
inline QByteArray upstreamReading(QByteArray target) {
    if (target.toLower().startsWith("http://")) {
        const qsizetype slash = target.indexOf('/', 7);
        target = slash < 0 ? QByteArray("/") : target.mid(slash);
    }
    target = QByteArray::fromPercentEncoding(before(target, '?')).toLower();
    target.replace('\\', '/');
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

} // namespace Tokengate::Test
