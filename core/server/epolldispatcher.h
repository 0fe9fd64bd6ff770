// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/server/timerqueue.h"

#include <QAbstractEventDispatcher>

#include <array>
#include <atomic>
#include <deque>
#include <unordered_map>
#include <vector>

class QSocketNotifier;
struct epoll_event;

namespace Tokengate {

// A Linux event dispatcher whose cost per wake-up follows the sockets that are ready, not the
// ones registered: socket notifiers live in an epoll set (changed only when one is enabled or
// disabled), an eventfd wakes the thread, and timers wait in a TimerQueue. Qt's own
// dispatchers hand every notifier to poll() on every wake-up, which made each request cost
// more the more idle keep-alive connections a worker held. Install it on a QThread before
// start(); it serves every QObject of that thread (timers, posted events, notifiers).
class EpollDispatcher final : public QAbstractEventDispatcher {
    Q_OBJECT
public:
    explicit EpollDispatcher(QObject *parent = nullptr);
    ~EpollDispatcher() override;

    // False when the kernel refused the epoll set or the eventfd; do not install it then.
    bool isValid() const { return m_epoll >= 0 && m_wake >= 0; }

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;

    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;

    using QAbstractEventDispatcher::registerTimer;
    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                       QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;

    void wakeUp() override;    // thread-safe
    void interrupt() override; // thread-safe

private:
    // The read, write and exception notifiers of one descriptor.
    using Notifiers = std::array<QSocketNotifier *, 3>;

    bool onOwnThread(const char *what) const;
    void updateInterest(int fd, const Notifiers &notifiers, bool isNew);
    bool waitForWakeUpOnly(int timeoutMs);
    void consumeWakeUp();
    int dispatch(const epoll_event *events, int count);

    int m_epoll = -1;
    int m_wake = -1; // eventfd
    std::atomic<bool> m_wakeUpPending{false};
    std::atomic<bool> m_interrupted{false};
    std::unordered_map<int, Notifiers> m_notifiers;
    TimerQueue m_timers;
    // The notifiers each processEvents() in progress (nested loops included) is about to
    // activate; unregistering a notifier clears it from them, so one deleted by an earlier
    // handler of the same batch is never activated.
    std::deque<std::vector<QSocketNotifier *>> m_batches;
    size_t m_depth = 0;
};

} // namespace Tokengate
