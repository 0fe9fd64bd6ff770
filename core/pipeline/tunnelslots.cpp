// SPDX-License-Identifier: Apache-2.0
#include "core/pipeline/tunnelslots.h"

namespace Tokengate {

TunnelSlots::Slot TunnelSlots::acquire(const QByteArray &route, int max) {
    std::shared_ptr<std::atomic<int>> count;
    {
        const QMutexLocker lock(&m_mutex);
        auto &slot = m_counts[route];
        if (!slot)
            slot = std::make_shared<std::atomic<int>>(0);
        count = slot;
    }
    if (count->fetch_add(1) >= max && max > 0) {
        count->fetch_sub(1);
        return nullptr;
    }
    // The deleter holds the counter: it outlives a reload that drops the route.
    return Slot(count.get(), [count](void *) { count->fetch_sub(1); });
}

QList<std::pair<QByteArray, int>> TunnelSlots::open() const {
    const QMutexLocker lock(&m_mutex);
    QList<std::pair<QByteArray, int>> out;
    for (auto it = m_counts.cbegin(); it != m_counts.cend(); ++it)
        out.append({it.key(), it.value()->load()});
    return out;
}

} // namespace Tokengate
