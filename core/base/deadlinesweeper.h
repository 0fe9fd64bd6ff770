// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/base/clock.h"

#include <QObject>
#include <QSet>
#include <QTimer>

namespace Tokengate {

// Something with a deadline (a connection's idle, header or body timeout...).
class Expirable {
public:
    virtual ~Expirable() = default;
    virtual void checkDeadline(qint64 nowMs) = 0;
};

// One timer per worker thread checks every connection's deadline a few times a second;
// cheaper than a QTimer per connection re-armed on every read, at the cost of
// `resolutionMs` of precision, which timeouts measured in seconds do not notice.
class DeadlineSweeper : public QObject {
    Q_OBJECT
public:
    // `clock` is monotonic (SteadyClock) except in tests, which move a ManualClock and sweep().
    explicit DeadlineSweeper(const Clock &clock = SteadyClock::instance(), int resolutionMs = 200,
                             QObject *parent = nullptr);

    void add(Expirable *item) { m_items.insert(item); }
    void remove(Expirable *item) { m_items.remove(item); }
    qsizetype size() const { return m_items.size(); }

    // The time every deadline of this worker is measured in.
    qint64 nowMs() const { return m_clock.nowMs(); }
    // Checks every deadline now; the timer calls it, and tests after moving their clock.
    void sweep();

private:
    const Clock &m_clock;
    QSet<Expirable *> m_items;
    QTimer m_timer;
};

} // namespace Tokengate
