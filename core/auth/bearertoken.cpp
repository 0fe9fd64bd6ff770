// SPDX-License-Identifier: Apache-2.0
#include "core/auth/bearertoken.h"

#include "core/base/sha256.h"

#include <array>

namespace Tokengate {

namespace {

// A JWT access token is hundreds of characters and every request's token is checked: one
// table lookup per character instead of a chain of comparisons.
constexpr std::array<bool, 256> b64TokenCharacters = [] {
    std::array<bool, 256> table{};
    for (int c = 0; c < 256; ++c)
        table[c] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
    return table;
}();

} // namespace

bool isB64Token(QByteArrayView text) {
    // b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
    qsizetype i = 0;
    while (i < text.size() && b64TokenCharacters[static_cast<unsigned char>(text[i])])
        ++i;
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
