// SPDX-License-Identifier: Apache-2.0
#include "core/server/timerqueue.h"

#include <QCoreApplication>
#include <QTimerEvent>

#include <chrono>
#include <vector>

namespace Tokengate {

namespace {

constexpr qint64 NsPerMs = 1'000'000;
constexpr qint64 NsPerSecond = 1'000'000'000;

// Coarse deadlines snap to the roundest boundary within 5 % of the interval, so that timers
// of similar intervals wake the thread together.
TimerQueue::Nanos coarsen(TimerQueue::Nanos deadline, qint64 intervalMs) {
    const qint64 slackMs = intervalMs / 20;
    for (const qint64 grainMs : {1000, 500, 250, 100, 50, 25, 10, 5, 2}) {
        if (grainMs / 2 > slackMs)
            continue;
        const qint64 grain = grainMs * NsPerMs;
        return (deadline + grain / 2) / grain * grain;
    }
    return deadline;
}

TimerQueue::Nanos nearestSecond(TimerQueue::Nanos t) {
    return (t + NsPerSecond / 2) / NsPerSecond * NsPerSecond;
}

} // namespace

TimerQueue::Nanos TimerQueue::now() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void TimerQueue::add(int id, qint64 intervalMs, Qt::TimerType type, QObject *object, Nanos now) {
    remove(id);
    Qt::TimerType effective = type;
    if (type == Qt::CoarseTimer) {
        // 5 % of 20 ms is under a millisecond, 5 % of 20 s over a second (as Qt decides).
        if (intervalMs <= 20)
            effective = Qt::PreciseTimer;
        else if (intervalMs >= 20'000)
            effective = Qt::VeryCoarseTimer;
    }
    Timer t{intervalMs, type, effective, object, {}};
    auto [it, added] = m_timers.emplace(id, t);
    schedule(id, it->second, firstDeadline(it->second, now));
}

TimerQueue::Nanos TimerQueue::firstDeadline(const Timer &t, Nanos now) const {
    switch (t.effective) {
    case Qt::VeryCoarseTimer:
        return nearestSecond(now) + (t.intervalMs + 500) / 1000 * NsPerSecond;
    case Qt::CoarseTimer:
        return coarsen(now + t.intervalMs * NsPerMs, t.intervalMs);
    case Qt::PreciseTimer:
        break;
    }
    return now + t.intervalMs * NsPerMs;
}

TimerQueue::Nanos TimerQueue::nextDeadline(const Timer &t, Nanos now) const {
    const qint64 step = t.effective == Qt::VeryCoarseTimer
                            ? (t.intervalMs + 500) / 1000 * NsPerSecond
                            : t.intervalMs * NsPerMs;
    const Nanos next = t.key.deadline + step;
    // Keep the phase; after a stall, start again from now rather than fire a burst.
    if (next < now)
        return firstDeadline(t, now);
    return t.effective == Qt::CoarseTimer ? coarsen(next, t.intervalMs) : next;
}

void TimerQueue::schedule(int id, Timer &t, Nanos deadline) {
    t.key = Key{deadline, ++m_serial, id};
    m_queue.insert(t.key);
}

bool TimerQueue::remove(int id) {
    const auto it = m_timers.find(id);
    if (it == m_timers.end())
        return false;
    m_queue.erase(it->second.key);
    m_timers.erase(it);
    return true;
}

bool TimerQueue::removeAll(QObject *object) {
    bool any = false;
    for (auto it = m_timers.begin(); it != m_timers.end();) {
        if (it->second.object == object) {
            m_queue.erase(it->second.key);
            it = m_timers.erase(it);
            any = true;
        } else {
            ++it;
        }
    }
    return any;
}

QList<QAbstractEventDispatcher::TimerInfo> TimerQueue::timersOf(QObject *object) const {
    QList<QAbstractEventDispatcher::TimerInfo> list;
    for (const auto &[id, t] : m_timers) {
        if (t.object == object)
            list.append({id, int(t.intervalMs), t.type});
    }
    return list;
}

int TimerQueue::remainingMs(int id, Nanos now) const {
    const auto it = m_timers.find(id);
    if (it == m_timers.end())
        return -1;
    const Nanos left = it->second.key.deadline - now;
    return left <= 0 ? 0 : int((left + NsPerMs - 1) / NsPerMs);
}

std::optional<qint64> TimerQueue::msUntilNext(Nanos now) const {
    if (m_queue.empty())
        return std::nullopt;
    const Nanos left = m_queue.begin()->deadline - now;
    return left <= 0 ? 0 : (left + NsPerMs - 1) / NsPerMs;
}

int TimerQueue::activate(Nanos now) {
    // Decided before any handler runs: a timer (re)started by a handler waits for the next
    // pass even when already due, so a zero-interval timer cannot starve the loop.
    std::vector<Key> due;
    for (auto it = m_queue.begin(); it != m_queue.end() && it->deadline <= now; ++it)
        due.push_back(*it);
    int sent = 0;
    for (const Key &k : due) {
        const auto it = m_timers.find(k.id);
        // Killed, or killed and its id given to a new timer, by an earlier handler.
        if (it == m_timers.end() || it->second.key.serial != k.serial)
            continue;
        Timer &t = it->second;
        m_queue.erase(t.key);
        schedule(k.id, t, nextDeadline(t, now));
        if (t.inHandler)
            continue;
        t.inHandler = true;
        QTimerEvent event(k.id);
        QCoreApplication::sendEvent(t.object, &event); // `t` may be gone after this
        ++sent;
        if (const auto again = m_timers.find(k.id); again != m_timers.end())
            again->second.inHandler = false;
    }
    return sent;
}

} // namespace Tokengate
