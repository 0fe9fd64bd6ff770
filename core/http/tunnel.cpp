// SPDX-License-Identifier: Apache-2.0
#include "core/http/tunnel.h"

#include "core/http/flowcontrol.h"
#include "core/http/socketbacklog.h"

#include <QTcpSocket>

namespace Tokengate {

using namespace FlowControl;

Tunnel::Tunnel(QTcpSocket *client, QTcpSocket *upstream, QByteArray toUpstream, QByteArray toClient,
               const DeadlineSweeper &clock, TunnelLimit limit, QObject *parent)
    : QObject(parent)
    , m_clock(clock)
    , m_client(client)
    , m_upstream(upstream)
    , m_up{client, upstream, false, 0, {}, false, false}
    , m_down{upstream, client, true, 0, {}, false, false}
    , m_limit(std::move(limit)) {
    m_upstream->setParent(this);
    m_lastActivity = m_clock.nowMs();
    for (QTcpSocket *s : {m_client, m_upstream}) {
        Direction &out = s == m_client ? m_up : m_down; // what this socket's input feeds
        Direction &in = s == m_client ? m_down : m_up;  // what this socket's output drains
        connect(s, &QTcpSocket::readyRead, this, [this, &out] { relay(out); });
        onSendProgress(s, this, [this, &in] { onWritten(in); });
        connect(s, &QTcpSocket::disconnected, this, [this, s] { onClosed(s); });
        connect(s, &QTcpSocket::errorOccurred, this, [this, s] {
            if (s->state() == QAbstractSocket::UnconnectedState)
                onClosed(s);
        });
    }
    start(std::move(toUpstream), std::move(toClient));
}

void Tunnel::start(QByteArray toUpstream, QByteArray toClient) {
    if (!toUpstream.isEmpty()) {
        m_up.bytes += toUpstream.size();
        if (m_limit.active())
            m_up.frames.consume(toUpstream);
        m_upstream->write(toUpstream);
    }
    if (!toClient.isEmpty()) {
        m_down.bytes += toClient.size();
        if (m_limit.active())
            m_down.frames.consume(toClient);
        m_client->write(toClient);
    }
    // Either side may have closed, or sent more, before the signals above were ours.
    for (QTcpSocket *s : {m_client, m_upstream}) {
        if (s->state() != QAbstractSocket::ConnectedState) {
            QMetaObject::invokeMethod(
                this, [this, s] { onClosed(s); }, Qt::QueuedConnection);
            return;
        }
    }
    QMetaObject::invokeMethod(
        this,
        [this] {
            relay(m_up);
            relay(m_down);
        },
        Qt::QueuedConnection);
}

void Tunnel::relay(Direction &d) {
    // Nothing is read for a side that can no longer take it: the bytes would be lost anyway,
    // and reading would only hide the peer's backpressure.
    if (d.to->state() != QAbstractSocket::ConnectedState || d.closeSent)
        return;
    // Once the source has closed, what it left in its (bounded) buffer all goes.
    const bool sourceOpen = d.from->state() == QAbstractSocket::ConnectedState;
    bool moved = false;
    // One scratch block per worker thread: a relay allocates nothing per read.
    thread_local std::unique_ptr<char[]> scratch(new char[ReadChunk]);
    while (d.from->bytesAvailable() > 0 && (!sourceOpen || unsentBytes(d.to) <= SendHighWater)) {
        qint64 n = 0;
        if (d.closing) {
            // Only what ends the frame in progress: the close frame goes right after it.
            const qint64 seen = d.from->peek(scratch.get(), ReadChunk);
            n = d.from->read(scratch.get(),
                             d.frames.untilFrameEnd(QByteArrayView(scratch.get(), seen)));
        } else {
            n = d.from->read(scratch.get(), ReadChunk);
        }
        if (n <= 0)
            break;
        if (m_limit.active())
            d.frames.consume(QByteArrayView(scratch.get(), n));
        d.bytes += n;
        d.to->write(scratch.get(), n);
        moved = true;
        if (d.closing && d.frames.betweenFrames())
            break;
    }
    if (moved) {
        m_lastActivity = m_clock.nowMs();
        d.to->flush(); // now rather than on the next turn: one write, no notifier round trip
    }
    if (d.closing)
        sendCloseIfBetweenFrames(d);
}

void Tunnel::onWritten(Direction &d) {
    m_lastActivity = m_clock.nowMs();
    if (unsentBytes(d.to) <= SendLowWater)
        relay(d);
    if (m_end != End::Open)
        finishIfClosed();
}

void Tunnel::endWithCloseFrames(End why) {
    m_end = why;
    m_closingSince = m_clock.nowMs();
    for (Direction *d : {&m_up, &m_down}) {
        d->closing = true;
        sendCloseIfBetweenFrames(*d);
    }
    relay(m_up);
    relay(m_down);
}

void Tunnel::sendCloseIfBetweenFrames(Direction &d) {
    if (d.closeSent || !d.frames.betweenFrames() ||
        d.to->state() != QAbstractSocket::ConnectedState)
        return;
    d.closeSent = true;
    const QByteArray reason = m_end == End::Revoked   ? "token revoked"
                              : m_end == End::Evicted ? "token evicted"
                                                      : "token expired";
    d.to->write(WebSocketFrames::closeFrame(1008, reason, !d.toClient));
    d.to->flush();
    // Both sockets stay open until both close frames are out: closing one now would stop
    // reading it, and the other direction's frame in progress would never end. The peers'
    // answering close frames are not waited for; the close timeout bounds the whole.
    if (m_up.closeSent && m_down.closeSent) {
        closeSocket(m_client);
        closeSocket(m_upstream);
        finishIfClosed();
    }
}

void Tunnel::onClosed(QTcpSocket *socket) {
    if (m_end == End::Open)
        m_end = socket == m_client ? End::Client : End::Upstream;
    if (m_closingSince == 0)
        m_closingSince = m_clock.nowMs();
    // What the closed side sent last still goes to the other, which then closes too.
    Direction &d = socket == m_client ? m_up : m_down;
    relay(d);
    closeSocket(d.to);
    finishIfClosed();
}

void Tunnel::closeSocket(QTcpSocket *socket) {
    // disconnectFromHost() writes what is buffered first, then closes.
    if (socket->state() != QAbstractSocket::UnconnectedState)
        socket->disconnectFromHost();
}

void Tunnel::close(End why) {
    if (m_end != End::Open)
        return;
    m_end = why;
    m_closingSince = m_clock.nowMs();
    closeSocket(m_client);
    closeSocket(m_upstream);
    finishIfClosed();
}

void Tunnel::finishIfClosed() {
    if (m_finished || m_client->state() != QAbstractSocket::UnconnectedState ||
        m_upstream->state() != QAbstractSocket::UnconnectedState)
        return;
    m_finished = true;
    // Not inline: the caller may be a socket's own signal, and the owner deletes us.
    QMetaObject::invokeMethod(this, &Tunnel::finished, Qt::QueuedConnection);
}

void Tunnel::abortBoth() {
    m_client->abort();
    m_upstream->abort();
    finishIfClosed();
}

void Tunnel::checkDeadline(qint64 nowMs, qint64 idleTimeoutMs, qint64 closeTimeoutMs) {
    if (m_finished)
        return;
    if (m_end == End::Open) {
        if (m_limit.untilMs >= 0 && nowMs >= m_limit.untilMs)
            endWithCloseFrames(End::Expired);
        else if (m_limit.revoked && m_limit.revoked())
            endWithCloseFrames(End::Revoked);
        else if (m_limit.evicted && m_limit.evicted())
            // A revocation also evicts: one landing between the two checks is a revocation.
            endWithCloseFrames(m_limit.revoked && m_limit.revoked() ? End::Revoked : End::Evicted);
        else if (nowMs - m_lastActivity > idleTimeoutMs)
            close(End::Idle);
        return;
    }
    if (nowMs - m_closingSince > closeTimeoutMs)
        abortBoth();
}

} // namespace Tokengate
