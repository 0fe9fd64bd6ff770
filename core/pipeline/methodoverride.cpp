// SPDX-License-Identifier: Apache-2.0
#include "core/pipeline/methodoverride.h"

#include "core/base/formencoding.h"
#include "core/http/headermap.h"

#include <algorithm>

namespace Tokengate {

namespace {

constexpr QByteArrayView OverrideHeaders[] = {"X-HTTP-Method-Override", "X-HTTP-Method",
                                              "X-Method-Override"};

bool isMethodChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

// A query key as PHP hands it to Symfony and Laravel: leading spaces dropped, cut at a NUL,
// " ", "." and "[" read as "_".
QByteArray phpKey(QByteArrayView rawKey) {
    QByteArray key =
        rawKey.contains('%') || rawKey.contains('+') ? formDecode(rawKey) : rawKey.toByteArray();
    if (const qsizetype nul = key.indexOf('\0'); nul >= 0)
        key.truncate(nul);
    qsizetype lead = 0;
    while (lead < key.size() && key[lead] == ' ')
        ++lead;
    key.remove(0, lead);
    for (char &c : key) {
        if (c == ' ' || c == '.' || c == '[')
            c = '_';
    }
    return key;
}

bool isOverrideName(QByteArrayView key) {
    return key.compare("_method", Qt::CaseInsensitive) == 0 ||
           key.compare("X-HTTP-Method-Override", Qt::CaseInsensitive) == 0 ||
           key.compare("X_HTTP_Method_Override", Qt::CaseInsensitive) == 0;
}

bool isOverrideKey(QByteArrayView rawKey) {
    // "_method" is 7 bytes; shorter keys cannot decode to it.
    if (rawKey.size() < 7)
        return false;
    // Most keys are plain: compared in place, with no copy on the request path. Only a key
    // PHP would rewrite (an escape, "+", a space, ".", "[") is decoded first.
    const bool plain = std::none_of(rawKey.begin(), rawKey.end(), [](char c) {
        return c == '%' || c == '+' || c == ' ' || c == '.' || c == '[';
    });
    return plain ? isOverrideName(rawKey) : isOverrideName(phpKey(rawKey));
}

} // namespace

MethodOverrides methodOverrides(const HeaderMap &headers, QByteArrayView query,
                                QByteArrayView method) {
    MethodOverrides out;
    const auto add = [&](QByteArrayView value) {
        const QByteArrayView m = value.trimmed();
        if (m.isEmpty())
            return;
        if (!std::all_of(m.begin(), m.end(), isMethodChar)) {
            out.unreadable = true;
            return;
        }
        const QByteArray upper = m.toByteArray().toUpper();
        if (upper != method && !out.methods.contains(upper))
            out.methods.append(upper);
    };
    for (const HeaderField &field : headers.fields()) {
        const QByteArrayView name = field.name;
        if (name.size() < 13 || !(name[0] == 'X' || name[0] == 'x'))
            continue;
        for (QByteArrayView known : OverrideHeaders) {
            if (HeaderMap::sameNameFolded(name, known)) {
                QByteArrayView rest = field.value;
                for (qsizetype comma; (comma = rest.indexOf(',')) >= 0;
                     rest = rest.sliced(comma + 1))
                    add(rest.first(comma));
                add(rest);
                break;
            }
        }
    }
    // Rails splits the query on ";" as well as "&".
    qsizetype start = 0;
    while (start < query.size()) {
        qsizetype end = start;
        while (end < query.size() && query[end] != '&' && query[end] != ';')
            ++end;
        const QByteArrayView pair = query.sliced(start, end - start);
        const qsizetype eq = pair.indexOf('=');
        if (eq >= 0 && isOverrideKey(pair.first(eq)))
            add(formDecode(pair.sliced(eq + 1)));
        start = end + 1;
    }
    return out;
}

} // namespace Tokengate
