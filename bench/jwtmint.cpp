// SPDX-License-Identifier: Apache-2.0
// jwtmint: an issuer for the JWT validation benchmark (bench/jwt.sh). Makes an RSA-2048 key,
// writes its JWKS to OUT_DIR/jwks.json and COUNT distinct RS256 access tokens (typ at+jwt, iss
// ISSUER, aud AUDIENCE, valid an hour), one per line, to OUT_DIR/tokens.txt, signing on every
// core.
//   jwtmint OUT_DIR COUNT ISSUER AUDIENCE
#include <QByteArray>
#include <QFile>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <cstdio>
#include <ctime>
#include <thread>
#include <vector>

namespace {

QByteArray b64(const QByteArray &bytes) {
    return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QByteArray bignum(const EVP_PKEY *key, const char *name) {
    BIGNUM *bn = nullptr;
    EVP_PKEY_get_bn_param(key, name, &bn);
    QByteArray bytes(BN_num_bytes(bn), Qt::Uninitialized);
    BN_bn2bin(bn, reinterpret_cast<unsigned char *>(bytes.data()));
    BN_free(bn);
    return bytes;
}

QByteArray sign(EVP_PKEY *key, const QByteArray &input) {
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t length = 512;
    QByteArray signature(512, Qt::Uninitialized);
    EVP_DigestSignInit_ex(ctx, nullptr, "SHA256", nullptr, nullptr, key, nullptr);
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char *>(signature.data()), &length,
                   reinterpret_cast<const unsigned char *>(input.constData()),
                   size_t(input.size()));
    EVP_MD_CTX_free(ctx);
    signature.resize(qsizetype(length));
    return signature;
}

} // namespace

int main(int argc, char **argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: jwtmint OUT_DIR COUNT ISSUER AUDIENCE\n");
        return 2;
    }
    const QByteArray dir = argv[1];
    const long count = std::atol(argv[2]);
    const QByteArray issuer = argv[3], audience = argv[4];
    EVP_PKEY *key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(2048));
    QFile jwks(QString::fromLocal8Bit(dir + "/jwks.json"));
    if (!key || !jwks.open(QIODevice::WriteOnly))
        return 1;
    jwks.write(R"({"keys":[{"kty":"RSA","kid":"bench","use":"sig","alg":"RS256","n":")" +
               b64(bignum(key, OSSL_PKEY_PARAM_RSA_N)) + R"(","e":")" +
               b64(bignum(key, OSSL_PKEY_PARAM_RSA_E)) + "\"}]}\n");
    jwks.close();
    const QByteArray header = b64(R"({"alg":"RS256","typ":"at+jwt","kid":"bench"})");
    const long now = long(std::time(nullptr));
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    std::vector<QByteArray> parts(threads);
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (long i = t; i < count; i += threads) {
                const QByteArray payload =
                    b64(R"({"iss":")" + issuer + R"(","aud":")" + audience + R"(","sub":"user-)" +
                        QByteArray::number(i % 1000) +
                        R"(","client_id":"bench","scope":"read","jti":"j)" + QByteArray::number(i) +
                        R"(","iat":)" + QByteArray::number(now) + R"(,"exp":)" +
                        QByteArray::number(now + 3600) + "}");
                const QByteArray input = header + '.' + payload;
                parts[t] += input + '.' + b64(sign(key, input)) + '\n';
            }
        });
    }
    for (std::thread &w : workers)
        w.join();
    QFile out(QString::fromLocal8Bit(dir + "/tokens.txt"));
    if (!out.open(QIODevice::WriteOnly))
        return 1;
    for (const QByteArray &p : parts)
        out.write(p);
    EVP_PKEY_free(key);
    return 0;
}
