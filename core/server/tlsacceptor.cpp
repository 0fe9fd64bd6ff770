// SPDX-License-Identifier: Apache-2.0
#include "core/server/tlsacceptor.h"

#include "core/http/httpconnection.h"
#include "core/http/tlsserversocket.h"
#include "core/observe/logging.h"
#include "core/server/clienthellowait.h"
#include "core/server/peerconnections.h"

#include <sys/socket.h>
#include <unistd.h>

namespace Tokengate {

namespace {
QHostAddress peerOf(qintptr descriptor) {
    sockaddr_storage address{};
    socklen_t size = sizeof address;
    if (::getpeername(int(descriptor), reinterpret_cast<sockaddr *>(&address), &size) != 0)
        return {};
    return QHostAddress(reinterpret_cast<const sockaddr *>(&address));
}
} // namespace

TlsAcceptor::TlsAcceptor(WorkerContext &context, TlsCertificateSet certificates, Serve serve,
                         QObject *parent)
    : QObject(parent)
    , m_context(context)
    , m_certificates(std::move(certificates))
    , m_serve(std::move(serve)) {}

TlsAcceptor::~TlsAcceptor() {
    blockSignals(true); // whoever listens is being destroyed too
    stop();
}

void TlsAcceptor::accept(qintptr descriptor) {
    const QHostAddress peer = peerOf(descriptor);
    // Refused before the handshake: the client could not read an HTTP answer, so it is only
    // closed.
    if (m_stopped || m_certificates.certificates.isEmpty() ||
        m_context.openConnections->load(std::memory_order_relaxed) >=
            m_context.limits.maxConnections ||
        (m_context.peers &&
         !m_context.peers->tryAdd(peer, m_context.limits.maxConnectionsPerPeer))) {
        ::close(int(descriptor));
        return;
    }
    m_context.openConnections->fetch_add(1, std::memory_order_relaxed);
    auto *wait =
        new ClientHelloWait(descriptor, *m_context.sweeper, m_context.limits.headerTimeoutMs, this);
    m_waiting.insert(wait, peer);
    connect(wait, &ClientHelloWait::abandoned, this, [this, wait](bool timedOut) {
        if (timedOut && m_context.tlsHandshakes)
            m_context.tlsHandshakes->timedOut.fetch_add(1);
        release(wait);
    });
    connect(wait, &ClientHelloWait::notTls, this, [this, wait] {
        if (m_context.tlsHandshakes)
            m_context.tlsHandshakes->failed.fetch_add(1);
        qCDebug(lcServer).noquote() << "TLS handshake with" << m_waiting.value(wait).toString()
                                    << "failed: the first bytes are no ClientHello";
        release(wait);
    });
    connect(wait, &ClientHelloWait::helloRead, this, [this, wait](const QByteArray &name) {
        const qintptr d = wait->takeDescriptor();
        const qint64 acceptedAt = wait->acceptedAtMs();
        release(wait);
        startHandshake(d, name, acceptedAt);
    });
}

void TlsAcceptor::release(ClientHelloWait *wait) {
    const QHostAddress peer = m_waiting.take(wait);
    if (m_context.peers)
        m_context.peers->remove(peer);
    m_context.openConnections->fetch_sub(1, std::memory_order_relaxed);
    wait->deleteLater();
    emit pendingEnded();
}

void TlsAcceptor::startHandshake(qintptr descriptor, const QByteArray &serverName,
                                 qint64 acceptedAtMs) {
    const TlsCredentials &presented =
        m_certificates.certificates[m_certificates.select(serverName)];
    auto *socket = new TlsServerSocket(presented.context);
    if (!socket->adopt(descriptor)) {
        delete socket;
        return;
    }
    countFailure(socket);
    HttpConnection *connection = m_serve(socket, acceptedAtMs);
    if (!connection)
        return;
    if (m_certificates.clientVerifier)
        connection->checkClientCertificates(m_certificates.clientVerifier);
    socket->startHandshake();
}

// The handshake runs in the worker's event loop like any I/O; the connection's header
// timeout bounds it, and a failure costs a counter (scanners make many), logged at debug.
void TlsAcceptor::countFailure(TlsServerSocket *socket) {
    connect(socket, &TlsServerSocket::handshakeFailed, this, [this, socket](const QString &why) {
        if (m_context.tlsHandshakes)
            m_context.tlsHandshakes->failed.fetch_add(1);
        qCDebug(lcServer).noquote()
            << "TLS handshake with" << socket->peerAddress().toString() << "failed:" << why;
    });
}

void TlsAcceptor::replaceCertificates(const TlsCertificateSet &certificates) {
    // A certificate the reload left as it was keeps its context, so its session cache.
    TlsCertificateSet next = certificates;
    for (qsizetype i = 0; i < next.certificates.size() && i < m_certificates.certificates.size();
         ++i) {
        if (next.certificates[i].configuration == m_certificates.certificates[i].configuration)
            next.certificates[i].context = m_certificates.certificates[i].context;
    }
    m_certificates = std::move(next);
}

void TlsAcceptor::stop() {
    m_stopped = true;
    const auto waiting = m_waiting.keys();
    for (ClientHelloWait *wait : waiting) {
        release(wait);
        delete wait; // closes the descriptor now; deleteLater() above only marks it
    }
}

} // namespace Tokengate
