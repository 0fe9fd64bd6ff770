// SPDX-License-Identifier: Apache-2.0
#include "tests/support/accesstokenminter.h"

#include "tests/support/jwsverifier.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

namespace Tokengate::Test {

namespace {

QString b64(const QByteArray &bytes) {
    return QString::fromLatin1(
        bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

QByteArray bignum(const EVP_PKEY *pkey, const char *name) {
    BIGNUM *bn = nullptr;
    if (!EVP_PKEY_get_bn_param(pkey, name, &bn))
        qFatal("no %s in the key", name);
    QByteArray bytes(BN_num_bytes(bn), Qt::Uninitialized);
    BN_bn2bin(bn, reinterpret_cast<unsigned char *>(bytes.data()));
    BN_free(bn);
    return bytes;
}

int fieldBytes(const char *alg) {
    return qstrcmp(alg, "ES384") == 0 ? 48 : 32;
}

} // namespace

struct TestIssuerKey::Key {
    EVP_PKEY *pkey = nullptr;
    ~Key() { EVP_PKEY_free(pkey); }
};

TestIssuerKey::TestIssuerKey(const char *alg, QString kid, int rsaBits)
    : m_alg(alg)
    , m_kid(std::move(kid))
    , m_key(std::make_unique<Key>()) {
    QByteArray pem;
    if (qstrcmp(alg, "RS256") == 0 || qstrcmp(alg, "PS256") == 0)
        pem = generatePrivateKeyPem("RSA", rsaBits);
    else if (qstrcmp(alg, "ES256") == 0)
        pem = generatePrivateKeyPem("EC", 0, "P-256");
    else if (qstrcmp(alg, "ES384") == 0)
        pem = generatePrivateKeyPem("EC", 0, "P-384");
    else
        pem = generatePrivateKeyPem("ED25519");
    BIO *bio = BIO_new_mem_buf(pem.constData(), int(pem.size()));
    m_key->pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (!m_key->pkey)
        qFatal("cannot read back the %s key", alg);
}

TestIssuerKey::~TestIssuerKey() = default;
TestIssuerKey::TestIssuerKey(TestIssuerKey &&) noexcept = default;

QJsonObject TestIssuerKey::publicJwk(bool withAlg) const {
    QJsonObject jwk{{u"kid"_qs, m_kid}, {u"use"_qs, u"sig"_qs}};
    if (withAlg)
        jwk.insert(u"alg", QString::fromLatin1(m_alg));
    const EVP_PKEY *pkey = m_key->pkey;
    if (EVP_PKEY_is_a(pkey, "RSA")) {
        jwk.insert(u"kty", u"RSA"_qs);
        jwk.insert(u"n", b64(bignum(pkey, OSSL_PKEY_PARAM_RSA_N)));
        jwk.insert(u"e", b64(bignum(pkey, OSSL_PKEY_PARAM_RSA_E)));
    } else if (EVP_PKEY_is_a(pkey, "EC")) {
        const int size = fieldBytes(m_alg);
        unsigned char point[1 + 2 * 48];
        size_t length = 0;
        EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point,
                                        &length);
        if (length != size_t(1 + 2 * size))
            qFatal("unexpected EC point length %zu", length);
        jwk.insert(u"kty", u"EC"_qs);
        jwk.insert(u"crv", size == 32 ? u"P-256"_qs : u"P-384"_qs);
        jwk.insert(u"x", b64(QByteArray(reinterpret_cast<char *>(point) + 1, size)));
        jwk.insert(u"y", b64(QByteArray(reinterpret_cast<char *>(point) + 1 + size, size)));
    } else {
        unsigned char raw[32];
        size_t length = sizeof raw;
        EVP_PKEY_get_raw_public_key(pkey, raw, &length);
        jwk.insert(u"kty", u"OKP"_qs);
        jwk.insert(u"crv", u"Ed25519"_qs);
        jwk.insert(u"x", b64(QByteArray(reinterpret_cast<char *>(raw), int(length))));
    }
    return jwk;
}

QJsonObject TestIssuerKey::header() const {
    return {{u"alg"_qs, QString::fromLatin1(m_alg)}, {u"kid"_qs, m_kid}, {u"typ"_qs, u"at+jwt"_qs}};
}

QByteArray TestIssuerKey::sign(const QJsonObject &header, const QJsonObject &payload) const {
    const QByteArray input = b64(QJsonDocument(header).toJson(QJsonDocument::Compact)).toLatin1() +
                             '.' +
                             b64(QJsonDocument(payload).toJson(QJsonDocument::Compact)).toLatin1();
    const bool ed = qstrcmp(m_alg, "EdDSA") == 0;
    const char *digest = ed ? nullptr : qstrcmp(m_alg, "ES384") == 0 ? "SHA384" : "SHA256";
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = nullptr;
    if (EVP_DigestSignInit_ex(ctx, &pctx, digest, nullptr, nullptr, m_key->pkey, nullptr) != 1)
        qFatal("DigestSignInit failed");
    if (qstrcmp(m_alg, "PS256") == 0) {
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
    }
    size_t length = 0;
    const auto *data = reinterpret_cast<const unsigned char *>(input.constData());
    EVP_DigestSign(ctx, nullptr, &length, data, size_t(input.size()));
    QByteArray signature(qsizetype(length), Qt::Uninitialized);
    if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char *>(signature.data()), &length, data,
                       size_t(input.size())) != 1)
        qFatal("DigestSign failed");
    signature.resize(qsizetype(length));
    EVP_MD_CTX_free(ctx);
    if (m_alg[0] == 'E' && m_alg[1] == 'S') { // DER to JOSE r||s
        const int size = fieldBytes(m_alg);
        const auto *der = reinterpret_cast<const unsigned char *>(signature.constData());
        ECDSA_SIG *sig = d2i_ECDSA_SIG(nullptr, &der, long(signature.size()));
        QByteArray jose(2 * size, Qt::Uninitialized);
        auto *out = reinterpret_cast<unsigned char *>(jose.data());
        BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, size);
        BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + size, size);
        ECDSA_SIG_free(sig);
        signature = jose;
    }
    return input + '.' + b64(signature).toLatin1();
}

QByteArray TestIssuerKey::publicPem() const {
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, m_key->pkey);
    char *data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    QByteArray pem(data, length);
    BIO_free(bio);
    return pem;
}

QByteArray jwksOf(std::initializer_list<QJsonObject> jwks) {
    QJsonArray keys;
    for (const QJsonObject &k : jwks)
        keys.append(k);
    return QJsonDocument(QJsonObject{{u"keys"_qs, keys}}).toJson(QJsonDocument::Compact);
}

QJsonObject accessTokenClaims(const QString &issuer, const QString &audience, qint64 nowSecs,
                              qint64 lifetimeSecs) {
    return {{u"iss"_qs, issuer},
            {u"aud"_qs, audience},
            {u"sub"_qs, u"alice"_qs},
            {u"client_id"_qs, u"spa"_qs},
            {u"scope"_qs, u"read write"_qs},
            {u"iat"_qs, double(nowSecs)},
            {u"exp"_qs, double(nowSecs + lifetimeSecs)},
            {u"jti"_qs, QString(u"t-"_qs + QString::number(nowSecs))}};
}

} // namespace Tokengate::Test
