// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/http/workercontext.h"
#include "core/server/httpserver.h"
#include "core/server/serversettings.h"

#include <QSemaphore>
#include <QThread>

namespace Tokengate {

class WorkerCore;

// One worker: a thread running an event loop that accepts (from its own listening socket)
// or adopts (from the single acceptor) connections and serves them to the end.
class WorkerThread : public QThread {
    Q_OBJECT
public:
    // `deadlineClock` must outlive the thread.
    WorkerThread(WorkerContext context, HandlerFactory factory, qintptr listenSocket,
                 const Clock &deadlineClock, EventDispatcher dispatcher);
    ~WorkerThread() override;

    // Starts the thread and waits until it accepts; false with `error` if it could not.
    bool startServing(QString *error);
    void adopt(qintptr socketDescriptor); // thread-safe
    void drain(int drainMs);              // thread-safe; the thread ends when done
    // Thread-safe; returns once the worker's new requests use the new handler.
    void replaceHandler(HandlerFactory factory);
    // Thread-safe; returns once the worker has checked every deadline.
    void sweepDeadlines();
    // QThread::wait(), and everything the thread did is this thread's to use (also for
    // ThreadSanitizer, which cannot see QtCore's futex-based join).
    void join();

protected:
    void run() override;

private:
    void serve();

    WorkerContext m_context;
    HandlerFactory m_factory;
    qintptr m_listenSocket;
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
