// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QDateTime>
#include <QSslConfiguration>
#include <QString>

#include <optional>

namespace Tokengate {

// What an HTTPS listener presents, loaded and checked as one value: a reload either swaps in
// all of it or, on any problem, none of it.
struct TlsCredentials {
    // Server side: the chain and key, TLS 1.2 and 1.3 with forward-secret AEAD ciphers only,
    // ALPN http/1.1, no client certificate asked for.
    QSslConfiguration configuration;
    QString certFile;
    QString subject; // the leaf's common name, or its first DNS name, for logs
    QDateTime notAfter;
};

// Reads a PEM chain (leaf first) and a PEM private key, unencrypted (a key file is kept like
// any secret: a 0600 file or a systemd credential). Refused with `error`: an unreadable or
// empty file, a key that does not match the leaf, a leaf already expired or not yet valid.
std::optional<TlsCredentials> loadTlsCredentials(const QString &certFile, const QString &keyFile,
                                                 QString *error);

} // namespace Tokengate
