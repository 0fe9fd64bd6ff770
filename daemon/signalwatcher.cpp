// SPDX-License-Identifier: Apache-2.0
#include "daemon/signalwatcher.h"

#include <QSocketNotifier>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <sys/signalfd.h>
#include <unistd.h>

namespace Tokengate {

namespace {
sigset_t watchedSignals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    return set;
}
} // namespace

void SignalWatcher::blockInEveryThread() {
    const sigset_t set = watchedSignals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalWatcher::SignalWatcher(QObject *parent)
    : QObject(parent) {
    const sigset_t set = watchedSignals();
    m_fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (m_fd < 0) {
        // Without it SIGTERM keeps its default action (exit at once, no drain).
        std::fprintf(stderr, "tokengated: signalfd: %s; SIGHUP and SIGTERM act by default\n",
                     std::strerror(errno));
        pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
        return;
    }
    m_notifier = new QSocketNotifier(m_fd, QSocketNotifier::Read, this);
    m_notifier->setEnabled(false);
    connect(m_notifier, &QSocketNotifier::activated, this, &SignalWatcher::readPending);
}

SignalWatcher::~SignalWatcher() {
    if (m_fd >= 0)
        ::close(m_fd);
}

void SignalWatcher::setWatching(bool on) {
    if (m_notifier)
        m_notifier->setEnabled(on);
}

void SignalWatcher::readPending() {
    signalfd_siginfo info;
    while (m_notifier->isEnabled() && ::read(m_fd, &info, sizeof info) == sizeof info) {
        if (info.ssi_signo == SIGHUP)
            emit reloadRequested();
        else
            emit terminateRequested(int(info.ssi_signo));
    }
}

} // namespace Tokengate
