// SPDX-License-Identifier: Apache-2.0
#include "core/observe/eventhub.h"

#include "core/base/threadhandoff.h"

namespace Tokengate {

EventHub::EventHub(qsizetype capacity, QObject *parent)
    : QObject(parent)
    , m_capacity(qMax<qsizetype>(0, capacity)) {
    qRegisterMetaType<RequestEvent>();
    m_ring.reserve(m_capacity);
}

void EventHub::publish(const RequestEvent &event) {
    if (m_capacity > 0) {
        QMutexLocker lock(&m_mutex);
        if (m_ring.size() < m_capacity)
            m_ring.append(event);
        else
            m_ring[m_next] = event;
        m_next = (m_next + 1) % m_capacity;
    }
    m_published.fetch_add(1, std::memory_order_release); // after the ring: see published()
    ThreadHandoff::sent(this);
    emit eventPublished(event);
}

void EventHub::publishTunnelOpened(const RequestEvent &event) {
    ThreadHandoff::sent(this);
    emit tunnelOpened(event);
}

void EventHub::received() const {
    ThreadHandoff::received(this);
}

QList<RequestEvent> EventHub::snapshot() const {
    QMutexLocker lock(&m_mutex);
    if (m_ring.size() < m_capacity || m_ring.isEmpty())
        return m_ring;
    QList<RequestEvent> out = m_ring.mid(m_next);
    out.append(m_ring.first(m_next));
    return out;
}

quint64 EventHub::published() const {
    return m_published.load(std::memory_order_acquire);
}

} // namespace Tokengate
