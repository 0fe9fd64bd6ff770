// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/http/headermap.h"

namespace Tokengate {

// The token of the request's single "Authorization: Bearer <b64token>" field (RFC 6750
// section 2.1; the scheme is case-insensitive per RFC 9110 section 11.1). Empty when there is
// no such field, several Authorization fields, another scheme, or anything but one b64token:
// an ambiguous credential is treated as none rather than guessed at.
QByteArray bearerToken(const HeaderMap &headers);

bool isB64Token(QByteArrayView text);

// True when an Authorization field value names the Bearer scheme, however badly the rest is
// spelled ("Bearer", "bearer\tabc", "Bearer a b", "Bearer,x"): such a field is a credential
// the client meant to send, so a missing token in it is a malformed credential, not none.
bool claimsBearerScheme(QByteArrayView value);

// "fp=" in logs: the first 8 hex chars of the token's SHA-256, so log lines about one token
// can be correlated without the token ever being written.
QByteArray tokenFingerprint(QByteArrayView token);
// The same from the token's SHA-256, when the caller needs the digest too.
QByteArray fingerprintOfDigest(QByteArrayView digest);

} // namespace Tokengate
