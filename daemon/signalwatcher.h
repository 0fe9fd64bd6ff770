// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QObject>

class QSocketNotifier;

namespace Tokengate {

// Turns SIGTERM/SIGINT and SIGHUP into Qt signals, read from a signalfd in the event loop.
// No handler runs: the signals stay blocked in every thread and wait in the kernel until the
// loop reads them, so one sent during start-up or while a reload runs is served afterwards
// rather than lost or nested (a sanitizer's deferred handler could even drop it for good in a
// thread that was exiting).
class SignalWatcher : public QObject {
    Q_OBJECT
public:
    // Before any thread starts: threads inherit the mask, and a thread that does not block
    // the signals would take them with their default action.
    static void blockInEveryThread();

    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

    // Signals wait until watching starts, and again while it is paused.
    void setWatching(bool on);

signals:
    void terminateRequested(int signalNumber);
    void reloadRequested();

private:
    void readPending();

    int m_fd = -1;
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace Tokengate
