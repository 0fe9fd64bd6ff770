// SPDX-License-Identifier: Apache-2.0
// LogFileWriter: lines appended from many threads arrive whole and complete, a disk that falls
// behind or fails costs counted lines and never a request thread's time, and logrotate works.
#include "core/observe/logfilewriter.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <QElapsedTimer>

#include <csignal>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace Tokengate;

namespace {

QByteArray lineOf(int thread, int n) {
    return "{\"thread\":" + QByteArray::number(thread) + ",\"n\":" + QByteArray::number(n) +
           ",\"pad\":\"" + QByteArray(n % 97, 'x') + "\"}\n";
}

QByteArray readFile(const QString &path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestLogFileWriter : public QObject {
    Q_OBJECT

private slots:
    void linesFromManyThreadsArriveWhole() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("access.log"));
        constexpr int Threads = 4;
        constexpr int PerThread = 20000;
        {
            LogFileWriter writer;
            QString error;
            QVERIFY2(writer.open(path, &error), qPrintable(error));
            std::vector<std::thread> threads;
            for (int t = 0; t < Threads; ++t)
                threads.emplace_back([&writer, t] {
                    for (int n = 0; n < PerThread; ++n)
                        writer.append(lineOf(t, n));
                });
            for (std::thread &t : threads)
                t.join();
            QCOMPARE(writer.droppedLines(), quint64(0));
        } // the destructor writes what is pending
        const QList<QByteArray> lines = readFile(path).split('\n');
        QCOMPARE(lines.size(), Threads * PerThread + 1);
        QSet<QByteArray> seen;
        for (qsizetype i = 0; i + 1 < lines.size(); ++i)
            seen.insert(lines[i] + '\n');
        for (int t = 0; t < Threads; ++t)
            for (int n = 0; n < PerThread; n += 997)
                QVERIFY2(seen.contains(lineOf(t, n)), lineOf(t, n).constData());
        QCOMPARE(seen.size(), Threads * PerThread);
    }

    void flushWritesWhatWasAppended() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("access.log"));
        LogFileWriter writer;
        QString error;
        QVERIFY(writer.open(path, &error));
        writer.append("one\n");
        writer.flush(); // without it the line would wait out the batch window
        QCOMPARE(readFile(path), QByteArray("one\n"));
        writer.append("two\n");
        writer.flush();
        QCOMPARE(readFile(path), QByteArray("one\ntwo\n"));
    }

    void createdForTheOwnerAndGroupOnly() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("access.log"));
        const mode_t before = ::umask(0);
        LogFileWriter writer;
        QString error;
        const bool opened = writer.open(path, &error);
        ::umask(before);
        QVERIFY(opened);
        QCOMPARE(QFile::permissions(path) & (QFile::ReadOther | QFile::WriteOther),
                 QFile::Permissions());
    }

    // logrotate renames the file, then SIGHUP: later lines go to a new file by the old name.
    void reopenAfterRotation() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("access.log"));
        const QString rotated = dir.filePath(QStringLiteral("access.log.1"));
        LogFileWriter writer;
        QString error;
        QVERIFY(writer.open(path, &error));
        writer.append("before\n");
        writer.flush();
        QVERIFY(QFile::rename(path, rotated));
        QVERIFY2(writer.reopen(&error), qPrintable(error));
        writer.append("after\n");
        writer.flush();
        QCOMPARE(readFile(rotated), QByteArray("before\n"));
        QCOMPARE(readFile(path), QByteArray("after\n"));
    }

    void reopenFailureKeepsTheOldFile() {
        QTemporaryDir dir;
        const QString sub = dir.filePath(QStringLiteral("logs"));
        QVERIFY(QDir().mkdir(sub));
        const QString path = sub + QStringLiteral("/access.log");
        LogFileWriter writer;
        QString error;
        QVERIFY(writer.open(path, &error));
        QVERIFY(QFile::rename(path, dir.filePath(QStringLiteral("moved.log"))));
        QVERIFY(QDir(sub).removeRecursively());
        QVERIFY(!writer.reopen(&error));
        QVERIFY2(error.contains(path), qPrintable(error));
        writer.append("still\n");
        writer.flush();
        QCOMPARE(readFile(dir.filePath(QStringLiteral("moved.log"))), QByteArray("still\n"));
    }

    // A disk that refuses writes: lines counted as lost, one warning, no request thread stuck.
    void failingWritesAreCounted() {
        if (!QFile::exists(QStringLiteral("/dev/full")))
            QSKIP("no /dev/full");
        LogFileWriter writer;
        QString error;
        QVERIFY(writer.open(QStringLiteral("/dev/full"), &error));
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral("access log \"/dev/full\": .*")));
        for (int i = 0; i < 3; ++i)
            writer.append("a\nb\n");
        writer.flush();
        QCOMPARE(writer.droppedLines(), quint64(6));
        QVERIFY(writer.failedWrites() >= 1);
    }

    // A reader that stops reading (a full pipe, a hung NFS mount): appending never blocks and
    // what does not fit in PendingLimit is counted; everything else arrives once it reads again.
    void stalledReaderBoundsPendingLines() {
        int fds[2];
        QCOMPARE(::pipe2(fds, O_CLOEXEC), 0);
        const QByteArray line = QByteArray(1023, 'l') + '\n';
        // One batch blocked in write(2) and PendingLimit queued behind it: the rest is dropped.
        const int lines = int(3 * LogFileWriter::PendingLimit / line.size());
        QByteArray received;
        std::thread reader;
        quint64 dropped = 0;
        bool opened = false;
        {
            LogFileWriter writer;
            QString error;
            opened = writer.open(QStringLiteral("/proc/self/fd/%1").arg(fds[1]), &error);
            ::close(fds[1]);                   // the writer holds its own descriptor now
            QTest::ignoreMessage(QtWarningMsg, // said once, not per line
                                 QRegularExpression(QStringLiteral(".* 16 MiB behind.*")));
            for (int i = 0; opened && i < lines; ++i)
                writer.append(line);
            dropped = writer.droppedLines();
            reader = std::thread([&] {
                char buffer[65536];
                for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) != 0;)
                    if (n > 0)
                        received.append(buffer, n);
            });
        } // writes the rest, then closes: the reader sees the end
        reader.join();
        ::close(fds[0]);
        QVERIFY(opened);
        QVERIFY(dropped >= quint64(LogFileWriter::PendingLimit / line.size()));
        QCOMPARE(received.size() % line.size(), 0); // whole lines only
        QCOMPARE(quint64(received.size() / line.size()) + dropped, quint64(lines));
    }

    // A write that fails halfway (here: the file size limit) leaves half a line; the next
    // batch starts on a line of its own, so only the cut line is broken.
    void tornLineIsEnded() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("access.log"));
        const auto previousHandler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit before{};
        QCOMPARE(::getrlimit(RLIMIT_FSIZE, &before), 0);
        const QByteArray line = QByteArray(29, 'a') + '\n';
        quint64 dropped = 0;
        {
            LogFileWriter writer;
            QString error;
            QVERIFY(writer.open(path, &error));
            rlimit small = before;
            small.rlim_cur = 100; // three lines and a third
            QCOMPARE(::setrlimit(RLIMIT_FSIZE, &small), 0);
            QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("access log .*")));
            writer.append(line.repeated(5));
            writer.flush();
            QCOMPARE(::setrlimit(RLIMIT_FSIZE, &before), 0);
            writer.append("next\n");
            writer.flush();
            dropped = writer.droppedLines();
        }
        std::signal(SIGXFSZ, previousHandler);
        const QList<QByteArray> lines = readFile(path).split('\n');
        QCOMPARE(lines.size(), 6); // three whole, the cut one, "next", and after the last \n
        QCOMPARE(lines[2], line.chopped(1));
        QCOMPARE(lines[3], QByteArray(10, 'a'));
        QCOMPARE(lines[4], QByteArray("next"));
        QCOMPARE(dropped, quint64(2));
    }

    // The reader of a pipe went away (stdout piped into a process that ended): counted, and
    // the process lives on (SIGPIPE would end it).
    void readerGoneIsAFailedWrite() {
        int fds[2];
        QCOMPARE(::pipe2(fds, O_CLOEXEC), 0);
        LogFileWriter writer;
        QString error;
        QVERIFY(writer.open(QStringLiteral("/proc/self/fd/%1").arg(fds[1]), &error));
        ::close(fds[1]);
        ::close(fds[0]);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("access log .*")));
        writer.append("a\n");
        writer.flush();
        QCOMPARE(writer.droppedLines(), quint64(1));
        QCOMPARE(writer.failedWrites(), quint64(1));
    }

    // A reader that never reads again must not keep the process from exiting.
    void exitIsBoundedWhenTheReaderStalls() {
        int fds[2];
        QCOMPARE(::pipe2(fds, O_CLOEXEC), 0);
        QElapsedTimer timer;
        {
            LogFileWriter writer;
            QString error;
            QVERIFY(writer.open(QStringLiteral("/proc/self/fd/%1").arg(fds[1]), &error));
            const QByteArray lines = QByteArray(1023, 'x') + '\n';
            for (int i = 0; i < 1024; ++i) // 1 MiB: far more than a pipe holds
                writer.append(lines);
            QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("access log .*")));
            timer.start();
        }
        const qint64 took = timer.elapsed();
        ::close(fds[0]);
        ::close(fds[1]);
        QVERIFY2(took < 2 * std::chrono::milliseconds(LogFileWriter::ExitBudget).count(),
                 QByteArray::number(took).constData());
        QVERIFY(took >= std::chrono::milliseconds(LogFileWriter::ExitBudget).count() - 200);
    }
};

QTEST_GUILESS_MAIN(TestLogFileWriter)
#include "tst_logfilewriter.moc"
