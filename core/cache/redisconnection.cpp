// SPDX-License-Identifier: Apache-2.0
#include "core/cache/redisconnection.h"

#include <QHostAddress>
#include <QHostInfo>
#include <QRandomGenerator>
#include <QSocketNotifier>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <hiredis/read.h>

#include <csignal>
#include <ctime>
#include <pthread.h>

namespace Tokengate {

Q_LOGGING_CATEGORY(lcRedis, "tokengate.redis")

namespace {

constexpr size_t MaxPending = 4096; // per connection; beyond, lookups go to the IdP at once
constexpr int FirstBackoffMs = 100;
constexpr int MaxBackoffMs = 2000; // a restarted Redis is used again within ~2 s

// hiredis writes with write(2), so a peer that has gone away raises SIGPIPE, whose default
// action ends the process. Blocked in this thread for the write, and a SIGPIPE it raised is
// consumed before unblocking; the process-wide disposition is left alone.
class SigpipeSuppressed {
public:
    SigpipeSuppressed() {
        sigemptyset(&m_pipe);
        sigaddset(&m_pipe, SIGPIPE);
        sigset_t pending;
        sigemptyset(&pending);
        sigpending(&pending);
        m_wasPending = sigismember(&pending, SIGPIPE) == 1;
        pthread_sigmask(SIG_BLOCK, &m_pipe, &m_old);
    }
    ~SigpipeSuppressed() {
        if (!m_wasPending) {
            sigset_t pending;
            sigemptyset(&pending);
            sigpending(&pending);
            if (sigismember(&pending, SIGPIPE) == 1) {
                const timespec zero{0, 0};
                sigtimedwait(&m_pipe, nullptr, &zero);
            }
        }
        pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
    }

private:
    sigset_t m_pipe;
    sigset_t m_old;
    bool m_wasPending = false;
};

RedisReply copyReply(const redisReply *r) {
    RedisReply out;
    if (!r)
        return out; // Failed
    switch (r->type) {
    case REDIS_REPLY_STRING:
        out.kind = RedisReply::Kind::String;
        out.text = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_STATUS:
        out.kind = RedisReply::Kind::Status;
        out.text = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_ERROR:
        out.kind = RedisReply::Kind::Error;
        out.text = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_INTEGER:
        out.kind = RedisReply::Kind::Integer;
        out.integer = r->integer;
        break;
    case REDIS_REPLY_NIL:
        out.kind = RedisReply::Kind::Nil;
        break;
    case REDIS_REPLY_ARRAY:
        out.kind = RedisReply::Kind::Array;
        for (size_t i = 0; i < r->elements; ++i) {
            const redisReply *e = r->element[i];
            if (e->type == REDIS_REPLY_STRING || e->type == REDIS_REPLY_STATUS)
                out.elements << QByteArray(e->str, qsizetype(e->len));
            else if (e->type == REDIS_REPLY_INTEGER)
                out.elements << QByteArray::number(e->integer);
            else
                out.elements << QByteArray();
        }
        break;
    default:
        break;
    }
    return out;
}

// hiredis buffers a reply until it is whole, however large it says it is: a bulk string's
// announced length and the bytes held unparsed are both bounded. Entries are one
// introspection answer (itself capped at 1 MiB) plus a little framing.
constexpr qint64 MaxReplyBytes = 2 << 20;
constexpr int MaxReplyElements = 1024;

bool replyTooLarge(const redisReader *reader) {
    if (!reader || !reader->buf)
        return false;
    const qint64 unparsed = qint64(reader->len) - qint64(reader->pos);
    if (unparsed > MaxReplyBytes)
        return true;
    // Our replies are arrays of a few elements; hiredis builds a large one element by element.
    for (int i = 0; i <= reader->ridx; ++i) {
        if (reader->rstack[i].type == REDIS_REPLY_ARRAY &&
            reader->rstack[i].elements > MaxReplyElements)
            return true;
    }
    // A bulk string says its length up front: hiredis has taken its '$' (the task's type) and
    // waits at pos, before the length, until the whole string is there.
    if (reader->ridx < 0 || reader->rstack[reader->ridx].type != REDIS_REPLY_STRING)
        return false;
    const QByteArrayView pending(reader->buf + reader->pos, qsizetype(unparsed));
    const qsizetype eol = pending.indexOf('\r');
    if (eol < 0)
        return unparsed > 32; // no length fits in that many digits
    bool ok = false;
    const qint64 announced = pending.first(eol).toLongLong(&ok);
    return ok && announced > MaxReplyBytes;
}

// A notifier exists from the context's start until its cleanup; hiredis may call in between.
void enable(QSocketNotifier *notifier, bool on) {
    if (notifier)
        notifier->setEnabled(on);
}

} // namespace

// hiredis owns each Pending from the command until its callback, which always runs (with a
// reply, or NULL when the context goes away) and deletes it. `detached`: nobody waits for it.
struct RedisConnection::Pending {
    RedisConnection *connection = nullptr;
    Callback done;
    qint64 deadlineMs = 0; // on m_monotonic
    bool detached = false;
};

RedisConnection::RedisConnection(RedisAddress address, int timeoutMs, QObject *parent)
    : QObject(parent)
    , m_address(std::move(address))
    , m_timeoutMs(std::max(1, timeoutMs))
    , m_backoffMs(FirstBackoffMs) {
    m_monotonic.start();
    for (QTimer *t : {&m_timeout, &m_connectDeadline, &m_reconnect})
        t->setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this, &RedisConnection::timedOut);
    connect(&m_connectDeadline, &QTimer::timeout, this,
            [this] { drop(QStringLiteral("no connection within %1 ms").arg(m_timeoutMs)); });
    connect(&m_reconnect, &QTimer::timeout, this, &RedisConnection::connectNow);
}

RedisConnection::~RedisConnection() {
    m_destroying = true;
    m_listener = nullptr;
    for (Pending *p : m_pending) {
        p->detached = true;
        p->done = nullptr;
    }
    m_pending.clear();
    if (redisAsyncContext *ctx = std::exchange(m_ctx, nullptr))
        redisAsyncFree(ctx); // its callbacks see `m_destroying` or detached Pendings
}

void RedisConnection::setSubscription(QByteArray channel,
                                      std::function<void(const QByteArray &)> onMessage) {
    m_channel = std::move(channel);
    m_onMessage = std::move(onMessage);
}

void RedisConnection::start() {
    connectNow();
}

void RedisConnection::connectNow() {
    ++m_generation;
    m_state = State::Connecting;
    m_connectError.clear();
    m_connectDeadline.start(m_timeoutMs);
    QHostAddress literal;
    if (literal.setAddress(m_address.host)) {
        open(literal.toString());
        return;
    }
    // hiredis resolves names with a blocking getaddrinfo(); Qt's lookup does not block.
    const quint64 generation = m_generation;
    QHostInfo::lookupHost(m_address.host, this, [this, generation](const QHostInfo &info) {
        if (generation != m_generation || m_state != State::Connecting || m_ctx)
            return;
        if (info.error() != QHostInfo::NoError || info.addresses().isEmpty()) {
            m_connectDeadline.stop();
            goDown(QStringLiteral("cannot resolve %1: %2").arg(m_address.host, info.errorString()));
            return;
        }
        open(info.addresses().constFirst().toString());
    });
}

void RedisConnection::open(const QString &ip) {
    redisAsyncContext *ctx = redisAsyncConnect(ip.toLatin1().constData(), m_address.port);
    if (!ctx || ctx->err) {
        const QString why = ctx ? QString::fromLocal8Bit(ctx->errstr) : QStringLiteral("no memory");
        if (ctx)
            redisAsyncFree(ctx);
        m_connectDeadline.stop();
        goDown(why);
        return;
    }
    ctx->data = this;
    m_read = std::make_unique<QSocketNotifier>(ctx->c.fd, QSocketNotifier::Read);
    m_read->setEnabled(false);
    connect(m_read.get(), &QSocketNotifier::activated, this, [this] {
        if (!m_ctx)
            return;
        redisAsyncHandleRead(m_ctx);
        // Checked once hiredis has returned: dropping frees the context, which its own
        // callbacks must never do.
        if (m_ctx && replyTooLarge(m_ctx->c.reader))
            drop(QStringLiteral("a reply larger than %1 bytes").arg(MaxReplyBytes));
    });
    m_write = std::make_unique<QSocketNotifier>(ctx->c.fd, QSocketNotifier::Write);
    m_write->setEnabled(false);
    connect(m_write.get(), &QSocketNotifier::activated, this, [this] {
        if (m_ctx) {
            SigpipeSuppressed quiet;
            redisAsyncHandleWrite(m_ctx);
        }
    });
    ctx->ev.data = this;
    ctx->ev.addRead = &RedisConnection::addRead;
    ctx->ev.delRead = &RedisConnection::delRead;
    ctx->ev.addWrite = &RedisConnection::addWrite;
    ctx->ev.delWrite = &RedisConnection::delWrite;
    ctx->ev.cleanup = &RedisConnection::cleanup;
    redisAsyncSetConnectCallback(ctx, &RedisConnection::onConnect);
    m_ctx = ctx;

    // Sent at once: hiredis writes them when the connect completes, and their replies say
    // the connection is usable. A PING when nothing else is needed, for the same reason.
    QList<QList<QByteArray>> setup;
    if (!m_address.password.isEmpty()) {
        if (m_address.username.isEmpty())
            setup << QList<QByteArray>{"AUTH", m_address.password};
        else
            setup << QList<QByteArray>{"AUTH", m_address.username, m_address.password};
    }
    if (m_address.database != 0)
        setup << QList<QByteArray>{"SELECT", QByteArray::number(m_address.database)};
    if (setup.isEmpty() && m_channel.isEmpty())
        setup << QList<QByteArray>{"PING"};
    const quint64 generation = m_generation;
    for (qsizetype i = 0; i < setup.size(); ++i) {
        const bool last = i == setup.size() - 1 && m_channel.isEmpty();
        send(setup[i],
             [this, generation, last](const RedisReply &r) { setupReplied(generation, r, last); });
    }
    if (!m_channel.isEmpty() && m_ctx) {
        const char *argv[] = {"SUBSCRIBE", m_channel.constData()};
        const size_t lengths[] = {9, size_t(m_channel.size())};
        redisAsyncCommandArgv(m_ctx, &RedisConnection::onMessage, nullptr, 2, argv, lengths);
    }
}

bool RedisConnection::command(const QList<QByteArray> &args, Callback done) {
    if (m_state == State::Down || !m_ctx || !m_channel.isEmpty() || m_pending.size() >= MaxPending)
        return false;
    return send(args, std::move(done));
}

bool RedisConnection::send(const QList<QByteArray> &args, Callback done) {
    std::vector<const char *> argv;
    std::vector<size_t> lengths;
    argv.reserve(size_t(args.size()));
    lengths.reserve(size_t(args.size()));
    for (const QByteArray &a : args) {
        argv.push_back(a.constData());
        lengths.push_back(size_t(a.size()));
    }
    auto *p = new Pending;
    p->connection = this;
    p->done = std::move(done);
    p->deadlineMs = m_monotonic.elapsed() + m_timeoutMs;
    if (redisAsyncCommandArgv(m_ctx, &RedisConnection::onReply, p, int(argv.size()), argv.data(),
                              lengths.data()) != REDIS_OK) {
        delete p; // hiredis did not take it: the context is going away
        return false;
    }
    m_pending.push_back(p);
    if (m_pending.size() == 1)
        armTimeout();
    return true;
}

void RedisConnection::onReply(redisAsyncContext *, void *reply, void *privdata) {
    std::unique_ptr<Pending> p(static_cast<Pending *>(privdata));
    if (p->detached)
        return;
    RedisConnection *self = p->connection;
    auto &queue = self->m_pending;
    // Replies come in command order, so this is the front but for the context's teardown.
    const auto it = std::find(queue.begin(), queue.end(), p.get());
    if (it != queue.end())
        queue.erase(it);
    if (!reply) {
        // The context is going away (hiredis saw an error): deliver after it has.
        self->m_lostCallbacks.push_back(std::move(p->done));
        self->lost();
        return;
    }
    self->armTimeout();
    if (p->done)
        p->done(copyReply(static_cast<const redisReply *>(reply)));
}

void RedisConnection::onMessage(redisAsyncContext *ctx, void *reply, void *) {
    auto *self = static_cast<RedisConnection *>(ctx->data);
    if (self && !self->m_destroying)
        self->onSubscriptionReply(reply);
}

void RedisConnection::onSubscriptionReply(void *reply) {
    if (!reply)
        return; // the context is going away; cleanup() notices
    const RedisReply r = copyReply(static_cast<const redisReply *>(reply));
    if (r.kind != RedisReply::Kind::Array || r.elements.size() < 3) {
        if (r.kind == RedisReply::Kind::Error)
            dropSoon(QStringLiteral("SUBSCRIBE refused: ") + QString::fromUtf8(r.text.left(200)));
        return;
    }
    if (r.elements[0] == "subscribe") {
        becomeUp();
    } else if (r.elements[0] == "message" && m_onMessage) {
        m_onMessage(r.elements[2]);
    }
}

void RedisConnection::onConnect(const redisAsyncContext *ctx, int status) {
    auto *self = static_cast<RedisConnection *>(ctx->data);
    if (self && !self->m_destroying && status != REDIS_OK)
        self->m_connectError = QString::fromLocal8Bit(ctx->errstr);
}

void RedisConnection::setupReplied(quint64 generation, const RedisReply &reply, bool last) {
    if (generation != m_generation || reply.kind == RedisReply::Kind::Failed ||
        reply.kind == RedisReply::Kind::Timeout)
        return; // the connection is already going down
    if (reply.kind == RedisReply::Kind::Error) {
        dropSoon(QStringLiteral("login refused: ") + QString::fromUtf8(reply.text.left(200)));
        return;
    }
    if (last)
        becomeUp();
}

void RedisConnection::becomeUp() {
    m_connectDeadline.stop();
    if (m_state == State::Up)
        return;
    m_state = State::Up;
    m_backoffMs = FirstBackoffMs;
    if (m_warned)
        qCInfo(lcRedis).noquote() << "Redis" << m_address.describe() << "is reachable again";
    m_warned = false;
    if (m_listener)
        m_listener(true);
}

// From inside a hiredis callback: the context is freed once hiredis has returned.
void RedisConnection::dropSoon(const QString &why) {
    const quint64 generation = m_generation;
    QMetaObject::invokeMethod(
        this,
        [this, generation, why] {
            if (generation == m_generation && m_ctx)
                drop(why);
        },
        Qt::QueuedConnection);
}

// Our decision (timeout, refused login): free the context now and fail whoever waits.
void RedisConnection::drop(const QString &why) {
    m_connectDeadline.stop();
    m_timeout.stop();
    std::vector<std::pair<Callback, bool>> waiting; // callback, timed out
    const qint64 now = m_monotonic.elapsed();
    for (Pending *p : m_pending) {
        p->detached = true;
        waiting.emplace_back(std::move(p->done), p->deadlineMs <= now);
    }
    m_pending.clear();
    if (redisAsyncContext *ctx = std::exchange(m_ctx, nullptr))
        redisAsyncFree(ctx);
    goDown(why);
    for (auto &[done, late] : waiting) {
        RedisReply r;
        r.kind = late ? RedisReply::Kind::Timeout : RedisReply::Kind::Failed;
        if (done)
            done(r);
    }
}

// hiredis is freeing the context (the peer closed, a read or write failed): it may not be
// touched again; the rest happens once hiredis has returned.
void RedisConnection::lost() {
    m_ctx = nullptr;
    if (m_lostQueued || m_destroying)
        return;
    m_lostQueued = true;
    const quint64 generation = m_generation;
    QMetaObject::invokeMethod(
        this,
        [this, generation] {
            m_lostQueued = false;
            auto callbacks = std::move(m_lostCallbacks);
            m_lostCallbacks.clear();
            if (generation == m_generation && m_state != State::Down) {
                m_connectDeadline.stop();
                m_timeout.stop();
                goDown(m_connectError.isEmpty() ? QStringLiteral("connection lost")
                                                : m_connectError);
            }
            for (auto &done : callbacks) {
                if (done)
                    done(RedisReply{});
            }
        },
        Qt::QueuedConnection);
}

void RedisConnection::goDown(const QString &why) {
    const bool wasUp = m_state == State::Up;
    m_state = State::Down;
    if (!m_warned)
        qCWarning(lcRedis).noquote()
            << "Redis" << m_address.describe() << "unavailable:" << why << "-" << m_fallbackNote;
    m_warned = true;
    if (wasUp && m_listener)
        m_listener(false);
    if (m_destroying)
        return;
    const double jitter = 0.8 + 0.4 * QRandomGenerator::global()->generateDouble();
    m_reconnect.start(int(m_backoffMs * jitter));
    m_backoffMs = std::min(m_backoffMs * 2, MaxBackoffMs);
}

void RedisConnection::armTimeout() {
    if (m_pending.empty()) {
        m_timeout.stop();
        return;
    }
    m_timeout.start(
        int(std::max<qint64>(0, m_pending.front()->deadlineMs - m_monotonic.elapsed())));
}

void RedisConnection::timedOut() {
    if (m_pending.empty())
        return;
    if (m_pending.front()->deadlineMs > m_monotonic.elapsed()) {
        armTimeout();
        return;
    }
    drop(QStringLiteral("no answer within %1 ms").arg(m_timeoutMs));
}

// The event hooks hiredis calls; `self` is the connection (ctx->ev.data).
void RedisConnection::addRead(void *self) {
    enable(static_cast<RedisConnection *>(self)->m_read.get(), true);
}
void RedisConnection::delRead(void *self) {
    enable(static_cast<RedisConnection *>(self)->m_read.get(), false);
}
void RedisConnection::addWrite(void *self) {
    enable(static_cast<RedisConnection *>(self)->m_write.get(), true);
}
void RedisConnection::delWrite(void *self) {
    enable(static_cast<RedisConnection *>(self)->m_write.get(), false);
}
void RedisConnection::cleanup(void *self) {
    // The context is being freed, possibly from inside a notifier's own signal: disable the
    // notifiers now (the fd is about to close) and delete them later.
    auto *c = static_cast<RedisConnection *>(self);
    for (auto *n : {&c->m_read, &c->m_write}) {
        if (*n) {
            (*n)->setEnabled(false);
            if (c->m_destroying)
                n->reset();
            else
                (*n).release()->deleteLater();
        }
    }
    if (c->m_ctx)
        c->lost(); // hiredis's own decision; ours has cleared m_ctx first
}

} // namespace Tokengate
