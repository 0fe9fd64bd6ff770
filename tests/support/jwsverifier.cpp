// SPDX-License-Identifier: Apache-2.0
#include "tests/support/jwsverifier.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QList>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

namespace Tokengate::Test {

namespace {

QByteArray fromB64Url(const QString &text) {
    const auto decoded = QByteArray::fromBase64Encoding(
        text.toLatin1(), QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    return decoded ? decoded.decoded : QByteArray();
}

BIGNUM *bignum(const QByteArray &bytes) {
    return BN_bin2bn(reinterpret_cast<const unsigned char *>(bytes.constData()), int(bytes.size()),
                     nullptr);
}

EVP_PKEY *publicKeyFromJwk(const QJsonObject &jwk, QString *why) {
    OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
    BIGNUM *n = nullptr;
    BIGNUM *e = nullptr;
    QByteArray point;
    const char *type = nullptr;
    const QString kty = jwk.value(u"kty").toString();
    if (kty == u"RSA") {
        type = "RSA";
        n = bignum(fromB64Url(jwk.value(u"n").toString()));
        e = bignum(fromB64Url(jwk.value(u"e").toString()));
        OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_N, n);
        OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_E, e);
    } else if (kty == u"EC" && jwk.value(u"crv").toString() == u"P-256") {
        type = "EC";
        const QByteArray x = fromB64Url(jwk.value(u"x").toString());
        const QByteArray y = fromB64Url(jwk.value(u"y").toString());
        if (x.size() != 32 || y.size() != 32) {
            *why = QStringLiteral("EC JWK coordinates are not 32 bytes");
            OSSL_PARAM_BLD_free(builder);
            return nullptr;
        }
        point = '\x04' + x + y;
        OSSL_PARAM_BLD_push_utf8_string(builder, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
        OSSL_PARAM_BLD_push_octet_string(builder, OSSL_PKEY_PARAM_PUB_KEY, point.constData(),
                                         size_t(point.size()));
    } else {
        *why = QStringLiteral("unsupported JWK kty ") + kty;
        OSSL_PARAM_BLD_free(builder);
        return nullptr;
    }
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(builder);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
    EVP_PKEY *pkey = nullptr;
    if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
        *why = QStringLiteral("cannot build a public key from the JWK");
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(builder);
    BN_free(n);
    BN_free(e);
    return pkey;
}

QJsonObject decodedPart(const QByteArray &jws, int index) {
    const QList<QByteArray> parts = jws.split('.');
    if (parts.size() != 3)
        return {};
    return QJsonDocument::fromJson(fromB64Url(QString::fromLatin1(parts.at(index)))).object();
}

} // namespace

QJsonObject jwsHeader(const QByteArray &jws) {
    return decodedPart(jws, 0);
}

QJsonObject jwsPayload(const QByteArray &jws) {
    return decodedPart(jws, 1);
}

QString verifyJws(const QByteArray &jws, const QJsonObject &jwk) {
    const QList<QByteArray> parts = jws.split('.');
    if (parts.size() != 3)
        return QStringLiteral("not a compact JWS");
    const QString alg = jwsHeader(jws).value(u"alg").toString();
    if (alg != jwk.value(u"alg").toString())
        return QStringLiteral("header alg %1, JWK alg %2").arg(alg, jwk.value(u"alg").toString());
    QByteArray signature = fromB64Url(QString::fromLatin1(parts.at(2)));
    if (alg == u"ES256") {
        // JOSE r||s back to the DER OpenSSL verifies.
        if (signature.size() != 64)
            return QStringLiteral("ES256 signature of %1 bytes, not 64").arg(signature.size());
        ECDSA_SIG *sig = ECDSA_SIG_new();
        ECDSA_SIG_set0(sig, bignum(signature.left(32)), bignum(signature.mid(32)));
        unsigned char *der = nullptr;
        const int length = i2d_ECDSA_SIG(sig, &der);
        signature = QByteArray(reinterpret_cast<const char *>(der), length);
        OPENSSL_free(der);
        ECDSA_SIG_free(sig);
    } else if (alg != u"RS256") {
        return QStringLiteral("unexpected alg ") + alg;
    }
    QString why;
    EVP_PKEY *pkey = publicKeyFromJwk(jwk, &why);
    if (!pkey)
        return why;
    const QByteArray input = parts.at(0) + '.' + parts.at(1);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const bool ok =
        EVP_DigestVerifyInit_ex(ctx, nullptr, "SHA256", nullptr, nullptr, pkey, nullptr) == 1 &&
        EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char *>(signature.constData()),
                         size_t(signature.size()),
                         reinterpret_cast<const unsigned char *>(input.constData()),
                         size_t(input.size())) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return ok ? QString() : QStringLiteral("signature does not verify");
}

QString verifyJwsWithJwks(const QByteArray &jws, const QByteArray &jwks) {
    const QJsonArray keys = QJsonDocument::fromJson(jwks).object().value(u"keys").toArray();
    const QString kid = jwsHeader(jws).value(u"kid").toString();
    for (const QJsonValue &key : keys) {
        if (kid.isEmpty() ? keys.size() == 1 : key.toObject().value(u"kid").toString() == kid)
            return verifyJws(jws, key.toObject());
    }
    return QStringLiteral("no key for kid \"%1\" among %2").arg(kid).arg(keys.size());
}

QByteArray generatePrivateKeyPem(const char *type, int bits, const char *curve,
                                 const QByteArray &passphrase) {
    EVP_PKEY *pkey = nullptr;
    if (qstrcmp(type, "RSA") == 0)
        pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(bits));
    else if (qstrcmp(type, "EC") == 0)
        pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve);
    else
        pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, type);
    if (!pkey)
        qFatal("cannot generate a %s key", type);
    BIO *bio = BIO_new(BIO_s_mem());
    if (passphrase.isEmpty())
        PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
    else
        PEM_write_bio_PKCS8PrivateKey(bio, pkey, EVP_aes_256_cbc(), passphrase.constData(),
                                      int(passphrase.size()), nullptr, nullptr);
    char *data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    QByteArray pem(data, length);
    BIO_free(bio);
    EVP_PKEY_free(pkey);
    return pem;
}

} // namespace Tokengate::Test
