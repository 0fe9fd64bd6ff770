// SPDX-License-Identifier: Apache-2.0
#include "core/pipeline/methodoverride.h"

#include "core/base/formencoding.h"
#include "core/http/headermap.h"

namespace Tokengate {

namespace {
constexpr QByteArrayView OverrideHeaders[] = {"X-HTTP-Method-Override", "X-HTTP-Method",
                                              "X-Method-Override"};
} // namespace

QList<QByteArray> methodOverrides(const HeaderMap &headers, QByteArrayView query,
                                  QByteArrayView method) {
    QList<QByteArray> out;
    const auto add = [&](QByteArrayView value) {
        const QByteArray m = value.trimmed().toByteArray().toUpper();
        if (!m.isEmpty() && m != method && !out.contains(m))
            out.append(m);
    };
    for (QByteArrayView name : OverrideHeaders) {
        for (const QByteArray &value : headers.values(name)) {
            for (const QByteArray &part : value.split(','))
                add(part);
        }
    }
    // Rails splits the query on ";" as well as "&". A key may be percent-encoded ("%5Fmethod"),
    // so every key that could decode to "_method" (7 to 21 bytes) is decoded.
    qsizetype start = 0;
    while (start < query.size()) {
        qsizetype end = start;
        while (end < query.size() && query[end] != '&' && query[end] != ';')
            ++end;
        const QByteArrayView pair = query.sliced(start, end - start);
        const qsizetype eq = pair.indexOf('=');
        const QByteArrayView key = eq < 0 ? pair : pair.first(eq);
        if (eq >= 0 && key.size() >= 7 && key.size() <= 21 && formDecode(key) == "_method")
            add(formDecode(pair.sliced(eq + 1)));
        start = end + 1;
    }
    return out;
}

} // namespace Tokengate
