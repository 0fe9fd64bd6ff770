// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace Tokengate {

// Writes whole lines to a file or stdout from a thread of its own, so that request threads
// only append to memory: one write(2) per batch instead of a wake-up and a write per line.
// A batch leaves at most BatchWindowMs after its first line (sooner when BatchBytes are
// pending) and everything pending is written before the destructor returns. Pending bytes
// are bounded: when the disk falls behind by PendingLimit, lines are dropped and counted,
// never queued without bound or waited for on a request thread.
class LogFileWriter {
public:
    static constexpr int BatchWindowMs = 50;
    static constexpr qsizetype BatchBytes = 256 * 1024;
    static constexpr qsizetype PendingLimit = 16 * 1024 * 1024;
    // At exit, how long a reader that stopped reading (a full pipe) may hold the process.
    static constexpr std::chrono::seconds ExitBudget{5};

    LogFileWriter() = default;
    ~LogFileWriter();
    LogFileWriter(const LogFileWriter &) = delete;
    LogFileWriter &operator=(const LogFileWriter &) = delete;

    // "stdout" or a file appended to (created 0640). Starts the writer thread.
    bool open(const QString &target, QString *error);
    // Opens the file again by name (after logrotate moved it); stdout stays. On failure the
    // old file is kept and `error` says why.
    bool reopen(QString *error);

    void append(QByteArrayView lines); // any thread; whole lines
    quint64 droppedLines() const { return m_dropped.load(std::memory_order_relaxed); }
    quint64 failedWrites() const { return m_failedWrites.load(std::memory_order_relaxed); }
    // Returns once everything appended before the call is written (tests, shutdown).
    void flush();

private:
    void run();
    void writeAll(const QByteArray &bytes);
    bool writeSome(QByteArrayView &left); // advances `left`; false with errno on failure
    bool pastExitBudget() const;

    QString m_target;
    int m_fd = -1;
    bool m_ownsFd = false;
    std::thread m_thread;
    std::mutex m_fdMutex; // reopen() against a write in progress; guards the next three
    bool m_regularFile = true;
    bool m_failing = false;
    bool m_torn = false; // the file ends inside a line
    std::mutex m_mutex;
    std::condition_variable m_wake;    // the writer: lines pending, flush asked, or stop
    std::condition_variable m_written; // flush(): a batch was written
    QByteArray m_pending;
    quint64 m_appendedBytes = 0; // all appended so far; m_writtenBytes catches up
    quint64 m_writtenBytes = 0;
    bool m_flushAsked = false;
    bool m_stop = false;
    std::chrono::steady_clock::time_point m_exitDeadline;
    std::atomic<bool> m_stopping{false}; // m_stop, for the writer outside m_mutex
    std::atomic<bool> m_overflowing{false};
    std::atomic<quint64> m_dropped{0};
    std::atomic<quint64> m_failedWrites{0};
};

} // namespace Tokengate
