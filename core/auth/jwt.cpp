// SPDX-License-Identifier: Apache-2.0
#include "core/auth/jwt.h"

#include "core/base/sha256.h"

namespace Tokengate::Jwt {

QByteArray base64Url(QByteArrayView bytes) {
    return bytes.toByteArray().toBase64(QByteArray::Base64UrlEncoding |
                                        QByteArray::OmitTrailingEquals);
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
