// SPDX-License-Identifier: Apache-2.0
#include "tests/support/testcertificate.h"

#include <QFile>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace Tokengate::Test {

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

bool writeFile(const QString &path, const QByteArray &bytes) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

} // namespace

TestCertificate TestCertificate::make(const QString &dir, const QString &stem, const QString &name,
                                      int fromDays, int toDays) {
    TestCertificate out;
    Key key(EVP_EC_gen("P-256"));
    Cert cert(X509_new());
    if (!key || !cert)
        return out;
    X509_set_version(cert.get(), 2);
    static long serial = 1;
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), long(fromDays) * 86400);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), long(toDays) * 86400);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME *subject = X509_get_subject_name(cert.get());
    const QByteArray cn = name.toUtf8();
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char *>(cn.constData()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), subject);
    const QByteArray san = "DNS:" + cn + ",DNS:localhost,IP:127.0.0.1";
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.constData());
    if (!ext)
        return out;
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0)
        return out;
    const QByteArray certPem = pem([&](BIO *b) { return PEM_write_bio_X509(b, cert.get()); });
    const QByteArray keyPem = pem([&](BIO *b) {
        return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    });
    out.certFile = dir + u'/' + stem + QStringLiteral(".crt");
    out.keyFile = dir + u'/' + stem + QStringLiteral(".key");
    if (!writeFile(out.certFile, certPem) || !writeFile(out.keyFile, keyPem))
        return out;
    out.certificate = QSslCertificate(certPem);
    return out;
}

QByteArray openSslClientHello(const QByteArray &serverName) {
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                          &SSL_CTX_free);
    std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), &SSL_free);
    BIO *in = BIO_new(BIO_s_mem());
    BIO *out = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl.get(), in, out); // owned by the SSL from here
    if (!serverName.isEmpty())
        SSL_set_tlsext_host_name(ssl.get(), serverName.constData());
    SSL_connect(ssl.get()); // wants to read the server's answer: the hello is out
    char *data = nullptr;
    const long size = BIO_get_mem_data(out, &data);
    return QByteArray(data, int(size));
}

} // namespace Tokengate::Test
