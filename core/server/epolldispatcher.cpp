// SPDX-License-Identifier: Apache-2.0
#include "core/server/epolldispatcher.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QThread>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace Tokengate {

namespace {

constexpr int MaxEventsPerWait = 256; // more ready descriptors wait for the next round

// Which readiness activates which notifier type: as Qt's own dispatcher does, an error or
// hang-up activates every type, so the owner reads the error instead of the loop spinning.
constexpr std::array<uint32_t, 3> Activating{
    EPOLLIN | EPOLLHUP | EPOLLERR,  // QSocketNotifier::Read
    EPOLLOUT | EPOLLHUP | EPOLLERR, // Write
    EPOLLPRI | EPOLLHUP | EPOLLERR, // Exception
};
constexpr std::array<uint32_t, 3> Interest{EPOLLIN, EPOLLOUT, EPOLLPRI};

int timeoutFor(const std::optional<qint64> &ms) {
    if (!ms)
        return -1;
    return int(std::min<qint64>(*ms, std::numeric_limits<int>::max()));
}

} // namespace

EpollDispatcher::EpollDispatcher(QObject *parent)
    : QAbstractEventDispatcher(parent)
    , m_epoll(epoll_create1(EPOLL_CLOEXEC))
    , m_wake(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (!isValid())
        return;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = m_wake;
    if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wake, &ev) != 0) {
        close(m_wake);
        m_wake = -1;
    }
}

EpollDispatcher::~EpollDispatcher() {
    // Notifiers and timers still registered belong to objects that outlive the thread's loop;
    // they find no dispatcher when they are destroyed, so nothing here points back at them.
    if (m_wake >= 0)
        close(m_wake);
    if (m_epoll >= 0)
        close(m_epoll);
}

bool EpollDispatcher::onOwnThread(const char *what) const {
    if (thread() == QThread::currentThread())
        return true;
    qWarning("EpollDispatcher: %s from another thread", what);
    return false;
}

uint32_t EpollDispatcher::Watch::wanted() const {
    uint32_t events = 0;
    for (size_t type = 0; type < notifiers.size(); ++type) {
        if (notifiers[type])
            events |= Interest[type];
    }
    // A write notifier is watched for only after it was activated and stayed enabled.
    return (kernel & EPOLLOUT) ? events : events & ~uint32_t(EPOLLOUT);
}

void EpollDispatcher::registerSocketNotifier(QSocketNotifier *notifier) {
    if (!onOwnThread("socket notifier enabled") || notifier->thread() != thread())
        return;
    const int fd = int(notifier->socket());
    const QSocketNotifier::Type type = notifier->type();
    if (fd < 0)
        return;
    if (size_t(fd) >= m_watches.size())
        m_watches.resize(size_t(fd) + 1);
    Watch &w = m_watches[size_t(fd)];
    QSocketNotifier *&slot = w.notifiers[type];
    // Another notifier in the slot: a socket closed while its notifier was enabled left it,
    // and the kernel dropped the number from the set; a new socket now has that number. What
    // the slot says of the set is stale, so ask the kernel again (watch() adds it back).
    const bool replaced = slot && slot != notifier;
    if (replaced)
        qWarning("EpollDispatcher: a second socket notifier of one type for socket %d", fd);
    slot = notifier;
    // Activated at once only on a socket already being read: a connect in progress enables its
    // write notifier alone, and hiredis takes any activation then for the connect's end.
    if (type == QSocketNotifier::Write && !(w.kernel & EPOLLOUT) && !replaced &&
        w.notifiers[QSocketNotifier::Read]) {
        m_unwatchedWriters.push_back(notifier);
        return;
    }
    if (replaced || !w.inKernel || !(w.kernel & Interest[type]))
        watch(fd, w, w.kernel | Interest[type]);
}

void EpollDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier) {
    if (!onOwnThread("socket notifier disabled"))
        return;
    for (size_t i = 0; i < m_depth; ++i)
        std::replace(m_batches[i].begin(), m_batches[i].end(), notifier,
                     static_cast<QSocketNotifier *>(nullptr));
    std::replace(m_unwatchedWriters.begin() + qsizetype(m_nextUnwatchedWriter),
                 m_unwatchedWriters.end(), notifier, static_cast<QSocketNotifier *>(nullptr));
    const int fd = int(notifier->socket());
    Watch *w = watchOf(fd);
    if (!w || w->notifiers[notifier->type()] != notifier)
        return;
    w->notifiers[notifier->type()] = nullptr;
    if (!w->empty())
        return; // the set keeps its interest until it next reports it; see dispatch()
    // Now: the descriptor may be closed next and its number reused.
    if (w->inKernel)
        epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
    *w = Watch{};
}

EpollDispatcher::Watch *EpollDispatcher::watchOf(int fd) {
    if (fd < 0 || size_t(fd) >= m_watches.size() || m_watches[size_t(fd)].empty())
        return nullptr;
    return &m_watches[size_t(fd)];
}

void EpollDispatcher::watch(int fd, Watch &w, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    // A descriptor closed and reopened under the same number behind our back is either still
    // in the set (EEXIST) or no longer (ENOENT): try the other operation once.
    const int op = w.inKernel ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    if (epoll_ctl(m_epoll, op, fd, &ev) != 0) {
        const int other = w.inKernel ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
        if ((errno != EEXIST && errno != ENOENT) || epoll_ctl(m_epoll, other, fd, &ev) != 0) {
            qWarning("EpollDispatcher: cannot watch socket %d: %s", fd, strerror(errno));
            return;
        }
    }
    w.kernel = events;
    w.inKernel = true;
}

void EpollDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                                    QObject *object) {
    if (timerId < 1 || interval < 0 || !object || !onOwnThread("timer started"))
        return;
    m_timers.add(timerId, interval, timerType, object, TimerQueue::now());
}

bool EpollDispatcher::unregisterTimer(int timerId) {
    return onOwnThread("timer stopped") && m_timers.remove(timerId);
}

bool EpollDispatcher::unregisterTimers(QObject *object) {
    return onOwnThread("timers stopped") && m_timers.removeAll(object);
}

QList<QAbstractEventDispatcher::TimerInfo>
EpollDispatcher::registeredTimers(QObject *object) const {
    return m_timers.timersOf(object);
}

int EpollDispatcher::remainingTime(int timerId) {
    return m_timers.remainingMs(timerId, TimerQueue::now());
}

void EpollDispatcher::wakeUp() {
    if (thread() == QThread::currentThread()) {
        // Posted by this loop's own handlers (queued signals, deleteLater, most passes): the
        // loop is awake and delivers them before it waits, with no eventfd write and read.
        m_postedHere = true;
        return;
    }
    // One write until the loop has consumed it: posting many events costs one syscall.
    if (!m_wakeUpPending.exchange(true, std::memory_order_acq_rel))
        eventfd_write(m_wake, 1);
}

void EpollDispatcher::interrupt() {
    m_interrupted.store(true, std::memory_order_release);
    wakeUp();
}

void EpollDispatcher::consumeWakeUp() {
    eventfd_t value;
    eventfd_read(m_wake, &value);
    // Only after the read: a wakeUp() in between writes again rather than being lost.
    m_wakeUpPending.store(false, std::memory_order_release);
}

bool EpollDispatcher::waitForWakeUpOnly(int timeoutMs) {
    pollfd p{m_wake, POLLIN, 0};
    if (poll(&p, 1, timeoutMs) <= 0)
        return false;
    consumeWakeUp();
    return true;
}

bool EpollDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags) {
    m_interrupted.store(false, std::memory_order_relaxed);
    emit awake();
    // Events posted from here on call wakeUp(), so the wait below returns at once for them.
    m_postedHere = false;
    QCoreApplication::sendPostedEvents();

    const bool withTimers = !flags.testFlag(QEventLoop::X11ExcludeTimers);
    const bool withNotifiers = !flags.testFlag(QEventLoop::ExcludeSocketNotifiers);
    const bool writersWaiting = withNotifiers && m_nextUnwatchedWriter < m_unwatchedWriters.size();
    const bool canWait = flags.testFlag(QEventLoop::WaitForMoreEvents) &&
                         !m_interrupted.load(std::memory_order_acquire) && !writersWaiting &&
                         !m_postedHere;
    if (canWait)
        emit aboutToBlock();
    if (m_interrupted.load(std::memory_order_acquire))
        return false;

    int timeoutMs = 0;
    // aboutToBlock() may post, or enable a write notifier
    if (canWait && !m_postedHere && m_nextUnwatchedWriter >= m_unwatchedWriters.size())
        timeoutMs = withTimers ? timeoutFor(m_timers.msUntilNext(TimerQueue::now())) : -1;

    int handled = 0;
    if (!withNotifiers) {
        // Ready sockets would end every epoll_wait at once; wait on the eventfd alone.
        handled += waitForWakeUpOnly(timeoutMs);
    } else {
        epoll_event events[MaxEventsPerWait];
        const int count = epoll_wait(m_epoll, events, MaxEventsPerWait, timeoutMs);
        if (count < 0 && errno != EINTR)
            qWarning("EpollDispatcher: epoll_wait: %s", strerror(errno));
        if (count > 0)
            handled += dispatch(events, count);
    }
    if (withTimers)
        handled += m_timers.activate(TimerQueue::now());
    // Handlers write responses (enabling write notifiers) and post follow-ups (queued signals,
    // deleteLater); serve both now rather than after one more epoll_wait. Posted events are
    // sent between the writers' two turns, as either may lead to the other.
    for (int turn = 0; turn < 2 && !m_interrupted.load(std::memory_order_acquire); ++turn) {
        if (withNotifiers)
            handled += activateUnwatchedWriters();
        const bool signalled = m_wakeUpPending.load(std::memory_order_acquire);
        if (turn == 0 && (signalled || m_postedHere)) {
            if (signalled)
                consumeWakeUp();
            m_postedHere = false;
            QCoreApplication::sendPostedEvents();
        }
    }
    return handled > 0;
}

int EpollDispatcher::dispatch(const epoll_event *events, int count) {
    if (m_batches.size() <= m_depth)
        m_batches.emplace_back();
    std::vector<QSocketNotifier *> &batch = m_batches[m_depth];
    batch.clear();
    int handled = 0;
    for (int i = 0; i < count; ++i) {
        const int fd = events[i].data.fd;
        if (fd == m_wake) {
            consumeWakeUp();
            ++handled;
            continue;
        }
        Watch *found = watchOf(fd);
        if (!found) {
            // In the set with no notifier (closed and reused behind our back): level-triggered,
            // it would end every wait at once.
            epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
            continue;
        }
        Watch &w = *found;
        const uint32_t reported = events[i].events;
        for (size_t type = 0; type < w.notifiers.size(); ++type) {
            // An unwatched writer is activated with m_unwatchedWriters, and only there.
            if (type == QSocketNotifier::Write && !(w.kernel & EPOLLOUT))
                continue;
            if (w.notifiers[type] && (reported & Activating[type]))
                batch.push_back(w.notifiers[type]);
        }
        // Interest kept for a notifier disabled since then: drop it, or every wait would end
        // at once for it.
        const uint32_t wanted = w.wanted();
        if (reported & (EPOLLIN | EPOLLOUT | EPOLLPRI) & ~wanted)
            watch(fd, w, wanted);
    }
    ++m_depth; // from here, unregistering a notifier clears it from `batch`
    QEvent activate(QEvent::SockAct);
    for (size_t i = 0; i < batch.size(); ++i) {
        QSocketNotifier *notifier = std::exchange(batch[i], nullptr);
        if (!notifier)
            continue;
        QCoreApplication::sendEvent(notifier, &activate);
        ++handled;
    }
    --m_depth;
    return handled;
}

int EpollDispatcher::activateUnwatchedWriters() {
    int handled = 0;
    QEvent activate(QEvent::SockAct);
    // Handlers enable more writers as they go (a request forwarded upstream); they join in.
    while (m_nextUnwatchedWriter < m_unwatchedWriters.size()) {
        QSocketNotifier *notifier =
            std::exchange(m_unwatchedWriters[m_nextUnwatchedWriter++], nullptr);
        if (!notifier)
            continue;
        const int fd = int(notifier->socket());
        // Watched since it was listed (enabled again by its own handler): the kernel reports it.
        if (const Watch *w = watchOf(fd); w && (w->kernel & EPOLLOUT))
            continue;
        QCoreApplication::sendEvent(notifier, &activate);
        ++handled;
        // Still enabled: its write would block, or it awaits a connect. From now on the kernel
        // says when it can write.
        Watch *w = watchOf(fd);
        if (w && w->notifiers[QSocketNotifier::Write] == notifier && !(w->kernel & EPOLLOUT))
            watch(fd, *w, w->kernel | EPOLLOUT);
    }
    m_unwatchedWriters.clear();
    m_nextUnwatchedWriter = 0;
    return handled;
}

} // namespace Tokengate
