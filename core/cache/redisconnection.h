// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/cache/redisaddress.h"

#include <QElapsedTimer>
#include <QList>
#include <QLoggingCategory>
#include <QObject>
#include <QTimer>

#include <deque>
#include <functional>
#include <memory>

struct redisAsyncContext;
class QSocketNotifier;

namespace Tokengate {

Q_DECLARE_LOGGING_CATEGORY(lcRedis)

// One reply, copied out of hiredis's reply tree (which it frees after the callback).
struct RedisReply {
    enum class Kind { String, Status, Integer, Nil, Array, Error, Timeout, Failed };
    Kind kind = Kind::Failed;
    QByteArray text;            // String, Status, Error
    qint64 integer = 0;         // Integer
    QList<QByteArray> elements; // Array (strings, and integers as text; nested arrays empty)

    bool failed() const {
        return kind == Kind::Error || kind == Kind::Timeout || kind == Kind::Failed;
    }
};

// One asynchronous hiredis connection driven by the event loop of the thread it lives in (the
// hooks of hiredis/adapters/qt.h, done here so that no moc runs over a system header and no
// notifier outlives its context). Every command is bounded by `timeoutMs`: a command Redis
// does not answer in time fails, and the connection is dropped so that the next ones do not
// queue behind it. A lost connection comes back by itself, with exponential backoff; while it
// is down, command() refuses at once instead of making anyone wait.
// Not thread-safe; not to be destroyed from inside one of its own callbacks.
class RedisConnection : public QObject {
public:
    enum class State { Down, Connecting, Up };
    using Callback = std::function<void(const RedisReply &)>;

    RedisConnection(RedisAddress address, int timeoutMs, QObject *parent = nullptr);
    ~RedisConnection() override;

    // Subscriber mode, before start(): SUBSCRIBE to `channel` after every connect, and call
    // `onMessage` with each message's payload. Such a connection takes no command().
    void setSubscription(QByteArray channel, std::function<void(const QByteArray &)> onMessage);
    // Called when the connection comes up (logged in, subscribed) and when it stops being up.
    void setStateListener(std::function<void(bool up)> listener) {
        m_listener = std::move(listener);
    }
    // What the gateway does while Redis is away, for the outage's warning.
    void setFallbackNote(QString note) { m_fallbackNote = std::move(note); }
    void start();

    State state() const { return m_state; }
    // Sends `args` (binary-safe). False when the connection is down or too many commands wait:
    // `done` then never runs. Otherwise `done` runs exactly once, later (never inside this
    // call): with the reply, or Timeout, or Failed when the connection is lost.
    bool command(const QList<QByteArray> &args, Callback done);

private:
    struct Pending;

    void connectNow();
    void open(const QString &ip);
    bool send(const QList<QByteArray> &args, Callback done);
    void setupReplied(quint64 generation, const RedisReply &reply, bool last);
    void becomeUp();
    void drop(const QString &why);
    void dropSoon(const QString &why);
    void lost();
    void goDown(const QString &why);
    void armTimeout();
    void timedOut();
    void onSubscriptionReply(void *reply);

    static void onReply(redisAsyncContext *ctx, void *reply, void *privdata);
    static void onMessage(redisAsyncContext *ctx, void *reply, void *privdata);
    static void onConnect(const redisAsyncContext *ctx, int status);
    static void addRead(void *self);
    static void delRead(void *self);
    static void addWrite(void *self);
    static void delWrite(void *self);
    static void cleanup(void *self);

    const RedisAddress m_address;
    const int m_timeoutMs;
    QByteArray m_channel; // subscriber mode when not empty
    std::function<void(const QByteArray &)> m_onMessage;
    std::function<void(bool)> m_listener;
    QString m_fallbackNote = QStringLiteral("introspecting without the shared cache meanwhile");

    State m_state = State::Down;
    redisAsyncContext *m_ctx = nullptr;
    quint64 m_generation = 0; // one per connect attempt; late callbacks of older ones are ignored
    bool m_lostQueued = false;
    bool m_destroying = false;
    QString m_connectError;
    std::unique_ptr<QSocketNotifier> m_read;
    std::unique_ptr<QSocketNotifier> m_write;
    std::deque<Pending *> m_pending; // sent, oldest first; owned by hiredis until replied
    std::vector<Callback> m_lostCallbacks;
    QElapsedTimer m_monotonic;
    QTimer m_timeout; // for the oldest pending command
    QTimer m_connectDeadline;
    QTimer m_reconnect;
    int m_backoffMs;
    bool m_warned = false; // one warning per outage, not one per attempt
};

} // namespace Tokengate
