// SPDX-License-Identifier: Apache-2.0
#include "tests/support/testcertificate.h"

#include "core/server/selfsignedcertificate.h"

#include <QFile>

#include <openssl/ssl.h>

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
