// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/http/workercontext.h"
#include "core/server/tlscredentials.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>

#include <functional>
#include <vector>

class QTcpSocket;

namespace Tokengate {

class ClientHelloWait;
class HttpConnection;
class TlsServerSocket;

// A worker's HTTPS accepts: each connection waits (ClientHelloWait) until its ClientHello
// names the certificate to present, then becomes a TlsServerSocket handed to `serve` (which
// makes it an HttpConnection, or refuses it) and starts its handshake. Connections waiting
// for their hello count against max_connections and the per-peer cap like any other.
class TlsAcceptor : public QObject {
    Q_OBJECT
public:
    // Makes `socket` an HttpConnection, or refuses it (null); its deadlines count from
    // `acceptedAtMs`.
    using Serve = std::function<HttpConnection *(QTcpSocket *socket, qint64 acceptedAtMs)>;
    TlsAcceptor(WorkerContext &context, TlsCertificateSet certificates, Serve serve,
                QObject *parent = nullptr);
    ~TlsAcceptor() override;

    void accept(qintptr descriptor);
    // New connections present these; those already under way keep what they started with.
    void replaceCertificates(const TlsCertificateSet &certificates);
    // A drain: connections still waiting for their hello are closed; none is accepted.
    void stop();
    bool hasPending() const { return !m_waiting.isEmpty(); }

signals:
    void pendingEnded(); // one fewer connection waiting for its hello

private:
    void release(ClientHelloWait *wait);
    void startHandshake(qintptr descriptor, const QByteArray &serverName, qint64 acceptedAtMs);
    void countFailure(TlsServerSocket *socket);

    WorkerContext &m_context;
    TlsCertificateSet m_certificates;
    Serve m_serve;
    QHash<ClientHelloWait *, QHostAddress> m_waiting; // and each one's peer
    bool m_stopped = false;
};

} // namespace Tokengate
