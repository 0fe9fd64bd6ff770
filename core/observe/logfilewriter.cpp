// SPDX-License-Identifier: Apache-2.0
#include "core/observe/logfilewriter.h"

#include <QFile>
#include <QtDebug>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
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

} // namespace

LogFileWriter::~LogFileWriter() {
    if (m_thread.joinable()) {
        {
            const std::lock_guard lock(m_mutex);
            m_stop = true;
        }
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
    return true;
}

void LogFileWriter::append(QByteArrayView lines) {
    std::unique_lock lock(m_mutex);
    if (!m_thread.joinable() || lines.isEmpty())
        return;
    if (m_pending.size() + lines.size() > PendingLimit) {
        lock.unlock();
        m_dropped.fetch_add(quint64(lines.count('\n')), std::memory_order_relaxed);
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
        m_written.notify_all();
        if (stop && m_pending.isEmpty())
            return;
    }
}

void LogFileWriter::writeAll(const QByteArray &bytes) {
    const std::lock_guard lock(m_fdMutex);
    const char *data = bytes.constData();
    qsizetype left = bytes.size();
    while (left > 0) {
        const ssize_t n = ::write(m_fd, data, size_t(left));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            // Counted and said once per failing stretch: a full disk must not flood stderr.
            m_failedWrites.fetch_add(1, std::memory_order_relaxed);
            if (!m_failing)
                qWarning("access log \"%s\": %s; lines are lost until writing works again",
                         qPrintable(m_target), std::strerror(errno));
            m_failing = true;
            m_dropped.fetch_add(quint64(QByteArrayView(data, left).count('\n')),
                                std::memory_order_relaxed);
            return;
        }
        m_failing = false;
        data += n;
        left -= n;
    }
}

} // namespace Tokengate
