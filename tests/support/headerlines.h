// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/http/headermap.h"

namespace Tokengate::Test {

// "Name: value" lines separated by '\n' -> a HeaderMap, in order.
inline HeaderMap headersFrom(const QByteArray &lines) {
    HeaderMap h;
    for (const QByteArray &line : lines.split('\n')) {
        if (line.isEmpty())
            continue;
        const qsizetype colon = line.indexOf(':');
        h.append(line.left(colon), line.mid(colon + 1).trimmed());
    }
    return h;
}

// The inverse: "Name: value" lines separated by '\n', in order.
inline QByteArray headerLines(const HeaderMap &headers) {
    QByteArrayList lines;
    for (const HeaderField &f : headers.fields())
        lines << f.name.toByteArray() + ": " + f.value.toByteArray();
    return lines.join('\n');
}

} // namespace Tokengate::Test
