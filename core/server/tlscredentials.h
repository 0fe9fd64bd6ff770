// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/http/upstreamsettings.h"
#include "core/server/serversettings.h"

#include <QByteArrayView>
#include <QDateTime>
#include <QSslConfiguration>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

typedef struct ssl_ctx_st SSL_CTX;

namespace Tokengate {

// One certificate an HTTPS listener presents, loaded and checked as one value.
struct TlsCredentials {
    // The chain and key (and, with client_auth, the client CAs), as Qt holds them.
    QSslConfiguration configuration;
    // What an HTTPS connection presenting it uses: TLS 1.2 and 1.3 with forward-secret AEAD
    // ciphers only, ALPN http/1.1, client certificates asked for with client_auth. Shared by
    // every worker and connection (OpenSSL locks what they share: the session cache).
    std::shared_ptr<SSL_CTX> context;
    QString certFile;
    QString subject;   // the leaf's common name, or its first DNS name, for logs
    QStringList names; // what SNI may ask for: the DNS names (lower case), else the CN
    QDateTime notAfter;
};

// Everything the listener presents: the first is the default (tls.cert_file), the others
// (tls.sni_certificates) are chosen by the name a client asks for (SNI). A reload swaps in
// all of it or, on any problem, none of it.
struct TlsCertificateSet {
    QList<TlsCredentials> certificates;
    // Judges the certificates clients present (tls.client_auth); null: none is asked for.
    std::shared_ptr<const ClientCertificateVerifier> clientVerifier;

    // The certificate for `serverName`: one naming it exactly, else one whose "*." name
    // covers its first label, else the default.
    qsizetype select(QByteArrayView serverName) const;
};

// Reads a PEM chain (leaf first) and a PEM private key, unencrypted (a key file is kept like
// any secret: a 0600 file or a systemd credential); chain and key may share one file.
// Refused with `error`: an unreadable or empty file, a key that does not match the leaf, a
// leaf expired or not yet valid, a pair OpenSSL would not serve (its security level: a weak
// key or signature). `what` names the setting in messages.
std::optional<TlsCredentials> loadTlsCredentials(const QString &certFile, const QString &keyFile,
                                                 QString *error,
                                                 const QString &what = QStringLiteral("tls"));
std::optional<TlsCertificateSet> loadTlsCertificates(const TlsFiles &files, QString *error);

// The client side of TLS towards an upstream or the IdP: `caFile` trusted besides the
// system's (checked to hold certificates); with `certFile` and `keyFile`, the chain and key
// presented for mutual TLS, checked as loadTlsCredentials() does. `what` prefixes the
// settings' names in messages ("upstream.tls.").
std::shared_ptr<const TlsClientSide> loadTlsClientSide(const QString &caFile,
                                                       const QString &certFile,
                                                       const QString &keyFile, const QString &what,
                                                       QString *error);

} // namespace Tokengate
