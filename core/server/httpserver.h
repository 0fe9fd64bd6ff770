// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/base/clock.h"
#include "core/http/workercontext.h"
#include "core/server/peerconnections.h"
#include "core/server/serversettings.h"
#include "core/server/tlscredentials.h"

#include <QHostAddress>
#include <QObject>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace Tokengate {

class DeadlineSweeper;
class EventHub;
class RequestHandler;
class WorkerThread;
class SingleAcceptor;

// Builds a worker's request handler inside that worker's thread.
using HandlerFactory =
    std::function<std::shared_ptr<RequestHandler>(DeadlineSweeper &sweeper, int workerId)>;

// An HTTP/1.1 server on N worker threads, each an event loop with its own listening socket
// (SO_REUSEPORT, the kernel spreads connections) or fed by a single acceptor.
class HttpServer : public QObject {
    Q_OBJECT
public:
    HttpServer(ServerSettings settings, HandlerFactory factory, EventHub *events = nullptr,
               QObject *parent = nullptr);
    ~HttpServer() override;

    // With settings.tls enabled, what the HTTPS listener presents; before start().
    void setTlsCertificates(const TlsCertificateSet &certificates) { m_tls = certificates; }
    bool start(QString *error);
    // Stops accepting, lets requests in progress finish for up to `drainMs`, then closes
    // what is left. Blocks until every worker has stopped.
    void stop(int drainMs = 10'000);

    // Every worker's new requests go to handlers from `factory` once this returns; requests in
    // progress finish on the handlers that started them. Listeners and limits stay.
    void replaceHandlers(HandlerFactory factory);
    // New HTTPS connections present `credentials` once this returns; those in progress keep
    // the certificate they were opened with.
    void replaceTlsCertificates(const TlsCertificateSet &certificates);
    const TlsCertificateSet &tlsCertificates() const { return m_tls; }
    const TlsHandshakeStats &tlsHandshakes() const { return m_tlsHandshakes; }

    // The time connection deadlines are measured in; monotonic unless a test passes a
    // ManualClock, which must outlive the server. Before start().
    void setDeadlineClock(const Clock &clock) { m_deadlineClock = &clock; }
    // Checks every worker's deadlines now and returns when all have; with a ManualClock, a
    // test moves it and calls this instead of waiting for the periodic check.
    void sweepDeadlines();

    bool isRunning() const { return !m_workers.empty(); }
    QHostAddress address() const { return m_settings.address; }
    quint16 port() const { return m_port; }       // 0 without a plain listener
    quint16 tlsPort() const { return m_tlsPort; } // 0 without an HTTPS listener
    int workerCount() const { return int(m_workers.size()); }
    bool usesReusePort() const { return m_usesReusePort; }
    int openConnections() const { return m_openConnections.load(); }

private:
    ServerSettings m_settings;
    HandlerFactory m_factory;
    EventHub *m_events;
    const Clock *m_deadlineClock = &SteadyClock::instance();
    std::vector<std::unique_ptr<WorkerThread>> m_workers;
    std::vector<std::unique_ptr<SingleAcceptor>> m_acceptors;
    std::atomic<int> m_openConnections{0};
    PeerConnections m_peers;
    TlsCertificateSet m_tls;
    TlsHandshakeStats m_tlsHandshakes;
    quint16 m_port = 0;
    quint16 m_tlsPort = 0;
    bool m_usesReusePort = false;
};

} // namespace Tokengate
