// SPDX-License-Identifier: Apache-2.0
#include "core/server/httpserver.h"

#include "core/observe/logging.h"
#include "core/server/listensocket.h"
#include "core/server/workerthread.h"

#include <QTcpServer>
#include <QThread>

#include <unistd.h>

namespace Tokengate {

// Accepts in the owner's thread and deals sockets to the workers in turn; used where
// SO_REUSEPORT is missing or switched off.
class SingleAcceptor : public QTcpServer {
public:
    SingleAcceptor(std::vector<std::unique_ptr<WorkerThread>> &workers, bool tls)
        : m_workers(workers)
        , m_tls(tls) {}

protected:
    void incomingConnection(qintptr socketDescriptor) override {
        m_workers[m_next]->adopt(socketDescriptor, m_tls);
        m_next = (m_next + 1) % m_workers.size();
    }

private:
    std::vector<std::unique_ptr<WorkerThread>> &m_workers;
    bool m_tls;
    size_t m_next = 0;
};

HttpServer::HttpServer(ServerSettings settings, HandlerFactory factory, EventHub *events,
                       QObject *parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_factory(std::move(factory))
    , m_events(events) {}

HttpServer::~HttpServer() {
    stop(0);
}

bool HttpServer::start(QString *error) {
    if (isRunning())
        return true;
    const int count = m_settings.workers > 0 ? m_settings.workers : QThread::idealThreadCount();
    m_usesReusePort = m_settings.reusePort && reusePortSupported();
    const TlsListen &tls = m_settings.tls;
    quint16 port = m_settings.plainEnabled ? m_settings.port : 0;
    quint16 tlsPort = tls.enabled ? tls.port : 0;

    auto abandon = [&](const QString &why) {
        if (error)
            *error = why;
        stop(0);
        return false;
    };
    if (!m_settings.plainEnabled && !tls.enabled)
        return abandon(QStringLiteral("neither listen nor tls.listen is on"));
    for (int i = 0; i < count; ++i) {
        WorkerListeners listeners;
        if (m_usesReusePort) {
            QString why;
            if (m_settings.plainEnabled && (listeners.plain = openReusePortListener(
                                                m_settings.address, port, &port, &why)) < 0)
                return abandon(why);
            if (tls.enabled &&
                (listeners.tls = openReusePortListener(tls.address, tlsPort, &tlsPort, &why)) < 0) {
                if (listeners.plain >= 0)
                    ::close(int(listeners.plain));
                return abandon(QStringLiteral("tls.listen: ") + why);
            }
        }
        WorkerContext context;
        context.workerId = i;
        context.limits = m_settings.limits;
        context.events = m_events;
        context.openConnections = &m_openConnections;
        context.peers = &m_peers;
        context.tlsHandshakes = &m_tlsHandshakes;
        auto worker = std::make_unique<WorkerThread>(context, m_factory, listeners, m_tls,
                                                     *m_deadlineClock, m_settings.eventDispatcher);
        QString why;
        if (!worker->startServing(&why))
            return abandon(why);
        m_workers.push_back(std::move(worker));
    }
    if (!m_usesReusePort) {
        for (const bool secure : {false, true}) {
            if (!(secure ? tls.enabled : m_settings.plainEnabled))
                continue;
            const QHostAddress &address = secure ? tls.address : m_settings.address;
            quint16 &p = secure ? tlsPort : port;
            auto acceptor = std::make_unique<SingleAcceptor>(m_workers, secure);
            acceptor->setMaxPendingConnections(1024);
            if (!acceptor->listen(address, p))
                return abandon(QStringLiteral("cannot listen on %1:%2: %3")
                                   .arg(address.toString())
                                   .arg(p)
                                   .arg(acceptor->errorString()));
            p = acceptor->serverPort();
            m_acceptors.push_back(std::move(acceptor));
        }
    }
    m_port = port;
    m_tlsPort = tlsPort;
    const char *how = m_usesReusePort ? "(SO_REUSEPORT)" : "(single acceptor)";
    if (m_settings.plainEnabled)
        qCInfo(lcServer).noquote() << "listening on" << m_settings.address.toString() << "port"
                                   << m_port << "with" << count << "workers" << how;
    if (tls.enabled)
        qCInfo(lcServer).noquote() << "listening for HTTPS on" << tls.address.toString() << "port"
                                   << m_tlsPort << "with" << count << "workers" << how;
    for (const TlsCredentials &c : m_tls.certificates)
        qCInfo(lcServer).noquote()
            << "HTTPS certificate for" << c.names.join(QStringLiteral(", ")) << "from" << c.certFile
            << "valid until" << c.notAfter.toString(Qt::ISODate);
    return true;
}

void HttpServer::replaceHandlers(HandlerFactory factory) {
    m_factory = factory;
    for (auto &worker : m_workers)
        worker->replaceHandler(factory);
}

void HttpServer::replaceTlsCertificates(const TlsCertificateSet &certificates) {
    m_tls = certificates;
    for (auto &worker : m_workers)
        worker->replaceTls(certificates);
}

void HttpServer::sweepDeadlines() {
    for (auto &worker : m_workers)
        worker->sweepDeadlines();
}

void HttpServer::stop(int drainMs) {
    for (auto &acceptor : m_acceptors)
        acceptor->close();
    for (auto &worker : m_workers)
        worker->drain(drainMs);
    for (auto &worker : m_workers)
        worker->join();
    m_workers.clear();
    m_acceptors.clear();
}

} // namespace Tokengate
