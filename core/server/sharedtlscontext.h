// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>

class QSslContext;
class QSslSocket;

namespace Tokengate {

// Qt builds a TLS context (OpenSSL's SSL_CTX: protocol limits, ciphers, certificate and key)
// for every QSslSocket, and that costs about as much CPU as the handshake's cryptography:
// OpenSSL 3's SSL_CTX_new alone takes ~170 µs here. A worker's HTTPS connections all present
// the same configuration, so they share the first one's context, as Qt's own HTTP client
// shares one between its connections (through QSslSocketPrivate, Qt's private API).
// One per worker thread: Qt's context keeps per-handshake ALPN state, so it is never used by
// two threads. Without Qt's private headers each connection builds its own, as before.
class SharedTlsContext {
public:
    SharedTlsContext();
    ~SharedTlsContext();
    // Before startServerEncryption(): `socket` uses the shared context, if there is one yet.
    void applyTo(QSslSocket *socket) const;
    // After startServerEncryption(): the first socket's context becomes the shared one.
    // `asksForCertificates`: the configuration asks clients for certificates (QueryPeer).
    void learnFrom(QSslSocket *socket, bool asksForCertificates);
    // The configuration changed (a reload): the next socket builds a new one.
    void reset();

private:
    std::shared_ptr<QSslContext> m_context;
};

} // namespace Tokengate
