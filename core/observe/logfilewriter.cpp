// SPDX-License-Identifier: Apache-2.0
#include "core/observe/logfilewriter.h"

#include <QFile>
#include <QtDebug>

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Tokengate {

namespace {

// Lines may name subjects and client ids: not for every local user to read.
constexpr mode_t LogFileMode = 0640;

int openForAppend(const QString &path, QString *error) {
    const int fd = ::open(QFile::encodeName(path).constData(),
                          O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, LogFileMode);
    if (fd < 0 && error)
        *error = QStringLiteral("access log \"%1\": %2")
                     .arg(path, QString::fromLocal8Bit(std::strerror(errno)));
    return fd;
}

bool isRegularFile(int fd) {
    struct stat st {};
    return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

} // namespace

LogFileWriter::~LogFileWriter() {
    if (m_thread.joinable()) {
        {
            const std::lock_guard lock(m_mutex);
            m_stop = true;
            m_exitDeadline = std::chrono::steady_clock::now() + ExitBudget;
        }
        m_stopping.store(true, std::memory_order_release);
        m_wake.notify_one();
        m_thread.join();
    }
    if (m_ownsFd)
        ::close(m_fd);
}

bool LogFileWriter::open(const QString &target, QString *error) {
    Q_ASSERT(!m_thread.joinable());
    m_target = target;
    m_ownsFd = target != u"stdout";
    m_fd = m_ownsFd ? openForAppend(target, error) : STDOUT_FILENO;
    if (m_fd < 0)
        return false;
    m_regularFile = isRegularFile(m_fd);
    m_thread = std::thread([this] { run(); });
    return true;
}

bool LogFileWriter::reopen(QString *error) {
    if (!m_ownsFd)
        return true;
    const int fd = openForAppend(m_target, error);
    if (fd < 0)
        return false;
    const std::lock_guard lock(m_fdMutex);
    ::close(m_fd);
    m_fd = fd;
    m_regularFile = isRegularFile(fd);
    m_torn = false; // a new file starts on a line of its own
    return true;
}

void LogFileWriter::append(QByteArrayView lines) {
    std::unique_lock lock(m_mutex);
    if (!m_thread.joinable() || lines.isEmpty())
        return;
    if (m_pending.size() + lines.size() > PendingLimit) {
        lock.unlock();
        m_dropped.fetch_add(quint64(lines.count('\n')), std::memory_order_relaxed);
        if (!m_overflowing.exchange(true, std::memory_order_relaxed))
            qWarning("access log \"%s\": the disk is %lld MiB behind; lines are dropped until "
                     "it catches up",
                     qPrintable(m_target), qlonglong(PendingLimit >> 20));
        return;
    }
    const bool wasEmpty = m_pending.isEmpty();
    const bool wasBelowBatch = m_pending.size() < BatchBytes;
    m_pending.append(lines);
    m_appendedBytes += quint64(lines.size());
    const bool wake = wasEmpty || (wasBelowBatch && m_pending.size() >= BatchBytes);
    lock.unlock();
    if (wake)
        m_wake.notify_one();
}

void LogFileWriter::flush() {
    std::unique_lock lock(m_mutex);
    if (!m_thread.joinable())
        return;
    const quint64 target = m_appendedBytes;
    m_flushAsked = true;
    m_wake.notify_one();
    m_written.wait(lock, [&] { return m_writtenBytes >= target; });
}

void LogFileWriter::run() {
    // A reader of stdout that went away is a failed write here, not the end of the daemon.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    // Two buffers take turns, so appending does not grow a fresh one for every batch.
    QByteArray batch;
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [&] { return m_stop || m_flushAsked || !m_pending.isEmpty(); });
        // Let the batch fill: under load one write carries thousands of lines.
        m_wake.wait_for(lock, std::chrono::milliseconds(BatchWindowMs),
                        [&] { return m_stop || m_flushAsked || m_pending.size() >= BatchBytes; });
        m_flushAsked = false;
        batch.swap(m_pending);
        const bool stop = m_stop;
        lock.unlock();
        writeAll(batch);
        const quint64 written = quint64(batch.size());
        if (batch.capacity() > 4 * BatchBytes)
            batch = QByteArray(); // a burst's buffer is not kept for good
        batch.resize(0);
        lock.lock();
        m_writtenBytes += written;
        if (m_pending.size() < PendingLimit / 2)
            m_overflowing.store(false, std::memory_order_relaxed);
        m_written.notify_all();
        if (stop && m_pending.isEmpty())
            return;
    }
}

bool LogFileWriter::pastExitBudget() const {
    return m_stopping.load(std::memory_order_acquire) &&
           std::chrono::steady_clock::now() > m_exitDeadline;
}

bool LogFileWriter::writeSome(QByteArrayView &left) {
    while (!left.isEmpty()) {
        qsizetype chunk = left.size();
        if (!m_regularFile) {
            // A pipe or socket whose reader stalls: wait for room in short steps, so that an
            // exit gives up after ExitBudget, and write what fits without blocking.
            pollfd p{m_fd, POLLOUT, 0};
            const int ready = ::poll(&p, 1, 100);
            if (ready < 0 && errno != EINTR)
                return false;
            if (ready <= 0) {
                if (pastExitBudget()) {
                    errno = ETIMEDOUT;
                    return false;
                }
                continue;
            }
            chunk = std::min<qsizetype>(chunk, PIPE_BUF);
        }
        const ssize_t n = ::write(m_fd, left.data(), size_t(chunk));
        if (n < 0 && (errno == EINTR || (errno == EAGAIN && !m_regularFile)))
            continue;
        if (n <= 0)
            return false;
        left = left.sliced(n);
    }
    return true;
}

void LogFileWriter::writeAll(const QByteArray &bytes) {
    const std::lock_guard lock(m_fdMutex);
    if (bytes.isEmpty())
        return;
    QByteArrayView left(bytes);
    bool ok = true;
    // A line cut short by a failed write is ended first, so the next lines stay whole.
    if (m_torn) {
        QByteArrayView newline("\n");
        ok = writeSome(newline);
        m_torn = !ok;
    }
    if (ok)
        ok = writeSome(left);
    if (ok) {
        m_failing = false;
        return;
    }
    const int error = errno;
    const qsizetype done = bytes.size() - left.size();
    if (done > 0 && bytes[done - 1] != '\n')
        m_torn = true;
    m_dropped.fetch_add(quint64(left.count('\n')), std::memory_order_relaxed);
    m_failedWrites.fetch_add(1, std::memory_order_relaxed);
    // Said once per failing stretch: a full disk must not flood stderr.
    if (!m_failing)
        qWarning("access log \"%s\": %s; lines are lost until writing works again",
                 qPrintable(m_target), std::strerror(error));
    m_failing = true;
}

} // namespace Tokengate
