// SPDX-License-Identifier: Apache-2.0
// EpollDispatcher on its own: every row runs on a thread with that dispatcher and again on
// Qt's default one, so each expectation is Qt's own behaviour. Sockets are real TCP pairs over
// 127.0.0.1; a thread's scenario ends by quitting its loop, which the test awaits.
#include "core/server/epolldispatcher.h"
#include "core/server/httpserver.h"

#include <QElapsedTimer>
#include <QMutex>
#include <QPointer>
#include <QSemaphore>
#include <QSocketNotifier>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <memory>
#include <tuple>

using namespace Tokengate;
using namespace Qt::Literals::StringLiterals;

namespace {

// Connected TCP pairs over loopback, both ends non-blocking, closed with the factory.
class Loopback {
public:
    Loopback() {
        m_listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bind(m_listener, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
        listen(m_listener, 64);
        socklen_t len = sizeof m_address;
        getsockname(m_listener, reinterpret_cast<sockaddr *>(&m_address), &len);
    }
    ~Loopback() {
        for (int fd : m_open)
            close(fd);
        close(m_listener);
    }
    // {client end, server end}; -1s when the system refused. Taken with std::tie, not a
    // structured binding: clang 14 cannot capture one in a lambda.
    std::pair<int, int> pair() {
        const int a = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (a < 0 || ::connect(a, reinterpret_cast<sockaddr *>(&m_address), sizeof m_address)) {
            close(a);
            return {-1, -1};
        }
        const int b = accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        fcntl(a, F_SETFL, fcntl(a, F_GETFL) | O_NONBLOCK);
        m_open << a << b;
        return {a, b};
    }
    // Closes `fd` now (a test reusing its number), not again at the end.
    void closeNow(int fd) {
        m_open.removeOne(fd);
        close(fd);
    }

private:
    int m_listener = -1;
    sockaddr_in m_address{};
    QList<int> m_open;
};

void drain(int fd) {
    char buffer[256];
    while (read(fd, buffer, sizeof buffer) > 0) {
    }
}

// A thread whose loop runs on the dispatcher named by the global row; the scenario builds its
// objects under `context` (destroyed after the loop, while the dispatcher still exists).
class LoopThread : public QThread {
public:
    using Scenario = std::function<void(QObject *context)>;
    LoopThread(const QString &dispatcher, Scenario scenario)
        : m_scenario(std::move(scenario)) {
        if (dispatcher == "epoll"_L1)
            setEventDispatcher(new EpollDispatcher);
    }
    // Awaits the end of the loop; false (and the thread stopped) if it did not end in time.
    bool finish(int ms = 30'000) {
        if (wait(QDeadlineTimer(ms)))
            return true;
        quit();
        wait();
        return false;
    }
    QByteArray dispatcherClass;

protected:
    void run() override {
        dispatcherClass = QAbstractEventDispatcher::instance()->metaObject()->className();
        QObject context;
        m_scenario(&context);
        exec();
    }

private:
    Scenario m_scenario;
};

void quitLoop() {
    QThread::currentThread()->quit();
}

// Ends the scenario after `ms`, long enough for an activation that should not happen to show.
void quitAfter(int ms, QObject *context) {
    QTimer::singleShot(ms, context, &quitLoop);
}

} // namespace

enum class NotifierAction {
    DisableSelf,
    DeleteSelf,
    DisableAndReenableSelf,
    DeleteOtherAndReuseItsFd,
    DisableAndReenableOther,
    EnableOtherWriteNotifier
};
Q_DECLARE_METATYPE(NotifierAction)

class TestEpollDispatcher : public QObject {
    Q_OBJECT

private slots:
    void initTestCase_data() {
        QTest::addColumn<QString>("dispatcher");
        QTest::newRow("epoll") << u"epoll"_s;
        QTest::newRow("qt") << u"qt"_s;
    }

    void runsTheThreadsLoop() {
        QFETCH_GLOBAL(QString, dispatcher);
        LoopThread thread(dispatcher, [](QObject *) { quitLoop(); });
        thread.start();
        QVERIFY(thread.finish());
        QCOMPARE(thread.dispatcherClass == "Tokengate::EpollDispatcher", dispatcher == "epoll"_L1);
    }

    // The gateway's workers: the setting picks their dispatcher, installed before they start.
    void serverWorkersRunOnTheSetting() {
        QFETCH_GLOBAL(QString, dispatcher);
        ServerSettings settings;
        settings.port = 0;
        settings.workers = 2;
        settings.eventDispatcher =
            dispatcher == "epoll"_L1 ? EventDispatcher::Epoll : EventDispatcher::Qt;
        QMutex mutex;
        QList<QByteArray> classes;
        HttpServer server(settings, [&](DeadlineSweeper &, int) {
            // Called in the worker's thread, on its running loop.
            QMutexLocker lock(&mutex);
            classes.append(QAbstractEventDispatcher::instance()->metaObject()->className());
            return std::shared_ptr<RequestHandler>();
        });
        QString error;
        QVERIFY2(server.start(&error), qPrintable(error));
        server.stop(0);
        QCOMPARE(classes.size(), 2);
        for (const QByteArray &name : classes)
            QCOMPARE(name == "Tokengate::EpollDispatcher", dispatcher == "epoll"_L1);
    }

    void singleShotTimers_data() {
        QTest::addColumn<QList<int>>("intervals");
        QTest::addColumn<Qt::TimerType>("type");
        QTest::newRow("precise, started out of order")
            << QList<int>{30, 10, 20, 1} << Qt::PreciseTimer;
        QTest::newRow("precise, equal intervals fire as started")
            << QList<int>{15, 15, 15, 15} << Qt::PreciseTimer;
        QTest::newRow("coarse") << QList<int>{300, 100, 200, 40} << Qt::CoarseTimer;
        QTest::newRow("very coarse") << QList<int>{1400} << Qt::VeryCoarseTimer;
    }
    void singleShotTimers() {
        QFETCH_GLOBAL(QString, dispatcher);
        QFETCH(QList<int>, intervals);
        QFETCH(Qt::TimerType, type);
        QList<qsizetype> order;
        QList<qint64> elapsed;
        QElapsedTimer clock;
        LoopThread thread(dispatcher, [&](QObject *context) {
            clock.start();
            for (qsizetype i = 0; i < intervals.size(); ++i) {
                QTimer::singleShot(intervals[i], type, context, [&, i] {
                    order.append(i);
                    elapsed.append(clock.elapsed());
                    if (order.size() == intervals.size())
                        quitLoop();
                });
            }
        });
        thread.start();
        QVERIFY(thread.finish());
        QList<qsizetype> expected;
        for (qsizetype i = 0; i < intervals.size(); ++i)
            expected.append(i);
        std::stable_sort(expected.begin(), expected.end(),
                         [&](qsizetype x, qsizetype y) { return intervals[x] < intervals[y]; });
        QCOMPARE(order, expected);
        for (qsizetype k = 0; k < order.size(); ++k) {
            const int interval = intervals[order[k]];
            // Coarse timers may fire 5 % early (less a millisecond of QElapsedTimer's
            // truncation); very coarse ones on the nearest whole second.
            const qint64 earliest = type == Qt::PreciseTimer ? interval
                                    : type == Qt::CoarseTimer
                                        ? interval * 95 / 100 - 1
                                        : (interval + 500) / 1000 * 1000 - 500;
            QVERIFY2(elapsed[k] >= earliest,
                     qPrintable(u"%1 ms after %2"_s.arg(elapsed[k]).arg(interval)));
            QVERIFY2(elapsed[k] <= interval + 3000,
                     qPrintable(u"%1 ms after %2"_s.arg(elapsed[k]).arg(interval)));
        }
    }

    void repeatingTimer_data() {
        QTest::addColumn<int>("interval");
        QTest::addColumn<Qt::TimerType>("type");
        QTest::addColumn<int>("times");
        QTest::newRow("precise 10 ms") << 10 << Qt::PreciseTimer << 8;
        QTest::newRow("coarse 40 ms") << 40 << Qt::CoarseTimer << 4;
        QTest::newRow("zero interval") << 0 << Qt::PreciseTimer << 50;
    }
    void repeatingTimer() {
        QFETCH_GLOBAL(QString, dispatcher);
        QFETCH(int, interval);
        QFETCH(Qt::TimerType, type);
        QFETCH(int, times);
        int fired = 0;
        qint64 elapsed = 0;
        QElapsedTimer clock;
        LoopThread thread(dispatcher, [&](QObject *context) {
            auto *timer = new QTimer(context);
            timer->setTimerType(type);
            QObject::connect(timer, &QTimer::timeout, context, [&, timer] {
                if (++fired < times)
                    return;
                elapsed = clock.elapsed();
                timer->stop();
                quitAfter(interval * 3 + 50, timer);
            });
            clock.start();
            timer->start(interval);
        });
        thread.start();
        QVERIFY(thread.finish());
        QCOMPARE(fired, times); // and not once more after stop()
        QVERIFY2(elapsed >= qint64(times) * interval * 95 / 100,
                 qPrintable(QString::number(elapsed)));
    }

    void timersChangedByHandlers_data() {
        QTest::addColumn<QString>("action");
        QTest::addColumn<QList<int>>("expected"); // times each of the timers t1, t2, t3 fired
        QTest::newRow("t1 stops itself") << u"stop own"_s << QList<int>{1, 1, 0};
        QTest::newRow("t1 deletes itself") << u"delete own"_s << QList<int>{1, 1, 0};
        QTest::newRow("t1 restarts itself once") << u"restart own"_s << QList<int>{2, 1, 0};
        QTest::newRow("t1 stops t2, due in the same pass")
            << u"stop other"_s << QList<int>{1, 0, 0};
        QTest::newRow("t1 stops t2 and starts t3 (its id free again)")
            << u"stop other, start new"_s << QList<int>{1, 0, 1};
    }
    void timersChangedByHandlers() {
        QFETCH_GLOBAL(QString, dispatcher);
        QFETCH(QString, action);
        QFETCH(QList<int>, expected);
        QList<int> fired{0, 0, 0};
        LoopThread thread(dispatcher, [&](QObject *context) {
            QList<QTimer *> timers;
            for (int i = 0; i < 3; ++i) {
                auto *timer = new QTimer(context);
                timer->setTimerType(Qt::PreciseTimer);
                timer->setInterval(20);
                timers.append(timer);
            }
            QObject::connect(timers[0], &QTimer::timeout, context, [&, timers] {
                ++fired[0];
                if (action == "stop own"_L1)
                    timers[0]->stop();
                else if (action == "delete own"_L1)
                    delete timers[0];
                else if (action == "restart own"_L1)
                    fired[0] == 1 ? timers[0]->start() : timers[0]->stop();
                else
                    timers[0]->stop();
                if (action.startsWith("stop other"_L1))
                    timers[1]->stop();
                if (action == "stop other, start new"_L1)
                    timers[2]->start(0);
            });
            for (int i = 1; i < 3; ++i) {
                QObject::connect(timers[i], &QTimer::timeout, context, [&, i, timers] {
                    ++fired[i];
                    timers[i]->stop();
                });
            }
            timers[0]->start();
            timers[1]->start();
            quitAfter(200, context);
        });
        thread.start();
        QVERIFY(thread.finish());
        QCOMPARE(fired, expected);
    }

    void notifiersChangedByHandlers_data() {
        QTest::addColumn<NotifierAction>("action");
        QTest::addColumn<int>("activations"); // of the readable pairs' notifiers, together
        QTest::addColumn<int>("otherActivations");
        QTest::newRow("disable itself") << NotifierAction::DisableSelf << 1 << 0;
        QTest::newRow("delete itself") << NotifierAction::DeleteSelf << 1 << 0;
        QTest::newRow("disable and enable itself, level-triggered again")
            << NotifierAction::DisableAndReenableSelf << 2 << 0;
        // The classic: both are ready in one batch; the first deletes the second and closes its
        // socket, and a new socket and notifier (same number, likely same address) take their
        // place. The new one has nothing to read and must not be activated.
        QTest::newRow("delete the other, ready in the same batch, and reuse its fd")
            << NotifierAction::DeleteOtherAndReuseItsFd << 1 << 0;
        // Taken out of the batch when disabled; ready still when enabled again, so activated in
        // the next pass: neither lost nor activated twice.
        QTest::newRow("disable and enable the other, ready in the same batch")
            << NotifierAction::DisableAndReenableOther << 2 << 0;
        QTest::newRow("enable another socket's write notifier")
            << NotifierAction::EnableOtherWriteNotifier << 1 << 1;
    }
    void notifiersChangedByHandlers() {
        QFETCH_GLOBAL(QString, dispatcher);
        QFETCH(NotifierAction, action);
        QFETCH(int, activations);
        QFETCH(int, otherActivations);
        Loopback loopback;
        int a1 = -1, b1 = -1;
        std::tie(a1, b1) = loopback.pair();
        int a2 = -1, b2 = -1;
        std::tie(a2, b2) = loopback.pair();
        int a3 = -1, b3 = -1;
        std::tie(a3, b3) = loopback.pair();
        QVERIFY(b1 >= 0 && b2 >= 0 && b3 >= 0);
        const bool both = action == NotifierAction::DeleteOtherAndReuseItsFd ||
                          action == NotifierAction::DisableAndReenableOther;
        QCOMPARE(write(a1, "x", 1), 1);
        if (both)
            QCOMPARE(write(a2, "x", 1), 1);
        int count = 0;
        int otherCount = 0;
        bool reusedNumber = false;
        LoopThread thread(dispatcher, [&](QObject *context) {
            auto *n1 = new QSocketNotifier(b1, QSocketNotifier::Read, context);
            QPointer<QSocketNotifier> n2;
            if (both)
                n2 = new QSocketNotifier(b2, QSocketNotifier::Read, context);
            auto *writable = new QSocketNotifier(b3, QSocketNotifier::Write, context);
            writable->setEnabled(false);
            QObject::connect(writable, &QSocketNotifier::activated, context, [&, writable] {
                ++otherCount;
                writable->setEnabled(false);
            });
            auto handler = [&, context, writable](QSocketNotifier *self, QSocketNotifier *other) {
                ++count;
                switch (action) {
                case NotifierAction::DisableSelf:
                    self->setEnabled(false);
                    break;
                case NotifierAction::DeleteSelf:
                    delete self;
                    break;
                case NotifierAction::DisableAndReenableSelf:
                    self->setEnabled(false);
                    if (count == 1)
                        self->setEnabled(true);
                    break;
                case NotifierAction::DeleteOtherAndReuseItsFd: {
                    self->setEnabled(false);
                    const int otherFd = int(other->socket());
                    delete other;
                    loopback.closeNow(otherFd);
                    int fresh = -1, freshPeer = -1;
                    std::tie(fresh, freshPeer) = loopback.pair();
                    reusedNumber = fresh == otherFd;
                    auto *successor = new QSocketNotifier(fresh, QSocketNotifier::Read, context);
                    QObject::connect(successor, &QSocketNotifier::activated, context,
                                     [&] { ++otherCount; });
                    Q_UNUSED(freshPeer);
                    break;
                }
                case NotifierAction::DisableAndReenableOther:
                    self->setEnabled(false);
                    if (count == 1) {
                        other->setEnabled(false);
                        other->setEnabled(true);
                    }
                    break;
                case NotifierAction::EnableOtherWriteNotifier:
                    self->setEnabled(false);
                    writable->setEnabled(true);
                    break;
                }
            };
            QObject::connect(n1, &QSocketNotifier::activated, context,
                             [=] { handler(n1, n2.data()); });
            if (both) {
                QObject::connect(n2.data(), &QSocketNotifier::activated, context,
                                 [=] { handler(n2.data(), n1); });
            }
            quitAfter(200, context);
        });
        thread.start();
        QVERIFY(thread.finish());
        QCOMPARE(count, activations);
        QCOMPARE(otherCount, otherActivations);
        if (action == NotifierAction::DeleteOtherAndReuseItsFd)
            QVERIFY2(reusedNumber, "the new socket did not take the closed one's number");
    }

    // Write notifiers: this dispatcher activates one enabled on a socket it reads from but does
    // not watch for writing at once, without the kernel, and watches it only if it stays enabled.
    void writeNotifier_data() {
        QTest::addColumn<QString>("how");
        QTest::addColumn<int>("activations");
        QTest::newRow("enabled from a timer") << u"timer"_s << 1;
        QTest::newRow("enabled from a posted event") << u"posted"_s << 1;
        QTest::newRow("enabled, disabled and enabled again by one handler")
            << u"toggled by another"_s << 1;
        QTest::newRow("disables and enables itself, level-triggered again")
            << u"toggles itself"_s << 2;
        QTest::newRow("stays enabled for three activations") << u"stays enabled"_s << 3;
    }
    void writeNotifier() {
        QFETCH_GLOBAL(QString, dispatcher);
        QFETCH(QString, how);
        QFETCH(int, activations);
        Loopback loopback;
        int a = -1, b = -1;
        std::tie(a, b) = loopback.pair();
        int c = -1, d = -1;
        std::tie(c, d) = loopback.pair();
        QVERIFY(b >= 0 && d >= 0);
        QCOMPARE(write(c, "x", 1), 1);
        int count = 0;
        LoopThread thread(dispatcher, [&](QObject *context) {
            new QSocketNotifier(b, QSocketNotifier::Read, context); // a connection being read
            auto *writable = new QSocketNotifier(b, QSocketNotifier::Write, context);
            writable->setEnabled(false);
            QObject::connect(writable, &QSocketNotifier::activated, context, [&, writable] {
                ++count;
                if (how == "toggles itself"_L1) {
                    writable->setEnabled(false);
                    writable->setEnabled(count == 1);
                } else if (how != "stays enabled"_L1 || count == activations) {
                    writable->setEnabled(false);
                }
            });
            auto enable = [writable] { writable->setEnabled(true); };
            if (how == "timer"_L1) {
                QTimer::singleShot(10, context, enable);
            } else if (how == "posted"_L1) {
                QMetaObject::invokeMethod(context, enable, Qt::QueuedConnection);
            } else if (how == "toggled by another"_L1) {
                auto *readable = new QSocketNotifier(d, QSocketNotifier::Read, context);
                QObject::connect(readable, &QSocketNotifier::activated, context,
                                 [readable, writable] {
                                     readable->setEnabled(false);
                                     writable->setEnabled(true);
                                     writable->setEnabled(false);
                                     writable->setEnabled(true);
                                 });
            } else {
                enable();
            }
            quitAfter(200, context);
        });
        thread.start();
        QVERIFY(thread.finish());
        QCOMPARE(count, activations);
        Q_UNUSED(a);
    }

    // A socket that cannot take more: its write notifier is not activated again and again (at
    // most once, by this dispatcher), and is once the peer has read.
    void writeNotifierOnAFullSocket() {
        QFETCH_GLOBAL(QString, dispatcher);
        Loopback loopback;
        int a = -1, b = -1;
        std::tie(a, b) = loopback.pair();
        QVERIFY(b >= 0);
        const QByteArray chunk(65536, 'x');
        while (write(b, chunk.constData(), size_t(chunk.size())) > 0) {
        }
        QCOMPARE(errno, EAGAIN);
        int whileFull = 0;
        int afterRead = 0;
        bool peerRead = false;
        LoopThread thread(dispatcher, [&](QObject *context) {
            // Read too, as every connection is: only then is a writer activated without asking.
            new QSocketNotifier(b, QSocketNotifier::Read, context);
            auto *writable = new QSocketNotifier(b, QSocketNotifier::Write, context);
            QObject::connect(writable, &QSocketNotifier::activated, context,
                             [&, writable, context] {
                                 ++(peerRead ? afterRead : whileFull);
                                 if (write(b, "x", 1) == 1) {
                                     writable->setEnabled(false);
                                     quitAfter(50, context);
                                 }
                             });
            QTimer::singleShot(150, context, [&] {
                peerRead = true;
                drain(a);
            });
        });
        thread.start();
        QVERIFY(thread.finish());
        QVERIFY2(whileFull <= (dispatcher == "epoll"_L1 ? 1 : 0),
                 qPrintable(QString::number(whileFull)));
        QCOMPARE(afterRead, 1);
    }

    // A connect in progress enables its write notifier alone (hiredis does, and QAbstractSocket):
    // it must not be activated before the connect ends, or hiredis takes the connect as done
    // and a refused one is reported as a connection lost.
    void writeNotifierWhileConnecting() {
        QFETCH_GLOBAL(QString, dispatcher);
        // A listener whose accept queue is full drops new SYNs: the connect stays in progress.
        const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        QCOMPARE(bind(listener, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
        QCOMPARE(listen(listener, 0), 0);
        socklen_t len = sizeof addr;
        QCOMPARE(getsockname(listener, reinterpret_cast<sockaddr *>(&addr), &len), 0);
        const int filler = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        QCOMPARE(::connect(filler, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
        const int connecting = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        const int rc = ::connect(connecting, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
        const int connectErrno = errno;
        int activated = 0;
        LoopThread thread(dispatcher, [&](QObject *context) {
            auto *writable = new QSocketNotifier(connecting, QSocketNotifier::Write, context);
            QObject::connect(writable, &QSocketNotifier::activated, context, [&] { ++activated; });
            quitAfter(200, context);
        });
        thread.start();
        const bool finished = thread.finish();
        sockaddr_in peer{};
        socklen_t peerLen = sizeof peer;
        const bool stillConnecting =
            getpeername(connecting, reinterpret_cast<sockaddr *>(&peer), &peerLen) != 0;
        close(connecting);
        close(filler);
        close(listener);
        QVERIFY(finished);
        if (rc == 0 || connectErrno != EINPROGRESS || !stillConnecting)
            QSKIP("this kernel did not keep the connect in progress; nothing to observe");
        QCOMPARE(activated, 0);
    }

    // Disabled while another notifier of its socket stays enabled, a notifier whose socket then
    // becomes ready is not activated, nor does its readiness keep the loop awake; enabled
    // again, it is activated.
    void disabledNotifierBecomesReady() {
        QFETCH_GLOBAL(QString, dispatcher);
        Loopback loopback;
        int a = -1, b = -1;
        std::tie(a, b) = loopback.pair();
        QVERIFY(b >= 0);
        int activated = 0;
        int wakeUps = -1;
        int wakeUpsWhileDisabled = 0;
        LoopThread thread(dispatcher, [&](QObject *context) {
            auto *readable = new QSocketNotifier(b, QSocketNotifier::Read, context);
            new QSocketNotifier(b, QSocketNotifier::Exception, context); // keeps b watched
            readable->setEnabled(false);
            QObject::connect(QAbstractEventDispatcher::instance(), &QAbstractEventDispatcher::awake,
                             context, [&] { ++wakeUps; });
            QObject::connect(readable, &QSocketNotifier::activated, context,
                             [&, readable, context] {
                                 ++activated;
                                 drain(b);
                                 readable->setEnabled(false);
                                 quitAfter(50, context);
                             });
            QTimer::singleShot(20, context, [&] { QCOMPARE(write(a, "x", 1), 1); });
            QTimer::singleShot(220, context, [&, readable] {
                wakeUpsWhileDisabled = wakeUps;
                readable->setEnabled(true);
            });
        });
        thread.start();
        QVERIFY(thread.finish());
        QCOMPARE(activated, 1);
        QVERIFY2(wakeUpsWhileDisabled < 20, qPrintable(QString::number(wakeUpsWhileDisabled)));
    }

    void manySockets_data() {
        QTest::addColumn<int>("pairs");
        QTest::addColumn<int>("everyNth"); // of them is written to
        QTest::newRow("100, 10 active") << 100 << 10;
        QTest::newRow("3000, 60 active") << 3000 << 50;
    }
    void manySockets() {
        QFETCH_GLOBAL(QString, dispatcher);
        QFETCH(int, pairs);
        QFETCH(int, everyNth);
        Loopback loopback;
        QList<std::pair<int, int>> ends;
        for (int i = 0; i < pairs; ++i) {
            ends.append(loopback.pair());
            QVERIFY(ends.last().second >= 0);
        }
        QList<int> activated(pairs, 0);
        const int active = pairs / everyNth;
        LoopThread thread(dispatcher, [&](QObject *context) {
            auto seen = std::make_shared<int>(0);
            for (int i = 0; i < pairs; ++i) {
                auto *n = new QSocketNotifier(ends[i].second, QSocketNotifier::Read, context);
                QObject::connect(n, &QSocketNotifier::activated, context, [&, i, seen, context] {
                    ++activated[i];
                    drain(ends[i].second);
                    if (++*seen == active)
                        quitAfter(100, context);
                });
            }
            for (int i = 0; i < pairs; i += everyNth)
                QCOMPARE(write(ends[i].first, "x", 1), 1);
        });
        thread.start();
        QVERIFY(thread.finish());
        for (int i = 0; i < pairs; ++i)
            QCOMPARE(activated[i], i % everyNth == 0 ? 1 : 0);
    }

    void postedEvents_data() {
        QTest::addColumn<bool>("fromAnotherThread");
        QTest::addColumn<int>("calls");
        QTest::newRow("queued calls from the loop's own thread") << false << 100;
        QTest::newRow("queued calls from another thread, loop asleep") << true << 1000;
    }
    void postedEvents() {
        QFETCH_GLOBAL(QString, dispatcher);
        QFETCH(bool, fromAnotherThread);
        QFETCH(int, calls);
        QList<int> order;
        bool deletedInOrder = false;
        QObject receiver;
        auto *doomed = new QObject;
        QPointer<QObject> watch(doomed);
        auto post = [&](QObject *target) {
            for (int i = 0; i < calls; ++i)
                QMetaObject::invokeMethod(
                    target, [&, i] { order.append(i); }, Qt::QueuedConnection);
            QMetaObject::invokeMethod(
                target, [doomed] { doomed->deleteLater(); }, Qt::QueuedConnection);
            QMetaObject::invokeMethod(
                target,
                [&] {
                    // deleteLater() was handled when the loop next sent posted events.
                    QTimer::singleShot(0, &receiver, [&] {
                        deletedInOrder = watch.isNull();
                        quitLoop();
                    });
                },
                Qt::QueuedConnection);
        };
        LoopThread thread(dispatcher, [&](QObject *) {
            if (!fromAnotherThread)
                post(&receiver);
        });
        receiver.moveToThread(&thread);
        doomed->moveToThread(&thread);
        thread.start();
        if (fromAnotherThread)
            post(&receiver);
        QVERIFY(thread.finish());
        QCOMPARE(order.size(), calls);
        for (int i = 0; i < calls; ++i)
            QCOMPARE(order[i], i);
        QVERIFY(deletedInOrder);
    }

    // A handler of aboutToBlock() posts: the loop must not then sleep on it.
    void postedAsTheLoopIsAboutToBlock() {
        QFETCH_GLOBAL(QString, dispatcher);
        bool delivered = false;
        LoopThread thread(dispatcher, [&](QObject *context) {
            auto posted = std::make_shared<bool>(false);
            QObject::connect(QAbstractEventDispatcher::instance(),
                             &QAbstractEventDispatcher::aboutToBlock, context,
                             [&, context, posted] {
                                 if (std::exchange(*posted, true))
                                     return;
                                 QMetaObject::invokeMethod(
                                     context,
                                     [&] {
                                         delivered = true;
                                         quitLoop();
                                     },
                                     Qt::QueuedConnection);
                             });
        });
        thread.start();
        QVERIFY(thread.finish(5000));
        QVERIFY(delivered);
    }

    void quitFromAnotherThreadWhileAsleep() {
        QFETCH_GLOBAL(QString, dispatcher);
        QSemaphore asleep;
        LoopThread thread(dispatcher, [&](QObject *context) {
            // Released once the loop runs; it then blocks with no timer and no socket ready.
            QMetaObject::invokeMethod(
                context, [&] { asleep.release(); }, Qt::QueuedConnection);
        });
        thread.start();
        asleep.acquire();
        thread.quit();
        QVERIFY(thread.finish());
    }

    void threadEndsWithThingsRegistered_data() {
        QTest::addColumn<QString>("left");
        QTest::newRow("timers and notifiers deleted on finished()") << u"deleteLater"_s;
        QTest::newRow("notifiers outlive the thread and its dispatcher") << u"outlive"_s;
        QTest::newRow("timers and notifiers of the loop's context") << u"context"_s;
    }
    void threadEndsWithThingsRegistered() {
        QFETCH_GLOBAL(QString, dispatcher);
        QFETCH(QString, left);
        Loopback loopback;
        int a = -1, b = -1;
        std::tie(a, b) = loopback.pair();
        QCOMPARE(write(a, "x", 1), 1); // ready, never read
        QList<QPointer<QObject>> orphans;
        std::unique_ptr<QSocketNotifier> outliving;
        LoopThread *threadPtr = nullptr;
        LoopThread thread(dispatcher, [&](QObject *context) {
            QObject *parent = left == "context"_L1 ? context : nullptr;
            auto *timer = new QTimer(parent);
            timer->start(5);
            auto *notifier = new QSocketNotifier(b, QSocketNotifier::Read, parent);
            auto *writer = new QSocketNotifier(a, QSocketNotifier::Write, parent);
            QObject::connect(notifier, &QSocketNotifier::activated, notifier, [notifier] {
                // Leaves it enabled and ready: the loop quits with it pending.
                Q_UNUSED(notifier);
                quitLoop();
            });
            if (left == "deleteLater"_L1) {
                for (QObject *o : {static_cast<QObject *>(timer), static_cast<QObject *>(notifier),
                                   static_cast<QObject *>(writer)}) {
                    QObject::connect(threadPtr, &QThread::finished, o, &QObject::deleteLater);
                    orphans.append(o);
                }
            } else if (left == "outlive"_L1) {
                delete timer;
                delete writer;
                outliving.reset(notifier);
            }
        });
        threadPtr = &thread;
        thread.start();
        QVERIFY(thread.finish());
        for (const auto &o : orphans)
            QVERIFY(o.isNull());
        outliving.reset(); // after its dispatcher is gone: must simply go
    }
};

QTEST_GUILESS_MAIN(TestEpollDispatcher)
#include "tst_epolldispatcher.moc"
