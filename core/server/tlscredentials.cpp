// SPDX-License-Identifier: Apache-2.0
#include "core/server/tlscredentials.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslKey>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

namespace Tokengate {

namespace {

// Mozilla's "intermediate" profile: every TLS 1.2 suite is ECDHE with an AEAD, so a recorded
// session stays secret when the key leaks later; TLS 1.3 has nothing else.
constexpr char Tls12Ciphers[] = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr char Tls13Suites[] =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

QString openSslError() {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0)
        return QStringLiteral("unknown error");
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    return QString::fromLatin1(text);
}

// Never prompts: OpenSSL's default callback would ask the terminal for a passphrase.
int noPassphrase(char *, int, int, void *) {
    return -1;
}

bool readFile(const QString &path, const char *what, QByteArray *out, QString *error) {
    QFile file(path);
    if (path.isEmpty()) {
        *error = QStringLiteral("%1 is not set").arg(QLatin1String(what));
        return false;
    }
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("%1 \"%2\": %3").arg(QLatin1String(what), path, file.errorString());
        return false;
    }
    *out = file.readAll();
    return true;
}

QString subjectOf(const QSslCertificate &leaf) {
    const QStringList names = leaf.subjectInfo(QSslCertificate::CommonName);
    if (!names.isEmpty() && !names.first().isEmpty())
        return names.first();
    const auto alternatives = leaf.subjectAlternativeNames().values(QSsl::DnsEntry);
    return alternatives.isEmpty() ? QString() : alternatives.first();
}

} // namespace

std::optional<TlsCredentials> loadTlsCredentials(const QString &certFile, const QString &keyFile,
                                                 QString *error) {
    QByteArray certPem, keyPem;
    if (!readFile(certFile, "tls.cert_file", &certPem, error) ||
        !readFile(keyFile, "tls.key_file", &keyPem, error))
        return std::nullopt;
    const QList<QSslCertificate> chain = QSslCertificate::fromData(certPem, QSsl::Pem);
    if (chain.isEmpty() || chain.first().isNull()) {
        *error = QStringLiteral("tls.cert_file \"%1\": no PEM certificate in it").arg(certFile);
        return std::nullopt;
    }
    const QSslCertificate &leaf = chain.first();

    ERR_clear_error();
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(keyPem.constData(), int(keyPem.size())), &BIO_free);
    EVP_PKEY *key =
        bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr) : nullptr;
    if (!key) {
        *error = QStringLiteral("tls.key_file \"%1\": no unencrypted PEM private key in it (%2)")
                     .arg(keyFile, openSslError());
        return std::nullopt;
    }
    if (X509_check_private_key(static_cast<X509 *>(leaf.handle()), key) != 1) {
        ERR_clear_error();
        EVP_PKEY_free(key);
        *error = QStringLiteral("tls.key_file \"%1\" is not the key of the first certificate in "
                                "tls.cert_file \"%2\"")
                     .arg(keyFile, certFile);
        return std::nullopt;
    }
    // Owned by the QSslKey from here, which may convert and free it at once.
    const QSslKey privateKey(Qt::HANDLE(key), QSsl::PrivateKey);
    if (privateKey.isNull()) {
        *error = QStringLiteral("tls.key_file \"%1\": the key cannot be used").arg(keyFile);
        return std::nullopt;
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (leaf.expiryDate() <= now || leaf.effectiveDate() > now) {
        *error = QStringLiteral("tls.cert_file \"%1\": the certificate is valid from %2 to %3, "
                                "not now")
                     .arg(certFile, leaf.effectiveDate().toString(Qt::ISODate),
                          leaf.expiryDate().toString(Qt::ISODate));
        return std::nullopt;
    }

    QSslConfiguration c = QSslConfiguration::defaultConfiguration();
    // Without client certificates the trust store is never used: loading the system's CAs
    // into every connection's context would only cost time.
    c.setCaCertificates({});
    c.setPeerVerifyMode(QSslSocket::VerifyNone);
    c.setProtocol(QSsl::TlsV1_2OrLater);
    c.setBackendConfigurationOption(QByteArrayLiteral("MinProtocol"), QByteArrayLiteral("TLSv1.2"));
    c.setBackendConfigurationOption(QByteArrayLiteral("CipherString"), QByteArray(Tls12Ciphers));
    c.setBackendConfigurationOption(QByteArrayLiteral("Ciphersuites"), QByteArray(Tls13Suites));
    c.setAllowedNextProtocols({QByteArray(QSslConfiguration::NextProtocolHttp1_1)});
    c.setLocalCertificateChain(chain);
    c.setPrivateKey(privateKey);

    TlsCredentials out;
    out.configuration = c;
    out.certFile = certFile;
    out.subject = subjectOf(leaf);
    out.notAfter = leaf.expiryDate();
    return out;
}

} // namespace Tokengate
