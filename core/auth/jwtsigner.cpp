// SPDX-License-Identifier: Apache-2.0
#include "core/auth/jwtsigner.h"

#include "core/auth/jwt.h"
#include "core/base/sha256.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace Tokengate {

namespace {

constexpr int P256FieldBytes = 32;
constexpr int MinRsaBits = 2048;

// The last OpenSSL error, for a message; clears the thread's queue so it cannot leak into
// an unrelated later call.
QString opensslError() {
    const unsigned long code = ERR_peek_last_error();
    QString text;
    if (code) {
        char buffer[256];
        ERR_error_string_n(code, buffer, sizeof buffer);
        text = QString::fromLatin1(buffer);
    }
    ERR_clear_error();
    return text;
}

// Refuses to prompt: an encrypted key in a daemon would otherwise block on the terminal.
int noPassphrase(char *, int, int, void *) {
    return -1;
}

QByteArray bignumBytes(const EVP_PKEY *pkey, const char *param, int padTo) {
    BIGNUM *bn = nullptr;
    if (!EVP_PKEY_get_bn_param(pkey, param, &bn))
        return {};
    const int size = padTo > 0 ? padTo : BN_num_bytes(bn);
    QByteArray bytes(size, Qt::Uninitialized);
    const int written =
        BN_bn2binpad(bn, reinterpret_cast<unsigned char *>(bytes.data()), bytes.size());
    BN_free(bn);
    return written == size ? bytes : QByteArray();
}

QString b64(const QByteArray &bytes) {
    return QString::fromLatin1(Jwt::base64Url(bytes));
}

} // namespace

struct JwtSigner::Key {
    EVP_PKEY *pkey = nullptr;
    ~Key() { EVP_PKEY_free(pkey); }
};

JwtSigner::JwtSigner(JwtAlgorithm alg, QString keyId)
    : m_algorithm(alg)
    , m_keyId(std::move(keyId)) {
    // alg first as in RFC 7515's examples; QJsonDocument would sort the keys.
    QByteArray json = R"({"alg":")" + algorithmName(alg).toLatin1() + R"(","typ":"JWT")";
    if (!m_keyId.isEmpty()) {
        const QByteArray kid = QJsonDocument(QJsonArray{m_keyId}).toJson(QJsonDocument::Compact);
        json += R"(,"kid":)" + kid.mid(1, kid.size() - 2);
    }
    json += '}';
    m_encodedHeader = Jwt::base64Url(json);
}

JwtSigner::~JwtSigner() = default;

QString JwtSigner::algorithmName(JwtAlgorithm alg) {
    switch (alg) {
    case JwtAlgorithm::HS256:
        return QStringLiteral("HS256");
    case JwtAlgorithm::RS256:
        return QStringLiteral("RS256");
    case JwtAlgorithm::ES256:
        return QStringLiteral("ES256");
    }
    return {};
}

std::unique_ptr<JwtSigner> JwtSigner::create(JwtAlgorithm alg, const QByteArray &keyMaterial,
                                             const QString &keyId, QString *error) {
    auto fail = [error](const QString &why) -> std::unique_ptr<JwtSigner> {
        if (error)
            *error = why;
        return nullptr;
    };
    std::unique_ptr<JwtSigner> signer(new JwtSigner(alg, keyId));
    if (alg == JwtAlgorithm::HS256) {
        if (keyMaterial.isEmpty())
            return fail(QStringLiteral("HS256 needs a non-empty secret"));
        signer->m_hmac = std::make_unique<HmacSha256Key>(keyMaterial);
        if (!signer->m_hmac->isValid())
            return fail(QStringLiteral("HS256: OpenSSL cannot prepare the key (") + opensslError() +
                        u')');
        return signer;
    }

    const QString name = algorithmName(alg);
    if (!keyMaterial.contains("-----BEGIN"))
        return fail(name + QStringLiteral(" needs a PEM private key"));
    BIO *bio = BIO_new_mem_buf(keyMaterial.constData(), int(keyMaterial.size()));
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, nullptr, noPassphrase, nullptr);
    BIO_free(bio);
    if (!pkey) {
        const QString why = opensslError();
        return fail(name + QStringLiteral(" key: not a readable unencrypted PEM private key") +
                    (why.isEmpty() ? QString() : QStringLiteral(" (") + why + u')'));
    }
    signer->m_key = std::make_unique<Key>();
    signer->m_key->pkey = pkey;

    QJsonObject jwk;
    if (alg == JwtAlgorithm::RS256) {
        if (!EVP_PKEY_is_a(pkey, "RSA"))
            return fail(QStringLiteral("RS256 needs an RSA private key, not %1")
                            .arg(QString::fromLatin1(EVP_PKEY_get0_type_name(pkey))));
        const int bits = EVP_PKEY_get_bits(pkey);
        if (bits < MinRsaBits)
            return fail(QStringLiteral("RS256 key has %1 bits; at least %2 are needed")
                            .arg(bits)
                            .arg(MinRsaBits));
        jwk.insert(u"kty", QStringLiteral("RSA"));
        jwk.insert(u"n", b64(bignumBytes(pkey, OSSL_PKEY_PARAM_RSA_N, 0)));
        jwk.insert(u"e", b64(bignumBytes(pkey, OSSL_PKEY_PARAM_RSA_E, 0)));
    } else {
        char group[64] = {};
        size_t groupLength = 0;
        if (!EVP_PKEY_is_a(pkey, "EC"))
            return fail(QStringLiteral("ES256 needs an EC P-256 private key, not %1")
                            .arg(QString::fromLatin1(EVP_PKEY_get0_type_name(pkey))));
        if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                            &groupLength) ||
            qstrcmp(group, "prime256v1") != 0) {
            ERR_clear_error();
            return fail(QStringLiteral("ES256 needs a key on curve P-256, not %1")
                            .arg(group[0] ? QString::fromLatin1(group) : QStringLiteral("?")));
        }
        jwk.insert(u"kty", QStringLiteral("EC"));
        jwk.insert(u"crv", QStringLiteral("P-256"));
        jwk.insert(u"x", b64(bignumBytes(pkey, OSSL_PKEY_PARAM_EC_PUB_X, P256FieldBytes)));
        jwk.insert(u"y", b64(bignumBytes(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, P256FieldBytes)));
    }
    for (auto it = jwk.constBegin(); it != jwk.constEnd(); ++it) {
        if (it.value().toString().isEmpty())
            return fail(name + QStringLiteral(" key: cannot read its public part (") +
                        opensslError() + u')');
    }
    jwk.insert(u"alg", name);
    jwk.insert(u"use", QStringLiteral("sig"));
    if (!keyId.isEmpty())
        jwk.insert(u"kid", keyId);
    signer->m_publicJwk = jwk;
    // A key that cannot sign fails now, not on the first request.
    if (signer->signPayload("{}").isEmpty())
        return fail(name + QStringLiteral(" key cannot sign (") + opensslError() + u')');
    return signer;
}

std::unique_ptr<JwtSigner> JwtSigner::fromConfig(const JwtConfig &config, QString *error) {
    if (config.algorithm == JwtAlgorithm::HS256)
        return create(config.algorithm, config.secret.toUtf8(), config.keyId, error);
    QFile file(config.privateKeyFile);
    if (config.privateKeyFile.isEmpty() || !file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = QStringLiteral("%1 key file %2: %3")
                         .arg(algorithmName(config.algorithm),
                              config.privateKeyFile.isEmpty() ? QStringLiteral("(not set)")
                                                              : config.privateKeyFile,
                              config.privateKeyFile.isEmpty() ? QStringLiteral("required")
                                                              : file.errorString());
        return nullptr;
    }
    const QByteArray pem = file.read(1 << 20);
    std::unique_ptr<JwtSigner> signer = create(config.algorithm, pem, config.keyId, error);
    if (!signer && error)
        *error = config.privateKeyFile + QStringLiteral(": ") + *error;
    return signer;
}

QByteArray JwtSigner::sign(const QJsonObject &claims) const {
    return signPayload(QJsonDocument(claims).toJson(QJsonDocument::Compact));
}

QByteArray JwtSigner::signPayload(QByteArrayView payloadJson) const {
    QByteArray jws = m_encodedHeader;
    jws.append('.');
    jws.append(Jwt::base64Url(payloadJson));
    if (m_algorithm == JwtAlgorithm::HS256) {
        const QByteArray mac = m_hmac->mac(jws);
        if (mac.isEmpty())
            return {}; // as for a failed RS256/ES256 signature: no JWT rather than a broken one
        jws.append('.');
        jws.append(Jwt::base64Url(mac));
        return jws;
    }

    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t length = 0;
    QByteArray signature;
    if (ctx &&
        EVP_DigestSignInit_ex(ctx, nullptr, "SHA256", nullptr, nullptr, m_key->pkey, nullptr) ==
            1 &&
        EVP_DigestSign(ctx, nullptr, &length,
                       reinterpret_cast<const unsigned char *>(jws.constData()),
                       size_t(jws.size())) == 1) {
        signature.resize(qsizetype(length));
        if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char *>(signature.data()), &length,
                           reinterpret_cast<const unsigned char *>(jws.constData()),
                           size_t(jws.size())) == 1)
            signature.truncate(qsizetype(length));
        else
            signature.clear();
    }
    EVP_MD_CTX_free(ctx);
    if (signature.isEmpty())
        return {};

    if (m_algorithm == JwtAlgorithm::ES256) {
        // JOSE wants r||s, each padded to the field size (RFC 7518 3.4); OpenSSL gives DER.
        const auto *der = reinterpret_cast<const unsigned char *>(signature.constData());
        ECDSA_SIG *sig = d2i_ECDSA_SIG(nullptr, &der, long(signature.size()));
        if (!sig)
            return {};
        QByteArray raw(2 * P256FieldBytes, Qt::Uninitialized);
        auto *out = reinterpret_cast<unsigned char *>(raw.data());
        const bool ok =
            BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, P256FieldBytes) == P256FieldBytes &&
            BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + P256FieldBytes, P256FieldBytes) ==
                P256FieldBytes;
        ECDSA_SIG_free(sig);
        if (!ok)
            return {};
        signature = raw;
    }
    jws.append('.');
    jws.append(Jwt::base64Url(signature));
    return jws;
}

QString jwtConfigProblem(const JwtConfig &config) {
    if (config.headerName.isEmpty() || config.algorithm == JwtAlgorithm::HS256)
        return {};
    QString error;
    return JwtSigner::fromConfig(config, &error) ? QString() : QStringLiteral("jwt: ") + error;
}

QByteArray jwksDocument(const QList<const JwtSigner *> &signers) {
    QJsonArray keys;
    for (const JwtSigner *signer : signers) {
        if (signer && !signer->publicJwk().isEmpty())
            keys.append(signer->publicJwk());
    }
    return QJsonDocument(QJsonObject{{QStringLiteral("keys"), keys}})
        .toJson(QJsonDocument::Compact);
}

} // namespace Tokengate
