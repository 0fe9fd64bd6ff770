// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/observe/requestevent.h"

#include <QList>
#include <QMutex>
#include <QObject>

#include <atomic>

namespace Tokengate {

// Collects RequestEvents from every worker thread: keeps the last `capacity` in a ring so a
// late subscriber (GUI log) can take a snapshot, then emits each new one. Receivers in other
// threads get them through queued connections. With capacity 0 (the daemon, which never
// takes a snapshot) no copy is kept and publishing takes no lock.
class EventHub : public QObject {
    Q_OBJECT
public:
    explicit EventHub(qsizetype capacity = 1000, QObject *parent = nullptr);

    void publish(const RequestEvent &event); // thread-safe
    // A WebSocket has opened (its tunnelEnd "open"); its end is published as usual. Only for
    // views of what is going on now: kept nowhere, not counted, not in the access log.
    void publishTunnelOpened(const RequestEvent &event); // thread-safe
    QList<RequestEvent> snapshot() const;                // oldest first
    quint64 published() const;
    // First thing in a slot that gets eventPublished from another thread: the publishing
    // worker's writes (the event's data) happen before it, also for ThreadSanitizer, which
    // cannot see the queued hand-off inside QtCore.
    void received() const;

signals:
    void eventPublished(const Tokengate::RequestEvent &event);
    void tunnelOpened(const Tokengate::RequestEvent &event);

private:
    mutable QMutex m_mutex;
    QList<RequestEvent> m_ring;
    qsizetype m_capacity;
    qsizetype m_next = 0;
    std::atomic<quint64> m_published{0};
};

} // namespace Tokengate
