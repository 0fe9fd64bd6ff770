// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QAbstractEventDispatcher>

#include <optional>
#include <set>
#include <unordered_map>

namespace Tokengate {

// The Qt timers of one thread, ordered by deadline so the next one is found in O(1) and a
// timer is added, moved or removed in O(log n). Deadlines follow Qt's own dispatchers:
// precise timers keep their phase, coarse ones (20 ms to 20 s) may move by up to 5 % to share
// wake-ups, and very coarse ones fire on whole seconds.
class TimerQueue {
public:
    using Nanos = qint64; // on the monotonic clock

    static Nanos now();

    void add(int id, qint64 intervalMs, Qt::TimerType type, QObject *object, Nanos now);
    bool remove(int id);
    bool removeAll(QObject *object);
    QList<QAbstractEventDispatcher::TimerInfo> timersOf(QObject *object) const;
    int remainingMs(int id, Nanos now) const; // -1: no such timer
    // Milliseconds until the earliest deadline, rounded up; nullopt without timers.
    std::optional<qint64> msUntilNext(Nanos now) const;

    // Sends a QTimerEvent for each timer due at `now`, earliest first, each at most once, and
    // moves it to its next deadline first. Handlers may add, kill and restart timers (their
    // own included); a timer whose handler is still running is not sent again by a nested
    // event loop. Returns the events sent.
    int activate(Nanos now);

private:
    struct Key {
        Nanos deadline;
        quint64 serial; // first come, first fired among equal deadlines; new on every move
        int id;
        bool operator<(const Key &o) const {
            return deadline != o.deadline ? deadline < o.deadline : serial < o.serial;
        }
    };
    struct Timer {
        qint64 intervalMs;
        Qt::TimerType type;      // as registered
        Qt::TimerType effective; // how its deadlines are computed
        QObject *object;
        Key key;
        bool inHandler = false;
    };

    Nanos firstDeadline(const Timer &t, Nanos now) const;
    Nanos nextDeadline(const Timer &t, Nanos now) const;
    void schedule(int id, Timer &t, Nanos deadline);

    std::unordered_map<int, Timer> m_timers;
    std::set<Key> m_queue;
    quint64 m_serial = 0;
};

} // namespace Tokengate
