// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/base/deadlinesweeper.h"
#include "core/http/responseparser.h"
#include "core/http/upstreamsettings.h"
#include "core/http/upstreamtarget.h"

#include <QAbstractSocket>
#include <QObject>

class QTcpSocket;

namespace Tokengate {

// One HTTP/1.1 connection to an upstream, used by one exchange at a time and kept alive in
// the UpstreamPool between exchanges. Reading stops while the client side is backlogged.
class UpstreamConnection : public QObject, private ResponseParser::Sink, public Expirable {
    Q_OBJECT
public:
    class User {
    public:
        virtual ~User() = default;
        virtual void onUpstreamHead(ResponseHead head) = 0;
        virtual void onUpstreamBody(QByteArrayView chunk) = 0;
        virtual void onUpstreamComplete(bool reusable) = 0;
        // `retryable`: a reused connection failed before any response byte, so an idempotent
        // request may safely be sent again on a new connection.
        virtual void onUpstreamFailed(Reason reason, const QString &detail, bool retryable) = 0;
        virtual void onUpstreamWritable() = 0;
        // The upstream answered an upgrade request with 101: the connection is no longer
        // HTTP. `early` is what it sent after the head; takeSocket() hands the socket over.
        virtual void onUpstreamSwitched(ResponseHead head, QByteArray early) = 0;
    };

    UpstreamConnection(const Origin &origin, const UpstreamSettings &settings,
                       const HttpLimits &limits, DeadlineSweeper &sweeper,
                       QObject *parent = nullptr);
    ~UpstreamConnection() override;

    const Origin &origin() const { return m_origin; }
    bool wasUsed() const { return m_exchanges > 0; }
    bool isIdleUsable() const;

    // Sends a request head (the socket buffers it while connecting). `upgrade`: the protocol
    // the request asks to switch to, if any.
    void begin(User *user, QByteArrayView head, bool headRequest, QByteArrayView upgrade = {});
    // After onUpstreamSwitched(): the socket, now the caller's; this connection is spent.
    QTcpSocket *takeSocket();
    void write(QByteArrayView bytes);
    bool writeBacklogged();
    void setReadPaused(bool paused);
    // The user no longer listens; the connection is closed.
    void detach();
    // Called by the pool when the connection goes back to idle.
    void markIdle();

    void checkDeadline(qint64 nowMs) override;

signals:
    void idleClosed(Tokengate::UpstreamConnection *connection);

private:
    void onResponseHead(ResponseHead head) override;
    void onResponseBody(QByteArrayView chunk) override;
    void onResponseComplete() override;

    void connectSocket();
    void readResponse();
    void onSocketError(QAbstractSocket::SocketError error);
    void onDisconnected();
    void onBytesWritten();
    void fail(Reason reason, const QString &detail);
    void finishAtEof();
    void close();

    Origin m_origin;
    const UpstreamSettings &m_settings;
    DeadlineSweeper &m_sweeper;
    QTcpSocket *m_socket = nullptr;
    ResponseParser m_parser;
    User *m_user = nullptr;
    ResponseHead m_switchHead; // a 101, held until the parser has returned
    int m_exchanges = 0;
    qint64 m_lastActivity = 0;
    qint64 m_headStartedMs = 0; // first byte of the answer, or later upload progress; 0: none
    bool m_headDone = false;    // the final (non-1xx) head has arrived
    bool m_connected = false;
    bool m_readPaused = false;
    bool m_waitingWritable = false;
    bool m_responseDone = false;
    bool m_reading = false;
    bool m_keepAlive = false;
    bool m_eof = false;
};

} // namespace Tokengate
