// SPDX-License-Identifier: Apache-2.0
#include "core/server/httpserver.h"

#include "core/observe/logging.h"
#include "core/server/listensocket.h"
#include "core/server/workerthread.h"

#include <QTcpServer>
#include <QThread>

namespace Tokengate {

// Accepts in the owner's thread and deals sockets to the workers in turn; used where
// SO_REUSEPORT is missing or switched off.
class SingleAcceptor : public QTcpServer {
public:
    explicit SingleAcceptor(std::vector<std::unique_ptr<WorkerThread>> &workers)
        : m_workers(workers) {}

protected:
    void incomingConnection(qintptr socketDescriptor) override {
        m_workers[m_next]->adopt(socketDescriptor);
        m_next = (m_next + 1) % m_workers.size();
    }

private:
    std::vector<std::unique_ptr<WorkerThread>> &m_workers;
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
    quint16 port = m_settings.port;

    auto abandon = [&](const QString &why) {
        if (error)
            *error = why;
        stop(0);
        return false;
    };
    for (int i = 0; i < count; ++i) {
        qintptr fd = -1;
        if (m_usesReusePort) {
            QString why;
            fd = openReusePortListener(m_settings.address, port, &port, &why);
            if (fd < 0)
                return abandon(why);
        }
        WorkerContext context;
        context.workerId = i;
        context.limits = m_settings.limits;
        context.events = m_events;
        context.openConnections = &m_openConnections;
        context.peers = &m_peers;
        auto worker = std::make_unique<WorkerThread>(context, m_factory, fd, *m_deadlineClock,
                                                     m_settings.eventDispatcher);
        QString why;
        if (!worker->startServing(&why))
            return abandon(why);
        m_workers.push_back(std::move(worker));
    }
    if (!m_usesReusePort) {
        m_acceptor = std::make_unique<SingleAcceptor>(m_workers);
        m_acceptor->setMaxPendingConnections(1024);
        if (!m_acceptor->listen(m_settings.address, port))
            return abandon(QStringLiteral("cannot listen on %1:%2: %3")
                               .arg(m_settings.address.toString())
                               .arg(port)
                               .arg(m_acceptor->errorString()));
        port = m_acceptor->serverPort();
    }
    m_port = port;
    qCInfo(lcServer).noquote() << "listening on" << m_settings.address.toString() << "port"
                               << m_port << "with" << count << "workers"
                               << (m_usesReusePort ? "(SO_REUSEPORT)" : "(single acceptor)");
    return true;
}

void HttpServer::replaceHandlers(HandlerFactory factory) {
    m_factory = factory;
    for (auto &worker : m_workers)
        worker->replaceHandler(factory);
}

void HttpServer::sweepDeadlines() {
    for (auto &worker : m_workers)
        worker->sweepDeadlines();
}

void HttpServer::stop(int drainMs) {
    if (m_acceptor)
        m_acceptor->close();
    for (auto &worker : m_workers)
        worker->drain(drainMs);
    for (auto &worker : m_workers)
        worker->join();
    m_workers.clear();
    m_acceptor.reset();
}

} // namespace Tokengate
