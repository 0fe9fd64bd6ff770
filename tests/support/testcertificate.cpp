// SPDX-License-Identifier: Apache-2.0
#include "tests/support/testcertificate.h"

#include "core/server/selfsignedcertificate.h"

#include <QFile>

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <functional>
#include <memory>

namespace Tokengate::Test {

TestCertificate TestCertificate::make(const QString &dir, const QString &stem, const QString &name,
                                      int fromDays, int toDays) {
    TestCertificate out;
    QString error;
    const auto files =
        writeSelfSignedCertificate(dir, stem, {name, QStringLiteral("localhost")},
                                   {QStringLiteral("127.0.0.1")}, fromDays, toDays, &error);
    if (!files) {
        qWarning("%s", qPrintable(error));
        return out;
    }
    out.certFile = files->certFile;
    out.keyFile = files->keyFile;
    QFile cert(out.certFile);
    if (cert.open(QIODevice::ReadOnly))
        out.certificate = QSslCertificate(cert.readAll());
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

namespace Tokengate::Test {

namespace {

// What `write` puts in a memory BIO: a certificate's or key's PEM.
QByteArray pemWritten(const std::function<int(BIO *)> &write) {
    BIO *bio = BIO_new(BIO_s_mem());
    write(bio);
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    QByteArray out(data, int(size));
    BIO_free(bio);
    return out;
}

QByteArray pemOf(X509 *x) {
    return pemWritten([x](BIO *b) { return PEM_write_bio_X509(b, x); });
}

QByteArray keyPem(EVP_PKEY *key) {
    return pemWritten([key](BIO *b) {
        return PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
    });
}

bool writeFile(const QString &path, const QByteArray &bytes) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

void addExtension(X509 *cert, X509 *issuer, int nid, const QString &value) {
    if (value.isEmpty())
        return;
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.toUtf8().constData());
    if (!ext)
        qFatal("bad extension %s", qPrintable(value));
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

// An unsigned certificate for `key` under `issuer` (itself when null); the caller frees it.
X509 *makeCertificate(EVP_PKEY *key, const QString &commonName, X509 *issuer, int fromDays,
                      int toDays) {
    X509 *cert = X509_new();
    X509_set_version(cert, 2);
    static int serial = 1000;
    ASN1_INTEGER_set(X509_get_serialNumber(cert), ++serial);
    X509_gmtime_adj(X509_getm_notBefore(cert), long(fromDays) * 86400);
    X509_gmtime_adj(X509_getm_notAfter(cert), long(toDays) * 86400);
    X509_set_pubkey(cert, key);
    const QByteArray cn = commonName.toUtf8();
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char *>("Tokengate tests"), -1, -1,
                               0);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char *>(cn.constData()), -1, -1, 0);
    X509_set_issuer_name(cert,
                         issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(cert));
    return cert;
}

} // namespace

TestAuthority TestAuthority::root(const QString &dir, const QString &stem,
                                  const QString &commonName) {
    return makeAuthority(dir, stem, commonName, nullptr);
}

TestAuthority TestAuthority::intermediate(const QString &stem, const QString &commonName) const {
    return makeAuthority(m_dir, stem, commonName, this);
}

TestAuthority TestAuthority::makeAuthority(const QString &dir, const QString &stem,
                                           const QString &commonName, const TestAuthority *parent) {
    TestAuthority out;
    out.m_dir = dir;
    out.m_key.reset(EVP_EC_gen("P-256"), &EVP_PKEY_free);
    X509 *issuer = parent ? static_cast<X509 *>(parent->certificate.handle()) : nullptr;
    X509 *cert = makeCertificate(out.m_key.get(), commonName, issuer, -1, 365);
    if (!issuer)
        issuer = cert;
    addExtension(cert, issuer, NID_basic_constraints, QStringLiteral("critical,CA:TRUE"));
    addExtension(cert, issuer, NID_key_usage, QStringLiteral("critical,keyCertSign,cRLSign"));
    addExtension(cert, issuer, NID_subject_key_identifier, QStringLiteral("hash"));
    if (parent)
        addExtension(cert, issuer, NID_authority_key_identifier, QStringLiteral("keyid"));
    X509_sign(cert, parent ? parent->m_key.get() : out.m_key.get(), EVP_sha256());
    const QByteArray pem = pemOf(cert);
    X509_free(cert);
    out.certFile = dir + u'/' + stem + QStringLiteral(".crt");
    if (writeFile(out.certFile, pem))
        out.certificate = QSslCertificate(pem);
    return out;
}

TestCertificate TestAuthority::issue(const QString &stem, const QString &commonName,
                                     const QString &san, const char *purpose, int fromDays,
                                     int toDays, bool chained) const {
    TestCertificate out;
    EVP_PKEY *key = EVP_EC_gen("P-256");
    auto *issuer = static_cast<X509 *>(certificate.handle());
    X509 *cert = makeCertificate(key, commonName, issuer, fromDays, toDays);
    addExtension(cert, issuer, NID_basic_constraints, QStringLiteral("critical,CA:FALSE"));
    addExtension(cert, issuer, NID_key_usage, QStringLiteral("critical,digitalSignature"));
    addExtension(cert, issuer, NID_ext_key_usage, QString::fromLatin1(purpose));
    addExtension(cert, issuer, NID_subject_alt_name, san);
    addExtension(cert, issuer, NID_authority_key_identifier, QStringLiteral("keyid"));
    X509_sign(cert, m_key.get(), EVP_sha256());
    QByteArray pem = pemOf(cert);
    X509_free(cert);
    out.certificate = QSslCertificate(pem);
    if (chained)
        pem += certificate.toPem();
    out.certFile = m_dir + u'/' + stem + QStringLiteral(".crt");
    out.keyFile = m_dir + u'/' + stem + QStringLiteral(".key");
    if (!writeFile(out.certFile, pem) || !writeFile(out.keyFile, keyPem(key)))
        out.certificate.clear();
    EVP_PKEY_free(key);
    return out;
}

} // namespace Tokengate::Test
