// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>

namespace Tokengate::Jwt {

// base64url without padding (RFC 7515 section 2).
QByteArray base64Url(QByteArrayView bytes);

// A JWS compact serialization signed with HMAC-SHA256 over exactly these header and payload
// bytes: callers that need a fixed byte layout (the RFC 7515 A.1 test vector) get it.
QByteArray signHs256(QByteArrayView headerJson, QByteArrayView payloadJson, QByteArrayView key);

} // namespace Tokengate::Jwt
