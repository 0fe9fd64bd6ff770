// SPDX-License-Identifier: Apache-2.0
#include "core/server/workerthread.h"

#include "core/base/deadlinesweeper.h"
#include "core/base/reason.h"
#include "core/base/threadcleanup.h"
#include "core/base/threadhandoff.h"
#include "core/http/exchange.h"
#include "core/http/httpconnection.h"
#include "core/http/refusal.h"
#include "core/http/tlsserversocket.h"
#include "core/observe/logging.h"
#include "core/server/epolldispatcher.h"
#include "core/server/peerconnections.h"
#include "core/server/tlsacceptor.h"

#include <QCoreApplication>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <openssl/crypto.h>

#include <unistd.h>

namespace Tokengate {

namespace {
// Hands each accepted descriptor to `accept`: a QTcpServer would wrap it in a plain
// QTcpSocket, and an HTTPS connection needs a TlsServerSocket from the start.
class DescriptorServer : public QTcpServer {
public:
    explicit DescriptorServer(std::function<void(qintptr)> accept)
        : m_accept(std::move(accept)) {}

protected:
    void incomingConnection(qintptr descriptor) override { m_accept(descriptor); }

private:
    std::function<void(qintptr)> m_accept;
};
} // namespace

// The objects of one worker, created and destroyed inside its thread.
class WorkerCore : public QObject {
public:
    WorkerCore(WorkerContext &context, const HandlerFactory &factory, TlsCertificateSet tls,
               const Clock &deadlineClock)
        : m_context(context)
        , m_sweeper(deadlineClock) {
        m_context.sweeper = &m_sweeper;
        m_context.handler = factory(m_sweeper, m_context.workerId);
        m_tls = new TlsAcceptor(
            m_context, std::move(tls),
            [this](QTcpSocket *socket, qint64 acceptedAtMs) { return serve(socket, acceptedAtMs); },
            this);
        QObject::connect(m_tls, &TlsAcceptor::pendingEnded, this, [this] { quitIfDrained(); });
        m_retiredCheck.setInterval(250);
        QObject::connect(&m_retiredCheck, &QTimer::timeout, this, [this] { releaseRetired(); });
    }

    ~WorkerCore() override {
        // Connections use the sweeper and the handlers, which are members: end them first.
        const auto connections = m_connections;
        for (HttpConnection *c : connections)
            delete c;
        delete m_tls; // before the sweeper its waiting connections are registered with
        m_retired.clear();
        m_context.handler.reset();
    }

    // New requests go to a handler built from `factory`; the old one stays alive until the
    // requests (and introspection calls) it started are done.
    void replaceHandler(const HandlerFactory &factory) {
        m_retired.push_back(std::move(m_context.handler));
        m_context.handler = factory(m_sweeper, m_context.workerId);
        m_retiredCheck.start();
    }

    void sweepDeadlines() { m_sweeper.sweep(); }
    void replaceTls(const TlsCertificateSet &tls) { m_tls->replaceCertificates(tls); }

    bool listen(WorkerListeners listeners, QString *error) {
        for (const bool tls : {false, true}) {
            const qintptr fd = tls ? listeners.tls : listeners.plain;
            if (fd < 0)
                continue;
            auto server =
                std::make_unique<DescriptorServer>([this, tls](qintptr d) { adopt(d, tls); });
            if (!server->setSocketDescriptor(fd)) {
                *error = server->errorString();
                return false;
            }
            m_servers.push_back(std::move(server));
        }
        return true;
    }

    void adopt(qintptr fd, bool tls) {
        if (tls) {
            m_tls->accept(fd);
            return;
        }
        auto *socket = new QTcpSocket;
        if (!socket->setSocketDescriptor(fd)) {
            ::close(int(fd));
            delete socket;
            return;
        }
        serve(socket);
    }

    void drain(int drainMs) {
        m_draining = true;
        for (auto &server : m_servers)
            server->close();
        m_tls->stop();
        const auto connections = m_connections;
        for (HttpConnection *c : connections)
            c->closeWhenIdle();
        QTimer::singleShot(drainMs, this, [this] {
            const auto left = m_connections;
            for (HttpConnection *c : left)
                c->abortResponse(Reason::ShuttingDown);
            QThread::currentThread()->quit();
        });
        quitIfDrained();
    }

private:
    // `acceptedAtMs`: when the connection was accepted, if that was before now (an HTTPS
    // connection waited for its hello); its first deadline counts from then.
    HttpConnection *serve(QTcpSocket *socket, qint64 acceptedAtMs = -1) {
        socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        if (m_draining || m_context.openConnections->load(std::memory_order_relaxed) >=
                              m_context.limits.maxConnections) {
            refuse(socket);
            return nullptr;
        }
        const QHostAddress peer = socket->peerAddress();
        if (m_context.peers &&
            !m_context.peers->tryAdd(peer, m_context.limits.maxConnectionsPerPeer)) {
            refuse(socket);
            return nullptr;
        }
        auto *connection = new HttpConnection(socket, m_context, this);
        if (acceptedAtMs >= 0)
            connection->countFrom(acceptedAtMs);
        m_connections.insert(connection);
        QObject::connect(connection, &HttpConnection::closed, this, [this, connection, peer] {
            if (m_context.peers)
                m_context.peers->remove(peer);
            m_connections.remove(connection);
            quitIfDrained();
        });
        return connection;
    }

    static void refuse(QTcpSocket *socket) {
        static const QByteArray busy = refusalBytes(Reason::TooManyConnections);
        // Before its handshake an HTTPS client could not read the answer: it is only closed.
        if (!qobject_cast<TlsServerSocket *>(socket))
            socket->write(busy);
        QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        socket->disconnectFromHost();
    }

    // From a timer, never from inside a handler's own call stack.
    void releaseRetired() {
        std::erase_if(m_retired, [](const std::shared_ptr<RequestHandler> &h) {
            return h.use_count() == 1 && !h->busy();
        });
        if (m_retired.empty())
            m_retiredCheck.stop();
    }

    void quitIfDrained() {
        if (m_draining && m_connections.isEmpty() && !m_tls->hasPending())
            QThread::currentThread()->quit();
    }

    WorkerContext &m_context;
    DeadlineSweeper m_sweeper;
    std::vector<std::shared_ptr<RequestHandler>> m_retired; // replaced, still finishing requests
    QTimer m_retiredCheck;
    std::vector<std::unique_ptr<QTcpServer>> m_servers;
    TlsAcceptor *m_tls; // a child
    QSet<HttpConnection *> m_connections;
    bool m_draining = false;
};

WorkerThread::WorkerThread(WorkerContext context, HandlerFactory factory, WorkerListeners listeners,
                           TlsCertificateSet tls, const Clock &deadlineClock,
                           EventDispatcher dispatcher)
    : m_context(std::move(context))
    , m_factory(std::move(factory))
    , m_listeners(listeners)
    , m_tls(std::move(tls))
    , m_deadlineClock(deadlineClock) {
    setObjectName(QStringLiteral("tokengate-worker-%1").arg(m_context.workerId));
    if (dispatcher == EventDispatcher::Epoll) {
        auto epoll = std::make_unique<EpollDispatcher>();
        if (epoll->isValid())
            setEventDispatcher(epoll.release()); // the thread owns it from here
        else
            qCWarning(lcServer) << "cannot create an epoll set; worker" << m_context.workerId
                                << "uses Qt's event dispatcher";
    }
}

WorkerThread::~WorkerThread() {
    if (isRunning()) {
        quit();
        join();
    }
}

bool WorkerThread::startServing(QString *error) {
    start();
    m_ready.acquire();
    ThreadHandoff::received(&m_ready);
    if (!m_error.isEmpty()) {
        join();
        if (error)
            *error = m_error;
        return false;
    }
    return true;
}

void WorkerThread::run() {
    serve();
    // OpenSSL frees this thread's state (its error queue, hashing contexts) in a thread-local
    // destructor that runs after QThread::wait() has returned, so at exit it raced with
    // OPENSSL_cleanup() (TSan) or was skipped (LeakSanitizer). Freed here, before join(), with
    // the OpenSSL objects our own code keeps per thread.
    ThreadCleanup::run();
    OPENSSL_thread_stop();
    m_mayFinish.acquire();
    ThreadHandoff::received(&m_mayFinish);
    ThreadHandoff::sent(this); // to join()
}

void WorkerThread::serve() {
    auto core = std::make_unique<WorkerCore>(m_context, m_factory, m_tls, m_deadlineClock);
    if (!core->listen(m_listeners, &m_error)) {
        core.reset();
        ThreadHandoff::sent(&m_ready); // m_error
        m_ready.release();
        return;
    }
    m_core = core.get();
    ThreadHandoff::sent(&m_ready);
    m_ready.release();
    exec();
    m_core = nullptr;
    // deleteLater()ed connections still point into the core; let them go first.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    core.reset();
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
}

void WorkerThread::join() {
    // Whatever this thread posted to the worker (a drain, a reload) has returned by now.
    ThreadHandoff::sent(&m_mayFinish);
    m_mayFinish.release();
    wait();
    ThreadHandoff::received(this);
}

void WorkerThread::adopt(qintptr socketDescriptor, bool tls) {
    WorkerCore *core = m_core.load();
    if (!core)
        return;
    ThreadHandoff::sent(core);
    QMetaObject::invokeMethod(core, [core, socketDescriptor, tls] {
        ThreadHandoff::received(core);
        core->adopt(socketDescriptor, tls);
    });
}

template<typename Work> void WorkerThread::onWorker(const void *key, Work work) {
    WorkerCore *core = m_core.load();
    if (!core)
        return;
    ThreadHandoff::sent(key);
    QMetaObject::invokeMethod(
        core,
        [core, key, &work] {
            ThreadHandoff::received(key);
            work(*core);
            ThreadHandoff::sent(key); // what the worker did, back to this thread
        },
        Qt::BlockingQueuedConnection);
    ThreadHandoff::received(key);
}

void WorkerThread::replaceTls(const TlsCertificateSet &tls) {
    onWorker(&tls, [&tls](WorkerCore &core) { core.replaceTls(tls); });
}

void WorkerThread::replaceHandler(HandlerFactory factory) {
    onWorker(&factory, [&factory](WorkerCore &core) { core.replaceHandler(factory); });
}

void WorkerThread::sweepDeadlines() {
    onWorker(this, [](WorkerCore &core) { core.sweepDeadlines(); });
}

void WorkerThread::drain(int drainMs) {
    WorkerCore *core = m_core.load();
    if (!core) {
        quit();
        return;
    }
    ThreadHandoff::sent(core);
    QMetaObject::invokeMethod(core, [core, drainMs] {
        ThreadHandoff::received(core);
        core->drain(drainMs);
    });
}

} // namespace Tokengate
