// SPDX-License-Identifier: Apache-2.0
#include "core/auth/jwks.h"

#include "core/auth/jwt.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <array>

namespace Tokengate {

namespace {

constexpr int MinRsaBits = 2048;
// Every token signed with a key is verified with it: a huge modulus would make each request
// cost milliseconds.
constexpr int MaxRsaBits = 8192;

struct AlgorithmInfo {
    JwsAlgorithm alg;
    const char *name;
    const char *digest; // nullptr: the key type signs the message itself (Ed25519)
    VerificationKey::Kind kind;
};

constexpr AlgorithmInfo Algorithms[] = {
    {JwsAlgorithm::RS256, "RS256", "SHA256", VerificationKey::Kind::Rsa},
    {JwsAlgorithm::PS256, "PS256", "SHA256", VerificationKey::Kind::Rsa},
    {JwsAlgorithm::ES256, "ES256", "SHA256", VerificationKey::Kind::P256},
    {JwsAlgorithm::ES384, "ES384", "SHA384", VerificationKey::Kind::P384},
    {JwsAlgorithm::EdDSA, "EdDSA", nullptr, VerificationKey::Kind::Ed25519},
};

const AlgorithmInfo &info(JwsAlgorithm alg) {
    return Algorithms[int(alg)];
}

int fieldBytes(VerificationKey::Kind kind) {
    switch (kind) {
    case VerificationKey::Kind::P256:
        return 32;
    case VerificationKey::Kind::P384:
        return 48;
    case VerificationKey::Kind::Ed25519:
        return 32;
    case VerificationKey::Kind::Rsa:
        break;
    }
    return 0;
}

// A failed OpenSSL call leaves errors queued in this worker thread; an unrelated later call
// (a TLS handshake) would find them.
template<typename T> T cleared(T result) {
    ERR_clear_error();
    return result;
}

std::optional<QByteArray> member(const QJsonObject &jwk, QStringView name) {
    const QJsonValue v = jwk.value(name);
    if (!v.isString())
        return std::nullopt;
    return Jwt::fromBase64Url(v.toString().toLatin1());
}

struct BigNum {
    BIGNUM *bn = nullptr;
    explicit BigNum(const QByteArray &bytes)
        : bn(BN_bin2bn(reinterpret_cast<const unsigned char *>(bytes.constData()),
                       int(bytes.size()), nullptr)) {}
    ~BigNum() { BN_free(bn); }
};

EVP_PKEY *fromParams(const char *type, OSSL_PARAM_BLD *builder) {
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(builder);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
    EVP_PKEY *pkey = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
        pkey = nullptr;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return pkey;
}

EVP_PKEY *rsaKey(const QJsonObject &jwk, QString *why) {
    const auto n = member(jwk, u"n");
    const auto e = member(jwk, u"e");
    if (!n || !e || n->isEmpty() || e->isEmpty()) {
        *why = QStringLiteral("n or e missing or not base64url");
        return nullptr;
    }
    const BigNum bn(*n), be(*e);
    OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
    EVP_PKEY *pkey = nullptr;
    if (builder && bn.bn && be.bn &&
        OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_N, bn.bn) &&
        OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_E, be.bn))
        pkey = fromParams("RSA", builder);
    OSSL_PARAM_BLD_free(builder);
    if (!pkey) {
        *why = QStringLiteral("not an RSA public key");
        return nullptr;
    }
    const int bits = EVP_PKEY_get_bits(pkey);
    if (bits < MinRsaBits || bits > MaxRsaBits) {
        *why = QStringLiteral("RSA key of %1 bits (%2 to %3 are accepted)")
                   .arg(bits)
                   .arg(MinRsaBits)
                   .arg(MaxRsaBits);
        EVP_PKEY_free(pkey);
        return nullptr;
    }
    // e = 1 would make every value its own signature; OpenSSL's check wants an odd e > 1 and
    // a modulus that is no small prime's multiple. A long e would make verification slow.
    EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr);
    const bool sound = check && EVP_PKEY_public_check(check) == 1 && e->size() <= 4;
    EVP_PKEY_CTX_free(check);
    if (!sound) {
        *why = QStringLiteral("not a sound RSA public key (exponent or modulus)");
        EVP_PKEY_free(pkey);
        return nullptr;
    }
    return pkey;
}

EVP_PKEY *ecKey(const QJsonObject &jwk, VerificationKey::Kind kind, QString *why) {
    const auto x = member(jwk, u"x");
    const auto y = member(jwk, u"y");
    const int size = fieldBytes(kind);
    if (!x || !y || x->size() != size || y->size() != size) {
        *why = QStringLiteral("x or y missing, not base64url or not %1 bytes").arg(size);
        return nullptr;
    }
    const QByteArray point = '\x04' + *x + *y; // SEC 1 uncompressed form
    OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
    EVP_PKEY *pkey = nullptr;
    if (builder &&
        OSSL_PARAM_BLD_push_utf8_string(builder, OSSL_PKEY_PARAM_GROUP_NAME,
                                        kind == VerificationKey::Kind::P256 ? "P-256" : "P-384",
                                        0) &&
        OSSL_PARAM_BLD_push_octet_string(builder, OSSL_PKEY_PARAM_PUB_KEY, point.constData(),
                                         size_t(point.size())))
        pkey = fromParams("EC", builder);
    OSSL_PARAM_BLD_free(builder);
    bool onCurve = false;
    if (pkey) {
        // A point off the curve invites invalid-curve attacks; fromdata alone does not check.
        EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr);
        onCurve = check && EVP_PKEY_public_check(check) == 1;
        EVP_PKEY_CTX_free(check);
    }
    if (!onCurve) {
        EVP_PKEY_free(pkey);
        *why = QStringLiteral("not a point of the curve");
        return nullptr;
    }
    return pkey;
}

EVP_PKEY *ed25519Key(const QJsonObject &jwk, QString *why) {
    const auto x = member(jwk, u"x");
    if (!x || x->size() != 32) {
        *why = QStringLiteral("x missing, not base64url or not 32 bytes");
        return nullptr;
    }
    EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char *>(x->constData()), 32);
    if (!pkey)
        *why = QStringLiteral("not an Ed25519 public key");
    return pkey;
}

// JOSE's r||s (RFC 7518 section 3.4) as the DER SEQUENCE OpenSSL verifies.
QByteArray derSignature(QByteArrayView joseSignature, int size) {
    if (joseSignature.size() != 2 * size)
        return {};
    const auto *bytes = reinterpret_cast<const unsigned char *>(joseSignature.data());
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(bytes, size, nullptr);
    BIGNUM *s = BN_bin2bn(bytes + size, size, nullptr);
    QByteArray der;
    if (sig && r && s && ECDSA_SIG_set0(sig, r, s) == 1) {
        r = s = nullptr; // owned by sig now
        const int length = i2d_ECDSA_SIG(sig, nullptr);
        if (length > 0) {
            der.resize(length);
            auto *out = reinterpret_cast<unsigned char *>(der.data());
            if (i2d_ECDSA_SIG(sig, &out) != length)
                der.clear();
        }
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return der;
}

} // namespace

std::optional<JwsAlgorithm> jwsAlgorithm(QByteArrayView name) {
    for (const AlgorithmInfo &a : Algorithms) {
        if (name == a.name)
            return a.alg;
    }
    return std::nullopt;
}

QString loggable(QString text, qsizetype maxChars) {
    if (text.size() > maxChars)
        text = text.left(maxChars) + QStringLiteral("…");
    for (QChar &c : text) {
        if (!c.isPrint() || c.category() == QChar::Other_Format)
            c = u'?';
    }
    return text;
}

const char *jwsAlgorithmName(JwsAlgorithm alg) {
    return info(alg).name;
}

namespace {

// A context ready to verify with `pkey` under `alg`; null if OpenSSL cannot make one.
EVP_MD_CTX *verifierFor(EVP_PKEY *pkey, JwsAlgorithm alg) {
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = nullptr;
    bool ok = ctx && EVP_DigestVerifyInit_ex(ctx, &pctx, info(alg).digest, nullptr, nullptr, pkey,
                                             nullptr) == 1;
    if (ok && alg == JwsAlgorithm::PS256) {
        // RFC 7518 section 3.5: MGF1 with the same hash, a salt as long as the hash.
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
    }
    if (!ok) {
        EVP_MD_CTX_free(ctx);
        ctx = nullptr;
    }
    return cleared(ctx);
}

} // namespace

struct VerificationKey::Pkey {
    EVP_PKEY *pkey = nullptr;
    // Per algorithm, a context initialised once and copied for each token: setting one up
    // (fetching the digest and the signature method from the provider) costs more than an
    // RSA verification. Only read after construction, so workers share them. Not for EdDSA,
    // whose one-shot contexts are not copied.
    std::array<EVP_MD_CTX *, std::size(Algorithms)> prototypes{};
    ~Pkey() {
        for (EVP_MD_CTX *p : prototypes)
            EVP_MD_CTX_free(p);
        EVP_PKEY_free(pkey);
    }
};

VerificationKey::VerificationKey(QByteArray keyId, Kind kind, std::optional<JwsAlgorithm> alg,
                                 std::unique_ptr<Pkey> pkey)
    : m_keyId(std::move(keyId))
    , m_kind(kind)
    , m_alg(alg)
    , m_pkey(std::move(pkey)) {
    for (const AlgorithmInfo &a : Algorithms) {
        if (a.digest && accepts(a.alg))
            m_pkey->prototypes[size_t(a.alg)] = verifierFor(m_pkey->pkey, a.alg);
    }
}

VerificationKey::~VerificationKey() = default;

bool VerificationKey::accepts(JwsAlgorithm alg) const {
    return info(alg).kind == m_kind && (!m_alg || *m_alg == alg);
}

bool VerificationKey::verify(JwsAlgorithm alg, QByteArrayView signingInput,
                             QByteArrayView signature) const {
    if (!accepts(alg))
        return false;
    QByteArray der;
    if (m_kind == Kind::P256 || m_kind == Kind::P384) {
        der = derSignature(signature, fieldBytes(m_kind));
        if (der.isEmpty())
            return false;
        signature = der;
    }
    EVP_MD_CTX *ctx = nullptr;
    if (const EVP_MD_CTX *prototype = m_pkey->prototypes[size_t(alg)]) {
        ctx = EVP_MD_CTX_new();
        if (ctx && EVP_MD_CTX_copy_ex(ctx, prototype) != 1) {
            EVP_MD_CTX_free(ctx);
            ctx = nullptr;
        }
    } else {
        ctx = verifierFor(m_pkey->pkey, alg);
    }
    const bool ok =
        ctx && EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char *>(signature.data()),
                                size_t(signature.size()),
                                reinterpret_cast<const unsigned char *>(signingInput.data()),
                                size_t(signingInput.size())) == 1;
    EVP_MD_CTX_free(ctx);
    return cleared(ok);
}

std::optional<JwkSet> JwkSet::parse(QByteArrayView json, QStringList *skipped, QString *error) {
    const QJsonDocument doc = QJsonDocument::fromJson(json.toByteArray());
    return parse(doc.object(), skipped, error);
}

std::optional<JwkSet> JwkSet::parse(const QJsonObject &document, QStringList *skipped,
                                    QString *error) {
    if (!document.value(u"keys").isArray()) {
        *error = QStringLiteral("not a JWK Set (a JSON object with a \"keys\" array)");
        return std::nullopt;
    }
    JwkSet set;
    const QJsonArray keys = document.value(u"keys").toArray();
    for (qsizetype i = 0; i < keys.size(); ++i) {
        const QJsonObject jwk = keys.at(i).toObject();
        const QByteArray kid = jwk.value(u"kid").toString().toUtf8();
        const QString name =
            kid.isEmpty() ? QStringLiteral("key %1").arg(i)
                          : QStringLiteral("key \"%1\"").arg(loggable(QString::fromUtf8(kid), 64));
        auto skip = [&](const QString &why) { *skipped << name + QStringLiteral(": ") + why; };
        if (set.size() >= MaxKeys) {
            skip(QStringLiteral("more than %1 keys").arg(MaxKeys));
            break;
        }
        const QString use = jwk.value(u"use").toString();
        if (jwk.contains(u"use") && use != u"sig") {
            skip(QStringLiteral("not a signing key (use \"%1\")").arg(use));
            continue;
        }
        if (jwk.contains(u"key_ops") &&
            !jwk.value(u"key_ops").toArray().contains(QJsonValue(QStringLiteral("verify")))) {
            skip(QStringLiteral("its key_ops do not include verify"));
            continue;
        }
        std::optional<JwsAlgorithm> alg;
        if (jwk.contains(u"alg")) {
            alg = jwsAlgorithm(jwk.value(u"alg").toString().toLatin1());
            if (!alg) {
                skip(QStringLiteral("algorithm \"%1\" is not accepted")
                         .arg(jwk.value(u"alg").toString()));
                continue;
            }
        }
        const QString kty = jwk.value(u"kty").toString();
        const QString crv = jwk.value(u"crv").toString();
        QString why;
        EVP_PKEY *pkey = nullptr;
        using Kind = VerificationKey::Kind;
        Kind kind = Kind::Rsa;
        if (kty == u"RSA") {
            pkey = rsaKey(jwk, &why);
        } else if (kty == u"EC" && (crv == u"P-256" || crv == u"P-384")) {
            kind = crv == u"P-256" ? Kind::P256 : Kind::P384;
            pkey = ecKey(jwk, kind, &why);
        } else if (kty == u"OKP" && crv == u"Ed25519") {
            kind = Kind::Ed25519;
            pkey = ed25519Key(jwk, &why);
        } else {
            why = QStringLiteral("key type \"%1\"%2 is not accepted")
                      .arg(kty, crv.isEmpty() ? QString() : QStringLiteral(" ") + crv);
        }
        ERR_clear_error();
        if (!pkey) {
            skip(why);
            continue;
        }
        auto owned = std::make_unique<VerificationKey::Pkey>();
        owned->pkey = pkey;
        std::shared_ptr<const VerificationKey> key(
            new VerificationKey(kid, kind, alg, std::move(owned)));
        if (alg && !key->accepts(*alg)) {
            skip(QStringLiteral("algorithm %1 does not fit its key type")
                     .arg(QLatin1StringView(jwsAlgorithmName(*alg))));
            continue;
        }
        if (!kid.isEmpty() && set.hasKeyId(kid)) {
            // Which of two keys a token means would be a guess.
            skip(QStringLiteral("another key has the same kid"));
            continue;
        }
        set.m_keys.push_back(std::move(key));
    }
    if (set.m_keys.empty()) {
        *error = QStringLiteral("no usable signing key");
        return std::nullopt;
    }
    return set;
}

const VerificationKey *JwkSet::find(QByteArrayView keyId, JwsAlgorithm alg) const {
    const VerificationKey *found = nullptr;
    for (const auto &key : m_keys) {
        if (!keyId.isEmpty()) {
            if (key->keyId() == keyId)
                return key->accepts(alg) ? key.get() : nullptr;
            continue;
        }
        if (!key->accepts(alg))
            continue;
        if (found)
            return nullptr; // without a kid, only an unambiguous key will do
        found = key.get();
    }
    return found;
}

bool JwkSet::hasKeyId(QByteArrayView keyId) const {
    return std::any_of(m_keys.cbegin(), m_keys.cend(),
                       [keyId](const auto &key) { return key->keyId() == keyId; });
}

} // namespace Tokengate
