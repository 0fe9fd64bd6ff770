// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/http/workercontext.h"
#include "core/server/httpserver.h"
#include "core/server/serversettings.h"

#include "core/server/tlscredentials.h"
#include <QSemaphore>
#include <QThread>

namespace Tokengate {

class WorkerCore;

// A worker's listening sockets (SO_REUSEPORT); -1 where it has none, or when the single
// acceptor hands it connections.
struct WorkerListeners {
    qintptr plain = -1;
    qintptr tls = -1;
};

// One worker: a thread running an event loop that accepts (from its own listening socket)
// or adopts (from the single acceptor) connections and serves them to the end.
class WorkerThread : public QThread {
    Q_OBJECT
public:
    // `deadlineClock` must outlive the thread.
    // `tls`: what its HTTPS connections present, if it has any.
    WorkerThread(WorkerContext context, HandlerFactory factory, WorkerListeners listeners,
                 TlsCertificateSet tls, const Clock &deadlineClock, EventDispatcher dispatcher);
    ~WorkerThread() override;

    // Starts the thread and waits until it accepts; false with `error` if it could not.
    bool startServing(QString *error);
    void adopt(qintptr socketDescriptor, bool tls); // thread-safe
    void drain(int drainMs);                        // thread-safe; the thread ends when done
    // Thread-safe; returns once the worker's new requests use the new handler.
    void replaceHandler(HandlerFactory factory);
    // Thread-safe; returns once the worker's new HTTPS connections present `tls`. Those in
    // progress keep what they started with.
    void replaceTls(const TlsCertificateSet &tls);
    // Thread-safe; returns once the worker has checked every deadline.
    void sweepDeadlines();
    // QThread::wait(), and everything the thread did is this thread's to use (also for
    // ThreadSanitizer, which cannot see QtCore's futex-based join).
    void join();

protected:
    void run() override;

private:
    void serve();
    // Runs `work` on the worker's core in its thread and returns once it has; `key` marks
    // the hand-off both ways (for ThreadSanitizer, which cannot see Qt's blocking queue).
    template<typename Work> void onWorker(const void *key, Work work);

    WorkerContext m_context;
    HandlerFactory m_factory;
    WorkerListeners m_listeners;
    TlsCertificateSet m_tls;
    const Clock &m_deadlineClock;
    QSemaphore m_ready;
    // Released by join(). The thread's loop may end on its own (drained), but the thread must
    // not finish, which deletes its event dispatcher, while another thread is still inside
    // postEvent() to it: Qt calls the dispatcher's wakeUp() after unlocking the event queue.
    QSemaphore m_mayFinish;
    QString m_error;
    std::atomic<WorkerCore *> m_core{nullptr};
};

} // namespace Tokengate
