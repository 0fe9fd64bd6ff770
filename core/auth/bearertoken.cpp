// SPDX-License-Identifier: Apache-2.0
#include "core/auth/bearertoken.h"

#include "core/base/sha256.h"

namespace Tokengate {

bool isB64Token(QByteArrayView text) {
    // b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
    qsizetype i = 0;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~' ||
                        c == '+' || c == '/';
        if (!ok)
            break;
    }
    if (i == 0)
        return false;
    for (; i < text.size(); ++i) {
        if (text[i] != '=')
            return false;
    }
    return true;
}

bool claimsBearerScheme(QByteArrayView value) {
    value = value.trimmed();
    const QByteArrayView scheme = "Bearer";
    if (value.size() < scheme.size() ||
        value.first(scheme.size()).compare(scheme, Qt::CaseInsensitive) != 0)
        return false;
    if (value.size() == scheme.size())
        return true;
    // A longer token ("Bearers", "Bearer-x") is another scheme (RFC 9110 tchar).
    const char next = value[scheme.size()];
    const bool tchar = (next >= 'A' && next <= 'Z') || (next >= 'a' && next <= 'z') ||
                       (next >= '0' && next <= '9') ||
                       QByteArrayView("!#$%&'*+-.^_`|~").contains(next);
    return !tchar;
}

QByteArray bearerToken(const HeaderMap &headers) {
    const QByteArrayView scheme = "Bearer";
    QByteArrayView value;
    int found = 0;
    for (const HeaderField &f : headers.fields()) {
        if (HeaderMap::sameName(f.name, "Authorization")) {
            value = f.value;
            ++found;
        }
    }
    if (found != 1 || value.size() <= scheme.size() ||
        value.first(scheme.size()).compare(scheme, Qt::CaseInsensitive) != 0)
        return {};
    QByteArrayView rest = value.sliced(scheme.size());
    if (rest.isEmpty() || rest.front() != ' ')
        return {};
    while (!rest.isEmpty() && rest.front() == ' ')
        rest = rest.sliced(1);
    while (!rest.isEmpty() && (rest.back() == ' ' || rest.back() == '\t'))
        rest.chop(1);
    return isB64Token(rest) ? rest.toByteArray() : QByteArray();
}

QByteArray tokenFingerprint(QByteArrayView token) {
    return fingerprintOfDigest(sha256(token));
}

QByteArray fingerprintOfDigest(QByteArrayView digest) {
    return digest.first(4).toByteArray().toHex();
}

} // namespace Tokengate
