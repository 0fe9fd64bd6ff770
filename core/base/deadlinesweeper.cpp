// SPDX-License-Identifier: Apache-2.0
#include "core/base/deadlinesweeper.h"

namespace Tokengate {

DeadlineSweeper::DeadlineSweeper(const Clock &clock, int resolutionMs, QObject *parent)
    : QObject(parent)
    , m_clock(clock) {
    m_timer.setInterval(resolutionMs);
    connect(&m_timer, &QTimer::timeout, this, &DeadlineSweeper::sweep);
    m_timer.start();
}

void DeadlineSweeper::sweep() {
    const qint64 now = nowMs();
    // A check may close a connection, which removes it (and maybe others) from the set.
    const QList<Expirable *> items = m_items.values();
    for (Expirable *item : items) {
        if (m_items.contains(item))
            item->checkDeadline(now);
    }
}

} // namespace Tokengate
