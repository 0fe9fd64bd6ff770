// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/http/httplimits.h"
#include "core/http/upstreamconnection.h"

#include <atomic>
#include <memory>

#include <QHash>
#include <QList>
#include <QObject>

namespace Tokengate {

// Every worker's pool counts into one of these, for /metrics.
struct UpstreamPoolCounters {
    std::atomic<qint64> open{0};
    std::atomic<quint64> opened{0};
};

// A worker's keep-alive connections to its upstreams, per origin. Connections are handed out
// most-recently-used first (warm, least likely to have been closed by the upstream).
class UpstreamPool : public QObject {
    Q_OBJECT
public:
    UpstreamPool(UpstreamSettings settings, HttpLimits limits, DeadlineSweeper &sweeper,
                 std::shared_ptr<UpstreamPoolCounters> counters = {}, QObject *parent = nullptr);
    ~UpstreamPool() override;

    const UpstreamSettings &settings() const { return m_settings; }
    // `fresh`: skip idle connections (a retry after a stale one failed).
    UpstreamConnection *acquire(const Origin &origin, bool fresh = false);
    // `reusable`: the exchange ended cleanly and the connection may serve another request.
    void release(UpstreamConnection *connection, bool reusable);

    quint64 connectionsOpened() const { return m_opened; }
    qsizetype idleCount() const;

private:
    void onIdleClosed(UpstreamConnection *connection);

    UpstreamSettings m_settings;
    HttpLimits m_limits;
    DeadlineSweeper &m_sweeper;
    QHash<Origin, QList<UpstreamConnection *>> m_idle;
    QList<UpstreamConnection *> m_idleOrder; // every idle connection, longest idle first
    quint64 m_opened = 0;
    std::shared_ptr<UpstreamPoolCounters> m_counters;
};

} // namespace Tokengate
