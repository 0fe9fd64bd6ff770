// SPDX-License-Identifier: Apache-2.0
#include "core/auth/jwt.h"

#include "core/base/sha256.h"

#include <array>

namespace Tokengate::Jwt {

QByteArray base64Url(QByteArrayView bytes) {
    return bytes.toByteArray().toBase64(QByteArray::Base64UrlEncoding |
                                        QByteArray::OmitTrailingEquals);
}

namespace {

// Each byte's sextet in the URL alphabet, -1 for every other byte.
constexpr std::array<signed char, 256> sextets = [] {
    std::array<signed char, 256> table{};
    table.fill(-1);
    for (int i = 0; i < 26; ++i) {
        table[size_t('A' + i)] = static_cast<signed char>(i);
        table[size_t('a' + i)] = static_cast<signed char>(26 + i);
    }
    for (int i = 0; i < 10; ++i)
        table[size_t('0' + i)] = static_cast<signed char>(52 + i);
    table[size_t('-')] = 62;
    table[size_t('_')] = 63;
    return table;
}();

} // namespace

// One pass, straight into the result: every token's header and payload go through here.
std::optional<QByteArray> fromBase64Url(QByteArrayView text) {
    const qsizetype tail = text.size() % 4;
    if (tail == 1)
        return std::nullopt; // six bits alone cannot end a byte
    QByteArray out(text.size() / 4 * 3 + (tail ? tail - 1 : 0), Qt::Uninitialized);
    char *to = out.data();
    quint32 bits = 0;
    int held = 0;
    for (const char c : text) {
        const int v = sextets[static_cast<unsigned char>(c)];
        if (v < 0)
            return std::nullopt;
        bits = (bits << 6) | quint32(v);
        held += 6;
        if (held >= 8) {
            held -= 8;
            *to++ = char((bits >> held) & 0xFF);
        }
    }
    // The bits past the final byte must be zero: otherwise one value would have several
    // spellings.
    if ((bits & ((1u << held) - 1)) != 0)
        return std::nullopt;
    return out;
}

QByteArray signHs256(QByteArrayView headerJson, QByteArrayView payloadJson, QByteArrayView key) {
    QByteArray signingInput = base64Url(headerJson);
    signingInput.append('.');
    signingInput.append(base64Url(payloadJson));
    const QByteArray mac = hmacSha256(key, signingInput);
    signingInput.append('.');
    signingInput.append(base64Url(mac));
    return signingInput;
}

} // namespace Tokengate::Jwt
