// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>

namespace Tokengate {

// SHA-256 and HMAC-SHA256 by OpenSSL. Every request with a token hashes it (cache key and
// log fingerprint), and Qt 6.4's own SHA-256 costs about ten times more instructions.
QByteArray sha256(QByteArrayView data);
QByteArray hmacSha256(QByteArrayView key, QByteArrayView data);

} // namespace Tokengate
