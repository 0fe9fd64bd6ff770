// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QList>
#include <QSslCertificate>

#include <memory>

namespace Tokengate {

// What an HTTPS listener asks of its clients (tls.client_auth).
enum class ClientAuth {
    None,         // no certificate asked for
    Optional,     // asked for; a request without a verified one goes on without its identity
    Required,     // every request on a connection without a verified one is refused (403)
    OptionalNoCa, // asked for, never verified: only its fingerprint counts (RFC 8705 3.2)
};

// The certificate a client presented in its handshake, read once per connection. Every text
// is safe as a header value: bytes outside printable ASCII are escaped.
struct ClientCertificate {
    bool verified = false; // chains to tls.client_ca_file, valid now, usable for client auth
    QByteArray problem;    // why it is not verified (OpenSSL's words)
    QByteArray sha256;     // of the leaf's DER: the RFC 8705 x5t#S256 thumbprint, raw
    QByteArray subject;    // RFC 4514
    QByteArray issuer;     // RFC 4514
    QByteArray san;        // "DNS:a.example, URI:spiffe://x/y, IP:10.0.0.1, email:a@b.example"
    QByteArray serial;     // hex, upper case
    QByteArray pem;        // the leaf, percent-encoded (nginx's $ssl_client_escaped_cert)
    qint64 notAfterSecs = 0;

    // Verified at the handshake and not expired since: a keep-alive connection or a
    // WebSocket can outlive its certificate.
    bool verifiedNow() const;
};

// What a route can send upstream about the client's certificate (client_certificate_headers).
enum class ClientCertificateField { Subject, Issuer, San, Sha256, Serial, Cert, Verify };

// The field's header value; empty: not sent. Names (subject, issuer, san, serial) and the
// certificate itself only from a verified certificate, or the client would choose what an
// upstream reads in them; the fingerprint from any the client holds the key of (the handshake
// proves it); "verify" is SUCCESS, FAILED:<why> or NONE (nginx's $ssl_client_verify).
QByteArray clientCertificateValue(const ClientCertificate *certificate,
                                  ClientCertificateField field);

// The trust anchors of client certificates, shared by every connection of a listener. Each
// certificate in the file is an anchor, intermediate ones too (a partial chain is enough).
class ClientCertificateVerifier {
public:
    ClientCertificateVerifier(ClientAuth mode, const QList<QSslCertificate> &authorities);
    ~ClientCertificateVerifier();
    ClientCertificateVerifier(const ClientCertificateVerifier &) = delete;
    ClientCertificateVerifier &operator=(const ClientCertificateVerifier &) = delete;

    ClientAuth mode() const { return m_mode; }
    // `chain`: leaf first, as the client sent it. Null when it is empty.
    std::shared_ptr<const ClientCertificate> inspect(const QList<QSslCertificate> &chain) const;

private:
    QByteArray verify(const QList<QSslCertificate> &chain) const; // empty: verified

    ClientAuth m_mode;
    struct Store;
    std::unique_ptr<Store> m_store;
};

} // namespace Tokengate
