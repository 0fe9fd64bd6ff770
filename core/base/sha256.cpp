// SPDX-License-Identifier: Apache-2.0
#include "core/base/sha256.h"

#include "core/base/threadcleanup.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

namespace Tokengate {

namespace {

// OpenSSL 3's one-shot SHA256() looks the algorithm up in its provider on every call, which
// costs more than hashing a token; fetch it once and keep one context per thread.
const EVP_MD *sha256Algorithm() {
    static EVP_MD *md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md;
}

struct DigestContext {
    EVP_MD_CTX *ctx = nullptr;
    void release() { EVP_MD_CTX_free(std::exchange(ctx, nullptr)); }
    ~DigestContext() { release(); }
};

} // namespace

QByteArray sha256(QByteArrayView data) {
    QByteArray digest(SHA256_DIGEST_LENGTH, Qt::Uninitialized);
    thread_local DigestContext context;
    if (!context.ctx) {
        context.ctx = EVP_MD_CTX_new(); // again, after ThreadCleanup released it
        ThreadCleanup::add([] { context.release(); });
    }
    unsigned int length = 0;
    if (!context.ctx || !EVP_DigestInit_ex2(context.ctx, sha256Algorithm(), nullptr) ||
        !EVP_DigestUpdate(context.ctx, data.data(), size_t(data.size())) ||
        !EVP_DigestFinal_ex(context.ctx, reinterpret_cast<unsigned char *>(digest.data()), &length))
        qFatal("OpenSSL SHA-256 failed"); // nothing sane is left to do without a hash
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
