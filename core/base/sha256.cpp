// SPDX-License-Identifier: Apache-2.0
#include "core/base/sha256.h"

#include "core/base/threadcleanup.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>

namespace Tokengate {

namespace {

// OpenSSL 3's one-shot SHA256() looks the algorithm up in its provider on every call, which
// costs more than hashing a token; fetch it once and keep one context per thread.
const EVP_MD *sha256Algorithm() {
    static EVP_MD *md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md;
}

EVP_MAC *hmacAlgorithm() {
    static EVP_MAC *mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    return mac;
}

// A new HMAC-SHA256 context keyed with `key`; null if OpenSSL refuses.
EVP_MAC_CTX *keyedHmac(QByteArrayView key) {
    EVP_MAC_CTX *ctx = hmacAlgorithm() ? EVP_MAC_CTX_new(hmacAlgorithm()) : nullptr;
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_END};
    // Not a null key pointer, which OpenSSL refuses; one zero byte is the same HMAC key as
    // none (RFC 2104 pads with zeros).
    static const unsigned char zero = 0;
    const auto *bytes = key.isEmpty() ? &zero : reinterpret_cast<const unsigned char *>(key.data());
    if (ctx && EVP_MAC_init(ctx, bytes, key.isEmpty() ? 1 : size_t(key.size()), params) == 1)
        return ctx;
    EVP_MAC_CTX_free(ctx);
    return nullptr;
}

// Takes `ctx`; empty when OpenSSL fails (out of memory), never bytes it did not write.
QByteArray finish(EVP_MAC_CTX *ctx, QByteArrayView data) {
    QByteArray mac(SHA256_DIGEST_LENGTH, Qt::Uninitialized);
    size_t length = 0;
    if (!ctx ||
        EVP_MAC_update(ctx, reinterpret_cast<const unsigned char *>(data.data()),
                       size_t(data.size())) != 1 ||
        EVP_MAC_final(ctx, reinterpret_cast<unsigned char *>(mac.data()), &length,
                      size_t(mac.size())) != 1 ||
        length != size_t(mac.size()))
        mac.clear();
    EVP_MAC_CTX_free(ctx);
    return mac;
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
    return finish(keyedHmac(key), data);
}

HmacSha256Key::HmacSha256Key(QByteArrayView key)
    : m_prepared(keyedHmac(key)) {}

HmacSha256Key::~HmacSha256Key() {
    EVP_MAC_CTX_free(m_prepared);
}

QByteArray HmacSha256Key::mac(QByteArrayView data) const {
    return finish(m_prepared ? EVP_MAC_CTX_dup(m_prepared) : nullptr, data);
}

} // namespace Tokengate
