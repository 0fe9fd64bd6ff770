// SPDX-License-Identifier: Apache-2.0
#include "core/server/tlscredentials.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslSocket>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
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

bool readFile(const QString &path, const QString &what, QByteArray *out, QString *error) {
    QFile file(path);
    if (path.isEmpty()) {
        *error = QStringLiteral("%1 is not set").arg(what);
        return false;
    }
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("%1 \"%2\": %3").arg(what, path, file.errorString());
        return false;
    }
    // A chain is a few KiB: a bound keeps a wrong path (/dev/zero, a disk image) from
    // filling memory at start or on a reload.
    constexpr qint64 MaxPemBytes = 1024 * 1024;
    *out = file.read(MaxPemBytes + 1);
    if (out->size() > MaxPemBytes) {
        *error = QStringLiteral("%1 \"%2\": larger than 1 MiB, not a PEM file").arg(what, path);
        return false;
    }
    return true;
}

// A key's bytes are wiped once parsed, not left in freed memory.
struct WipedBytes {
    QByteArray bytes;
    ~WipedBytes() {
        if (!bytes.isEmpty())
            OPENSSL_cleanse(bytes.data(), size_t(bytes.size()));
    }
};

// Builds the context each connection will use, as Qt does, so that what OpenSSL refuses
// there (its security level: a short RSA key, a SHA-1 signature; a cipher setting) is
// refused now, while the previous certificate still serves, rather than at every handshake.
QString servingProblem(const QList<QSslCertificate> &chain, EVP_PKEY *key) {
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()),
                                                          &SSL_CTX_free);
    if (!ctx)
        return openSslError();
    bool ok = SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) == 1 &&
              SSL_CTX_set_cipher_list(ctx.get(), Tls12Ciphers) == 1 &&
              SSL_CTX_set_ciphersuites(ctx.get(), Tls13Suites) == 1 &&
              SSL_CTX_use_certificate(ctx.get(), static_cast<X509 *>(chain.first().handle())) == 1;
    for (qsizetype i = 1; ok && i < chain.size(); ++i)
        ok = SSL_CTX_add1_chain_cert(ctx.get(), static_cast<X509 *>(chain[i].handle())) == 1;
    ok = ok && SSL_CTX_use_PrivateKey(ctx.get(), key) == 1 &&
         SSL_CTX_check_private_key(ctx.get()) == 1;
    return ok ? QString() : openSslError();
}

QStringList namesOf(const QSslCertificate &leaf) {
    QStringList names;
    for (const QString &n : leaf.subjectAlternativeNames().values(QSsl::DnsEntry))
        names << n.toLower();
    if (names.isEmpty()) {
        for (const QString &n : leaf.subjectInfo(QSslCertificate::CommonName))
            names << n.toLower();
    }
    return names;
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
                                                 QString *error, const QString &what) {
    const QString certWhat = what == u"tls" ? QStringLiteral("tls.cert_file") : what;
    const QString keyWhat = what == u"tls" ? QStringLiteral("tls.key_file")
                                           : QString(what).replace(QStringLiteral("cert_file"),
                                                                   QStringLiteral("key_file"));
    QByteArray certPem;
    WipedBytes key;
    QByteArray &keyPem = key.bytes;
    if (!readFile(certFile, certWhat, &certPem, error) ||
        !readFile(keyFile, keyWhat, &keyPem, error))
        return std::nullopt;
    const QList<QSslCertificate> chain = QSslCertificate::fromData(certPem, QSsl::Pem);
    if (chain.isEmpty() || chain.first().isNull()) {
        *error = QStringLiteral("%1 \"%2\": no PEM certificate in it").arg(certWhat, certFile);
        return std::nullopt;
    }
    const QSslCertificate &leaf = chain.first();

    ERR_clear_error();
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(keyPem.constData(), int(keyPem.size())), &BIO_free);
    EVP_PKEY *pkey =
        bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr) : nullptr;
    if (!pkey) {
        *error = QStringLiteral("%1 \"%2\": no unencrypted PEM private key in it (%3)")
                     .arg(keyWhat, keyFile, openSslError());
        return std::nullopt;
    }
    if (X509_check_private_key(static_cast<X509 *>(leaf.handle()), pkey) != 1) {
        ERR_clear_error();
        EVP_PKEY_free(pkey);
        *error = QStringLiteral("%1 \"%2\" is not the key of the first certificate in \"%3\"")
                     .arg(keyWhat, keyFile, certFile);
        return std::nullopt;
    }
    if (const QString why = servingProblem(chain, pkey); !why.isEmpty()) {
        EVP_PKEY_free(pkey);
        *error = QStringLiteral("%1 \"%2\": OpenSSL would not serve it: %3")
                     .arg(certWhat, certFile, why);
        return std::nullopt;
    }
    // Owned by the QSslKey from here, which may convert and free it at once.
    const QSslKey privateKey(Qt::HANDLE(pkey), QSsl::PrivateKey);
    if (privateKey.isNull()) {
        *error = QStringLiteral("%1 \"%2\": the key cannot be used").arg(keyWhat, keyFile);
        return std::nullopt;
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (leaf.expiryDate() <= now || leaf.effectiveDate() > now) {
        *error = QStringLiteral("%1 \"%2\": the certificate is valid from %3 to %4, not now")
                     .arg(certWhat, certFile, leaf.effectiveDate().toString(Qt::ISODate),
                          leaf.expiryDate().toString(Qt::ISODate));
        return std::nullopt;
    }

    QSslConfiguration c = QSslConfiguration::defaultConfiguration();
    // Ticket keys live as long as a worker's context: whoever read them from memory could
    // decrypt every recorded TLS 1.2 session resumed by ticket. Without tickets, OpenSSL
    // keeps sessions in the context's own cache, which resumes as well within the worker.
    c.setSslOption(QSsl::SslOptionDisableSessionTickets, true);
    // Without client certificates the trust store is never used: loading the system's CAs
    // into every connection's context would only cost time.
    c.setCaCertificates({});
    c.setPeerVerifyMode(QSslSocket::VerifyNone);
    c.setProtocol(QSsl::TlsV1_2OrLater);
    c.setBackendConfigurationOption(QByteArrayLiteral("MinProtocol"), QByteArrayLiteral("TLSv1.2"));
    c.setBackendConfigurationOption(QByteArrayLiteral("CipherString"), QByteArray(Tls12Ciphers));
    c.setBackendConfigurationOption(QByteArrayLiteral("Ciphersuites"), QByteArray(Tls13Suites));
    // No ALPN: Qt 6.4's server-side selection, when nothing the client offers overlaps
    // (curl --http1.0 offers only http/1.0, some clients only h2), answers with a protocol
    // the client never offered, and the client aborts the handshake. Without an answer every
    // client speaks HTTP/1.1, the only protocol here.
    c.setLocalCertificateChain(chain);
    c.setPrivateKey(privateKey);

    TlsCredentials out;
    out.configuration = c;
    out.certFile = certFile;
    out.subject = subjectOf(leaf);
    out.names = namesOf(leaf);
    out.notAfter = leaf.expiryDate();
    return out;
}

namespace {

// Every certificate of the file is a trust anchor for client certificates; the system's CAs
// never are (any public CA would then vouch for a client).
std::optional<QList<QSslCertificate>> loadClientAuthorities(const TlsFiles &files, QString *error) {
    const QString what = QStringLiteral("tls.client_ca_file");
    if (files.clientAuth == ClientAuth::OptionalNoCa) {
        if (!files.clientCaFile.isEmpty()) {
            *error = what + QStringLiteral(": set, but client_auth optional_no_ca verifies no "
                                           "certificate against it");
            return std::nullopt;
        }
        return QList<QSslCertificate>();
    }
    QByteArray pem;
    if (!readFile(files.clientCaFile, what, &pem, error))
        return std::nullopt;
    QList<QSslCertificate> authorities = QSslCertificate::fromData(pem, QSsl::Pem);
    authorities.removeIf([](const QSslCertificate &c) { return c.isNull(); });
    if (authorities.isEmpty()) {
        *error =
            QStringLiteral("%1 \"%2\": no PEM certificate in it").arg(what, files.clientCaFile);
        return std::nullopt;
    }
    return authorities;
}

} // namespace

std::optional<TlsCertificateSet> loadTlsCertificates(const TlsFiles &files, QString *error) {
    TlsCertificateSet set;
    auto first = loadTlsCredentials(files.certFile, files.keyFile, error);
    if (!first)
        return std::nullopt;
    set.certificates << *first;
    for (auto it = files.sniCertificates.cbegin(); it != files.sniCertificates.cend(); ++it) {
        const QString what = QStringLiteral("tls.sni_certificates");
        auto more = loadTlsCredentials(it.key(), it.value(), error, what);
        if (!more)
            return std::nullopt;
        if (more->names.isEmpty()) {
            *error = QStringLiteral("%1 \"%2\": the certificate names no host (no DNS name, no "
                                    "common name), so no client could ask for it")
                         .arg(what, it.key());
            return std::nullopt;
        }
        set.certificates << *more;
    }
    if (files.clientAuth == ClientAuth::None) {
        if (!files.clientCaFile.isEmpty()) {
            *error = QStringLiteral("tls.client_ca_file: set, but tls.client_auth is none");
            return std::nullopt;
        }
        return set;
    }
    const auto authorities = loadClientAuthorities(files, error);
    if (!authorities)
        return std::nullopt;
    // The handshake only asks for the certificate and takes whatever comes: the verifier
    // judges it afterwards, so a missing or bad one gets an HTTP answer that says why instead
    // of a TLS alert, and "required" is enforced per request like a route's requirement.
    for (TlsCredentials &c : set.certificates) {
        c.configuration.setCaCertificates(*authorities);
        c.configuration.setPeerVerifyMode(QSslSocket::QueryPeer);
    }
    set.clientVerifier =
        std::make_shared<ClientCertificateVerifier>(files.clientAuth, *authorities);
    return set;
}

std::shared_ptr<const TlsClientSide> loadTlsClientSide(const QString &caFile,
                                                       const QString &certFile,
                                                       const QString &keyFile, const QString &what,
                                                       QString *error) {
    auto side = std::make_shared<TlsClientSide>();
    if (!caFile.isEmpty()) {
        QByteArray pem;
        if (!readFile(caFile, what + QStringLiteral("ca_file"), &pem, error))
            return nullptr;
        if (QSslCertificate::fromData(pem, QSsl::Pem).isEmpty()) {
            *error = QStringLiteral("%1ca_file \"%2\": no PEM certificate in it").arg(what, caFile);
            return nullptr;
        }
        side->caFile = caFile;
    }
    if (certFile.isEmpty() != keyFile.isEmpty()) {
        *error = QStringLiteral("%1client_cert_file and %1client_key_file: set both or neither")
                     .arg(what);
        return nullptr;
    }
    if (!certFile.isEmpty()) {
        const auto credentials =
            loadTlsCredentials(certFile, keyFile, error, what + QStringLiteral("client_cert_file"));
        if (!credentials)
            return nullptr;
        side->chain = credentials->configuration.localCertificateChain();
        side->key = credentials->configuration.privateKey();
    }
    return side;
}

qsizetype TlsCertificateSet::select(QByteArrayView serverName) const {
    if (serverName.endsWith('.')) // the root's dot: "example.com." is example.com
        serverName.chop(1);
    if (serverName.isEmpty() || certificates.size() < 2)
        return 0;
    const QString name = QString::fromLatin1(serverName);
    for (qsizetype i = 0; i < certificates.size(); ++i) {
        if (certificates[i].names.contains(name))
            return i;
    }
    // "*.example.com" covers exactly one more label (RFC 6125 6.4.3): a.example.com, not
    // example.com or a.b.example.com.
    const qsizetype dot = name.indexOf(u'.');
    if (dot <= 0)
        return 0;
    const QString wildcard = u'*' + name.mid(dot);
    for (qsizetype i = 0; i < certificates.size(); ++i) {
        if (certificates[i].names.contains(wildcard))
            return i;
    }
    return 0;
}

} // namespace Tokengate
