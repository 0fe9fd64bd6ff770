// SPDX-License-Identifier: Apache-2.0
#include "core/http/requesttarget.h"

#include <algorithm>

namespace Tokengate {

namespace {

bool isHostChar(char c) {
    // unreserved / sub-delims minus those no server reads alike in a Host ("," splits lists,
    // ";" "=" "&" start parameters, "'" "(" ")" "*" "+" "!" "$" appear in no real name).
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

bool isDigits(QByteArrayView v) {
    return !v.isEmpty() && v.size() <= 5 &&
           std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

} // namespace

bool isValidAuthority(QByteArrayView authority) {
    QByteArrayView host = authority;
    QByteArrayView port;
    if (authority.startsWith('[')) {
        const qsizetype close = authority.indexOf(']');
        if (close < 0)
            return false;
        const QByteArrayView literal = authority.sliced(1, close - 1);
        if (literal.isEmpty() || !std::all_of(literal.begin(), literal.end(), [](char c) {
                return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                       c == ':' || c == '.';
            }))
            return false;
        host = authority.first(close + 1);
        const QByteArrayView rest = authority.sliced(close + 1);
        if (!rest.isEmpty()) {
            if (!rest.startsWith(':'))
                return false;
            port = rest.sliced(1);
            if (!isDigits(port))
                return false;
        }
        return true;
    }
    const qsizetype colon = authority.indexOf(':');
    if (colon >= 0) {
        host = authority.first(colon);
        port = authority.sliced(colon + 1);
        if (!isDigits(port))
            return false;
    }
    return !host.isEmpty() && std::all_of(host.begin(), host.end(), isHostChar);
}

RequestTarget parseRequestTarget(QByteArrayView method, QByteArrayView target) {
    RequestTarget out;
    if (target.contains('#')) {
        out.error = "A request target cannot hold a fragment";
        return out;
    }
    if (target.startsWith('/')) {
        out.originForm = target.toByteArray();
        return out;
    }
    if (target == "*") {
        if (method != "OPTIONS")
            out.error = "Only OPTIONS may have \"*\" as its target";
        else
            out.originForm = "*";
        return out;
    }
    const qsizetype schemeEnd = target.indexOf("://");
    const QByteArrayView scheme = schemeEnd < 0 ? QByteArrayView() : target.first(schemeEnd);
    if (scheme.compare("http", Qt::CaseInsensitive) != 0 &&
        scheme.compare("https", Qt::CaseInsensitive) != 0) {
        out.error = "The request target must be a path or an http(s) URL";
        return out;
    }
    const qsizetype authorityStart = schemeEnd + 3;
    qsizetype authorityEnd = authorityStart;
    while (authorityEnd < target.size() && target[authorityEnd] != '/' &&
           target[authorityEnd] != '?')
        ++authorityEnd;
    const QByteArrayView authority = target.sliced(authorityStart, authorityEnd - authorityStart);
    if (!isValidAuthority(authority)) {
        out.error = "The request target's authority is not a valid host and port";
        return out;
    }
    out.authority = authority.toByteArray();
    const QByteArrayView rest = target.sliced(authorityEnd);
    if (!rest.startsWith('/'))
        out.originForm = "/";
    out.originForm.append(rest);
    return out;
}

} // namespace Tokengate
