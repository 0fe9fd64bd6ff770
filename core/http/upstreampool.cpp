// SPDX-License-Identifier: Apache-2.0
#include "core/http/upstreampool.h"

namespace Tokengate {

UpstreamPool::UpstreamPool(UpstreamSettings settings, HttpLimits limits, DeadlineSweeper &sweeper,
                           std::shared_ptr<UpstreamPoolCounters> counters, QObject *parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_limits(limits)
    , m_sweeper(sweeper)
    , m_counters(std::move(counters)) {}

UpstreamPool::~UpstreamPool() = default; // connections are children

UpstreamConnection *UpstreamPool::acquire(const Origin &origin, bool fresh) {
    auto it = fresh ? m_idle.end() : m_idle.find(origin);
    while (it != m_idle.end() && !it->isEmpty()) {
        UpstreamConnection *c = it->takeLast();
        m_idleOrder.removeOne(c);
        if (c->isIdleUsable())
            return c;
        c->detach();
        c->deleteLater();
    }
    ++m_opened;
    auto *c = new UpstreamConnection(origin, m_settings, m_limits, m_sweeper, this);
    connect(c, &UpstreamConnection::idleClosed, this, &UpstreamPool::onIdleClosed);
    if (m_counters) {
        ++m_counters->open;
        ++m_counters->opened;
        connect(c, &QObject::destroyed, this, [counters = m_counters] { --counters->open; });
    }
    return c;
}

void UpstreamPool::release(UpstreamConnection *connection, bool reusable) {
    if (!connection)
        return;
    const auto same = m_idle.constFind(connection->origin());
    const qsizetype sameOrigin = same == m_idle.constEnd() ? 0 : same->size();
    if (!reusable || !connection->isIdleUsable() || sameOrigin >= m_settings.maxIdlePerOrigin ||
        m_settings.maxIdleTotal <= 0) {
        connection->detach();
        connection->deleteLater();
        return;
    }
    if (m_idleOrder.size() >= m_settings.maxIdleTotal) {
        UpstreamConnection *oldest = m_idleOrder.takeFirst();
        auto it = m_idle.find(oldest->origin());
        it->removeOne(oldest);
        if (it->isEmpty())
            m_idle.erase(it);
        oldest->detach();
        oldest->deleteLater();
    }
    connection->markIdle();
    m_idle[connection->origin()].append(connection);
    m_idleOrder.append(connection);
}

void UpstreamPool::onIdleClosed(UpstreamConnection *connection) {
    auto it = m_idle.find(connection->origin());
    if (it != m_idle.end() && it->removeOne(connection)) {
        m_idleOrder.removeOne(connection);
        if (it->isEmpty())
            m_idle.erase(it); // origins a client chose must not pile up either
        connection->deleteLater();
    }
}

qsizetype UpstreamPool::idleCount() const {
    return m_idleOrder.size();
}

} // namespace Tokengate
