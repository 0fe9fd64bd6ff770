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

#include <algorithm>
#include <memory>

namespace Tokengate {

namespace {

// Qt accepts some DER that OpenSSL cannot copy (X509_dup re-encodes it): such a certificate
// has no handle, and handing null to OpenSSL would crash the gateway at start or reload.
bool unreadableByOpenSsl(const QSslCertificate &c) {
    return !c.handle();
}

// Mozilla's "intermediate" profile: every TLS 1.2 suite is ECDHE with an AEAD, so a recorded
// session stays secret when the key leaks later; TLS 1.3 has nothing else.
constexpr char Tls12Ciphers[] = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr char Tls13Suites[] =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

// Sessions resume for 5 minutes (nginx's default), from a cache of at most this many per
// certificate (OpenSSL's default size; each session is about 1 KiB without client certificates).
constexpr long SessionSeconds = 300;
constexpr long CachedSessions = 20 * 1024;
// With client certificates a session also holds the client's chain (a leaf and an
// intermediate or two: a few KiB), parsed, about three times its size: at most 16 KiB
// received makes about 50 KiB, and 2,048 of them about 100 MiB per certificate at worst.
// Only verified clients' sessions stay (HttpConnection forgets the others).
constexpr long MaxClientChainBytes = 16 * 1024;
constexpr long CachedSessionsWithChains = 2 * 1024;

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

// ALPN: http/1.1 when the client offers it, else no answer (curl --http1.0 offers only
// http/1.0, some clients only h2; without an answer they speak HTTP/1.1 or give up on their
// own terms, rather than being cut off by an answer they never asked for).
int selectHttp11(SSL *, const unsigned char **out, unsigned char *outLength,
                 const unsigned char *offered, unsigned int offeredLength, void *) {
    static constexpr unsigned char Http11[] = "\x08http/1.1";
    unsigned char *selected = nullptr;
    if (SSL_select_next_proto(&selected, outLength, Http11, sizeof Http11 - 1, offered,
                              offeredLength) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

// The context every connection presenting this certificate uses, built once per load (so
// what OpenSSL refuses, its security level: a short RSA key, a SHA-1 signature, is refused
// while the previous certificate still serves) and shared by the workers, with its session
// cache: a returning client resumes whichever worker it reaches.
std::shared_ptr<SSL_CTX> serverContext(const QList<QSslCertificate> &chain, EVP_PKEY *key,
                                       QString *problem) {
    std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
    if (!ctx) {
        *problem = openSslError();
        return nullptr;
    }
    bool ok = SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) == 1 &&
              SSL_CTX_set_cipher_list(ctx.get(), Tls12Ciphers) == 1 &&
              SSL_CTX_set_ciphersuites(ctx.get(), Tls13Suites) == 1 &&
              SSL_CTX_use_certificate(ctx.get(), static_cast<X509 *>(chain.first().handle())) == 1;
    for (qsizetype i = 1; ok && i < chain.size(); ++i)
        ok = SSL_CTX_add1_chain_cert(ctx.get(), static_cast<X509 *>(chain[i].handle())) == 1;
    ok = ok && SSL_CTX_use_PrivateKey(ctx.get(), key) == 1 &&
         SSL_CTX_check_private_key(ctx.get()) == 1;
    if (!ok) {
        *problem = openSslError();
        return nullptr;
    }
    // No tickets: their keys would live as long as the process, and whoever read them from
    // memory could decrypt every recorded TLS 1.2 session resumed with one. Sessions resume
    // from the context's cache instead. TLS 1.3 sends one (stateful) ticket, not two: a
    // client resumes with one, and each is a session copied into the cache.
    // A client closing without close_notify (many do, between requests) is the end of its
    // stream, not a protocol error: OpenSSL 3 would answer it with an alert, fail the
    // connection's queued writes and drop its session. TlsServerSocket tells a cut itself.
    SSL_CTX_set_options(ctx.get(), SSL_OP_NO_TICKET | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                       SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                                       SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_set_num_tickets(ctx.get(), 1);
    SSL_CTX_set_timeout(ctx.get(), SessionSeconds);
    SSL_CTX_sess_set_cache_size(ctx.get(), CachedSessions);
    // Sessions must name their context when client certificates are asked for, or OpenSSL
    // ends a resumed TLS 1.2 handshake with a fatal alert.
    static constexpr unsigned char Id[] = "tokengate";
    SSL_CTX_set_session_id_context(ctx.get(), Id, sizeof Id - 1);
    // Partial writes and a moving buffer: TlsServerSocket hands OpenSSL what is queued, and
    // again after the kernel pushed back. Released buffers: an idle connection holds no
    // record buffers (about 34 KiB), as nginx does.
    SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE |
                                    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
    // One recv() takes whatever the client sent, not a record's 5-byte header and then its
    // body in two.
    SSL_CTX_set_read_ahead(ctx.get(), 1);
    SSL_CTX_set_alpn_select_cb(ctx.get(), selectHttp11, nullptr);
    return ctx;
}

// Client certificates are asked for and every one is taken: ClientCertificateVerifier judges
// it after the handshake, so a missing or bad one gets an HTTP answer that says why instead
// of a TLS alert. OpenSSL still checks that the client holds the key (CertificateVerify),
// but builds and checks no chain: that would be a client's free way to make the gateway
// verify up to 100 signatures per handshake, for a verdict nobody reads.
int takeAnyChain(X509_STORE_CTX *, void *) {
    return 1;
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
    if (std::any_of(chain.cbegin(), chain.cend(), unreadableByOpenSsl)) {
        *error = QStringLiteral("%1 \"%2\": a certificate in it cannot be read by OpenSSL")
                     .arg(certWhat, certFile);
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
    QString why;
    std::shared_ptr<SSL_CTX> context = serverContext(chain, pkey, &why);
    if (!context) {
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

    // The chain and key as Qt holds them: presented by the client side for mutual TLS, and
    // compared by a reload, which keeps an unchanged certificate's context (its sessions).
    QSslConfiguration c;
    c.setLocalCertificateChain(chain);
    c.setPrivateKey(privateKey);

    TlsCredentials out;
    out.configuration = c;
    out.context = std::move(context);
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
    if (std::any_of(authorities.cbegin(), authorities.cend(), unreadableByOpenSsl)) {
        *error = QStringLiteral("%1 \"%2\": a certificate in it cannot be read by OpenSSL")
                     .arg(what, files.clientCaFile);
        return std::nullopt;
    }
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
        SSL_CTX_set_verify(c.context.get(), SSL_VERIFY_PEER, nullptr);
        SSL_CTX_set_cert_verify_callback(c.context.get(), takeAnyChain, nullptr);
        // Each cached session keeps the client's chain: both are bounded.
        SSL_CTX_set_max_cert_list(c.context.get(), MaxClientChainBytes);
        SSL_CTX_sess_set_cache_size(c.context.get(), CachedSessionsWithChains);
        // The request names the CAs, so a browser offers only the certificates they issued
        // instead of every one it holds.
        STACK_OF(X509_NAME) *names = sk_X509_NAME_new_null();
        for (const QSslCertificate &authority : *authorities) {
            const auto *x509 = static_cast<X509 *>(authority.handle());
            if (X509_NAME *name = names ? X509_NAME_dup(X509_get_subject_name(x509)) : nullptr)
                sk_X509_NAME_push(names, name);
        }
        SSL_CTX_set_client_CA_list(c.context.get(), names);
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
