// SPDX-License-Identifier: Apache-2.0
#include "core/auth/jwt.h"

#include "core/base/sha256.h"

namespace Tokengate::Jwt {

QByteArray base64Url(QByteArrayView bytes) {
    return bytes.toByteArray().toBase64(QByteArray::Base64UrlEncoding |
                                        QByteArray::OmitTrailingEquals);
}

std::optional<QByteArray> fromBase64Url(QByteArrayView text) {
    auto sextet = [](char c) -> int {
        if (c >= 'A' && c <= 'Z')
            return c - 'A';
        if (c >= 'a' && c <= 'z')
            return c - 'a' + 26;
        if (c >= '0' && c <= '9')
            return c - '0' + 52;
        if (c == '-')
            return 62;
        if (c == '_')
            return 63;
        return -1;
    };
    for (const char c : text) {
        if (sextet(c) < 0)
            return std::nullopt;
    }
    // The bits of the last character past the final byte must be zero: otherwise one value
    // would have several spellings (and six bits alone cannot end a byte).
    static constexpr int unusedBits[4] = {0, -1, 0x0F, 0x03};
    const int mask = unusedBits[text.size() % 4];
    if (mask < 0 || (mask > 0 && (sextet(text.back()) & mask) != 0))
        return std::nullopt;
    auto decoded = QByteArray::fromBase64Encoding(text.toByteArray(),
                                                  QByteArray::Base64UrlEncoding |
                                                      QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    return std::move(decoded.decoded);
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
