// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>

#include <optional>

namespace Tokengate::Jwt {

// base64url without padding (RFC 7515 section 2).
QByteArray base64Url(QByteArrayView bytes);
// Decodes base64url as RFC 7515 writes it: the URL alphabet only, no padding, no blanks, and no
// stray bits in the last character (so one token has one spelling). nullopt otherwise.
std::optional<QByteArray> fromBase64Url(QByteArrayView text);

// A JWS compact serialization signed with HMAC-SHA256 over exactly these header and payload
// bytes: callers that need a fixed byte layout (the RFC 7515 A.1 test vector) get it.
QByteArray signHs256(QByteArrayView headerJson, QByteArrayView payloadJson, QByteArrayView key);

} // namespace Tokengate::Jwt
