// SPDX-License-Identifier: Apache-2.0
#include "core/server/selfsignedcertificate.h"

#include <QFile>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <functional>
#include <memory>

namespace Tokengate {

namespace {

template<typename T, void (*Free)(T *)> struct Deleter {
    void operator()(T *p) const { Free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

QByteArray pem(const std::function<int(BIO *)> &write) {
    Bio bio(BIO_new(BIO_s_mem()));
    if (!bio || write(bio.get()) != 1)
        return {};
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, int(size));
}

bool writeFile(const QString &path, const QByteArray &bytes, QFileDevice::Permissions mode) {
    QFile f(path);
    // Created with its final permissions' worth of access only: a key is never readable by
    // others, not even between open() and a later chmod.
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate, mode) && f.setPermissions(mode) &&
           f.write(bytes) == bytes.size();
}

} // namespace

std::optional<CertificateFiles>
writeSelfSignedCertificate(const QString &dir, const QString &stem, const QStringList &dnsNames,
                           const QStringList &addresses, int fromDays, int toDays, QString *error) {
    auto fail = [&](const QString &what) {
        *error = QStringLiteral("cannot make a certificate: ") + what;
        return std::nullopt;
    };
    if (dnsNames.isEmpty())
        return fail(QStringLiteral("no name"));
    Key key(EVP_EC_gen("P-256"));
    Cert cert(X509_new());
    if (!key || !cert)
        return fail(QStringLiteral("no key"));
    X509_set_version(cert.get(), 2);
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f; // positive
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), long(fromDays) * 86400);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), long(toDays) * 86400);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME *subject = X509_get_subject_name(cert.get());
    const QByteArray cn = dnsNames.first().toUtf8();
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char *>(cn.constData()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), subject);
    QStringList san;
    for (const QString &n : dnsNames)
        san << QStringLiteral("DNS:") + n;
    for (const QString &a : addresses)
        san << QStringLiteral("IP:") + a;
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name,
                                              san.join(u',').toUtf8().constData());
    if (!ext) {
        ERR_clear_error();
        return fail(QStringLiteral("bad names ") + san.join(u','));
    }
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0)
        return fail(QStringLiteral("signing failed"));
    const QByteArray certPem = pem([&](BIO *b) { return PEM_write_bio_X509(b, cert.get()); });
    const QByteArray keyPem = pem([&](BIO *b) {
        return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    });
    CertificateFiles out{dir + u'/' + stem + QStringLiteral(".crt"),
                         dir + u'/' + stem + QStringLiteral(".key")};
    if (!writeFile(out.certFile, certPem,
                   QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup |
                       QFileDevice::ReadOther) ||
        !writeFile(out.keyFile, keyPem, QFileDevice::ReadOwner | QFileDevice::WriteOwner))
        return fail(QStringLiteral("cannot write to ") + dir);
    return out;
}

} // namespace Tokengate
