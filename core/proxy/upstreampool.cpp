// SPDX-License-Identifier: Apache-2.0
#include "core/proxy/upstreampool.h"

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
    QList<UpstreamConnection *> &idle = m_idle[connection->origin()];
    if (reusable && connection->isIdleUsable() && idle.size() < m_settings.maxIdlePerOrigin) {
        connection->markIdle();
        idle.append(connection);
        return;
    }
    connection->detach();
    connection->deleteLater();
}

void UpstreamPool::onIdleClosed(UpstreamConnection *connection) {
    auto it = m_idle.find(connection->origin());
    if (it != m_idle.end() && it->removeOne(connection))
        connection->deleteLater();
}

qsizetype UpstreamPool::idleCount() const {
    qsizetype n = 0;
    for (const auto &list : m_idle)
        n += list.size();
    return n;
}

} // namespace Tokengate
