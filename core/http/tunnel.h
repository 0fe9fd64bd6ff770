// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/base/deadlinesweeper.h"
#include "core/http/websocketframes.h"

#include <QByteArray>
#include <QObject>

#include <functional>

class QTcpSocket;

namespace Tokengate {

// When a WebSocket must end on its own, checked with the deadlines: its token's expiry, a
// revocation seen meanwhile, or its answer evicted from the cache by hand (the operator asks
// for the token to be judged afresh, which a tunnel can only get by a new handshake). It ends
// with a close frame 1008 (policy violation) to each side, put between their frames.
struct TunnelLimit {
    qint64 untilMs = -1;           // on the deadline clock (DeadlineSweeper); -1: no expiry
    std::function<bool()> revoked; // null: not watched
    std::function<bool()> evicted; // null: not watched
    bool active() const { return untilMs >= 0 || revoked || evicted; }
};

// The two connections of a switched protocol (a WebSocket after "101 Switching Protocols"),
// relayed byte for byte both ways. Each side is read only while the other has taken what
// was sent before (the socket read buffers are bounded), so a slow reader pushes back on the
// writer through TCP instead of filling the gateway's memory.
//
// QTcpSocket has no half-close: a side's FIN ends that socket. What it sent before is
// delivered, then the other side is closed once its bytes are out; the tunnel finishes when
// both are closed, or when closing takes longer than the caller's bound.
class Tunnel : public QObject {
    Q_OBJECT
public:
    enum class End {
        Open,
        Client,   // the client closed first
        Upstream, // the upstream closed first
        Idle,     // no byte either way for the idle timeout
        Gateway,  // the gateway is stopping
        Expired,  // the token's exp passed (TunnelLimit)
        Revoked,  // the token was revoked meanwhile (TunnelLimit)
        Evicted,  // the token's answer was evicted from the cache by hand (TunnelLimit)
    };

    // `client` stays owned by the caller; `upstream` becomes this tunnel's. The byte arrays
    // are what each side sent after the upgrade and before the tunnel began.
    Tunnel(QTcpSocket *client, QTcpSocket *upstream, QByteArray toUpstream, QByteArray toClient,
           const DeadlineSweeper &clock, TunnelLimit limit = {}, QObject *parent = nullptr);

    qint64 bytesToUpstream() const { return m_up.bytes; }
    qint64 bytesToClient() const { return m_down.bytes; }
    End end() const { return m_end; }

    // From the owner's deadline sweep: an idle tunnel closes; a close that does not complete
    // within `closeTimeoutMs` (a peer that stopped reading) is cut.
    void checkDeadline(qint64 nowMs, qint64 idleTimeoutMs, qint64 closeTimeoutMs);
    // Closes both sides after what is in flight is delivered.
    void close(End why);

signals:
    // Both sides are closed; emitted once, from the event loop.
    void finished();

private:
    struct Direction {
        QTcpSocket *from;
        QTcpSocket *to;
        bool toClient; // frames to a client are not masked
        qint64 bytes = 0;
        WebSocketFrames frames; // followed only under a TunnelLimit
        bool closing = false;   // relay up to the end of the frame in progress, then close
        bool closeSent = false;
    };
    void start(QByteArray toUpstream, QByteArray toClient);
    void relay(Direction &d);
    void onWritten(Direction &d);
    void onClosed(QTcpSocket *socket);
    void closeSocket(QTcpSocket *socket);
    void finishIfClosed();
    void abortBoth();
    void endWithCloseFrames(End why);
    void sendCloseIfBetweenFrames(Direction &d);

    const DeadlineSweeper &m_clock;
    QTcpSocket *m_client;
    QTcpSocket *m_upstream;
    Direction m_up;   // client to upstream
    Direction m_down; // upstream to client
    TunnelLimit m_limit;
    End m_end = End::Open;
    qint64 m_lastActivity = 0;
    qint64 m_closingSince = 0;
    bool m_finished = false;
};

} // namespace Tokengate
