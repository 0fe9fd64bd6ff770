// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/server/timerqueue.h"

#include <QAbstractEventDispatcher>

#include <array>
#include <atomic>
#include <deque>
#include <vector>

class QSocketNotifier;
struct epoll_event;

namespace Tokengate {

// A Linux event dispatcher whose cost per wake-up follows the sockets that are ready, not the
// ones registered: socket notifiers live in an epoll set, an eventfd wakes the thread, and
// timers wait in a TimerQueue. Qt's own dispatchers hand every notifier to poll() on every
// wake-up, which made each request cost more the more idle keep-alive connections a worker
// held. Install it on a QThread before start(); it serves every QObject of that thread.
//
// The epoll set is changed only when it must: QAbstractSocket enables its write notifier for
// every response and disables it once written, which cost two epoll_ctl calls each time. A
// write notifier enabled on a socket the set does not watch for writing, and whose read
// notifier is enabled (an established connection), is activated in the same pass without asking
// the kernel (a socket with room in its buffer is the common case); only one still enabled after
// that activation (a full buffer) is added to the set. A connect in progress (a write notifier
// alone) waits for the kernel, as hiredis reads any activation then as the connect's end. So,
// unlike Qt's, it may activate a write notifier once when a write would block, which a non-blocking
// writer handles as EAGAIN. A disabled notifier's interest stays in the set until the kernel next
// reports it, as it is often enabled again before then.
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
    // One descriptor: its read, write and exception notifiers, and what the epoll set holds.
    struct Watch {
        std::array<QSocketNotifier *, 3> notifiers{};
        uint32_t kernel = 0; // the events the set watches it for
        bool inKernel = false;
        bool empty() const { return notifiers == decltype(notifiers){}; }
        uint32_t wanted() const;
    };

    bool onOwnThread(const char *what) const;
    Watch *watchOf(int fd); // nullptr: no notifier
    void watch(int fd, Watch &w, uint32_t events);
    bool waitForWakeUpOnly(int timeoutMs);
    void consumeWakeUp();
    int dispatch(const epoll_event *events, int count);
    int activateUnwatchedWriters();

    int m_epoll = -1;
    int m_wake = -1;                          // eventfd
    std::atomic<bool> m_wakeUpPending{false}; // the eventfd was written to
    bool m_postedHere = false;                // this thread posted since it last sent them
    std::atomic<bool> m_interrupted{false};
    std::vector<Watch> m_watches; // by descriptor: they are small and dense
    TimerQueue m_timers;
    // The notifiers each processEvents() in progress (nested loops included) is about to
    // activate; unregistering a notifier clears it from them, so one deleted by an earlier
    // handler of the same batch is never activated.
    std::deque<std::vector<QSocketNotifier *>> m_batches;
    size_t m_depth = 0;
    // Write notifiers enabled on a descriptor not watched for writing, to activate in this
    // pass; nested loops share the cursor, so each is activated once whichever loop gets to it.
    std::vector<QSocketNotifier *> m_unwatchedWriters;
    size_t m_nextUnwatchedWriter = 0;
};

} // namespace Tokengate
