// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>

struct evp_mac_ctx_st; // OpenSSL's EVP_MAC_CTX

namespace Tokengate {

// SHA-256 and HMAC-SHA256 by OpenSSL. Every request with a token hashes it (cache key and
// log fingerprint), and Qt 6.4's own SHA-256 costs about ten times more instructions.
QByteArray sha256(QByteArrayView data);
// Empty only if OpenSSL fails (out of memory).
QByteArray hmacSha256(QByteArrayView key, QByteArrayView data);

// A key that authenticates many messages (the gateway's HS256 JWTs, one per new identity):
// set up once, each MAC starting from a copy. hmacSha256() sets the key up on every call,
// which costs more than the MAC of a short JWT.
class HmacSha256Key {
public:
    explicit HmacSha256Key(QByteArrayView key);
    ~HmacSha256Key();
    HmacSha256Key(const HmacSha256Key &) = delete;
    HmacSha256Key &operator=(const HmacSha256Key &) = delete;

    bool isValid() const { return m_prepared; }
    // Safe from several threads at once: the prepared key is only read. Empty when OpenSSL
    // fails (out of memory) or the key was not prepared.
    QByteArray mac(QByteArrayView data) const;

private:
    evp_mac_ctx_st *m_prepared = nullptr;
};

} // namespace Tokengate
