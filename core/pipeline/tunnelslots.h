// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QMutex>

#include <atomic>
#include <memory>
#include <utility>

namespace Tokengate {

// Open WebSocket tunnels per route name, shared by every worker and kept across reloads, so a
// route's `max_tunnels` counts the tunnels its earlier configuration opened too.
class TunnelSlots {
public:
    // Held from the upgrade's admission until its tunnel ends (or the upstream declines);
    // the slot is given back when the last copy goes.
    using Slot = std::shared_ptr<void>;

    // Null when `route` already holds `max` (0: no cap, the slot only counts).
    Slot acquire(const QByteArray &route, int max);
    // Each route that ever had a tunnel, and how many are open now (for /metrics).
    QList<std::pair<QByteArray, int>> open() const;

private:
    mutable QMutex m_mutex;
    QHash<QByteArray, std::shared_ptr<std::atomic<int>>> m_counts;
};

} // namespace Tokengate
