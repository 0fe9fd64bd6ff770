// SPDX-License-Identifier: Apache-2.0
#include "core/auth/sha256.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

namespace Tokengate {

QByteArray sha256(QByteArrayView data) {
    QByteArray digest(SHA256_DIGEST_LENGTH, Qt::Uninitialized);
    SHA256(reinterpret_cast<const unsigned char *>(data.data()), size_t(data.size()),
           reinterpret_cast<unsigned char *>(digest.data()));
    return digest;
}

QByteArray hmacSha256(QByteArrayView key, QByteArrayView data) {
    QByteArray mac(SHA256_DIGEST_LENGTH, Qt::Uninitialized);
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), int(key.size()),
         reinterpret_cast<const unsigned char *>(data.data()), size_t(data.size()),
         reinterpret_cast<unsigned char *>(mac.data()), &length);
    return mac;
}

} // namespace Tokengate
