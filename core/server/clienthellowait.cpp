// SPDX-License-Identifier: Apache-2.0
#include "core/server/clienthellowait.h"

#include "core/server/clienthello.h"

#include <cerrno>

#include <sys/socket.h>
#include <unistd.h>

namespace Tokengate {

namespace {
// Only the low-water mark changes what wakes the notifier: a part of a hello stays readable,
// and without it the notifier would fire without pause until the rest came.
void wakeAt(qintptr descriptor, int bytes) {
    ::setsockopt(int(descriptor), SOL_SOCKET, SO_RCVLOWAT, &bytes, sizeof bytes);
}
} // namespace

ClientHelloWait::ClientHelloWait(qintptr descriptor, DeadlineSweeper &sweeper, int timeoutMs,
                                 QObject *parent)
    : QObject(parent)
    , m_descriptor(descriptor)
    , m_sweeper(sweeper)
    , m_acceptedAt(sweeper.nowMs())
    , m_deadline(m_acceptedAt + timeoutMs)
    , m_notifier(descriptor, QSocketNotifier::Read) {
    connect(&m_notifier, &QSocketNotifier::activated, this, &ClientHelloWait::onReadable);
    m_sweeper.add(this);
}

ClientHelloWait::~ClientHelloWait() {
    m_sweeper.remove(this);
    m_notifier.setEnabled(false);
    if (m_descriptor >= 0)
        ::close(int(m_descriptor));
}

qintptr ClientHelloWait::takeDescriptor() {
    return std::exchange(m_descriptor, -1);
}

void ClientHelloWait::finish() {
    m_done = true;
    m_notifier.setEnabled(false);
    m_sweeper.remove(this);
    if (m_seen > 0)
        wakeAt(m_descriptor, 1); // the socket's default, for whoever reads it next
}

void ClientHelloWait::checkDeadline(qint64 nowMs) {
    if (m_done || nowMs <= m_deadline)
        return;
    finish();
    emit abandoned(true);
}

void ClientHelloWait::onReadable() {
    if (m_done)
        return;
    thread_local QByteArray buffer(MaxHelloBytes, Qt::Uninitialized); // one per worker
    const ssize_t n =
        ::recv(int(m_descriptor), buffer.data(), size_t(buffer.size()), MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    // Nothing, or nothing new although the low-water mark asked for more: the client closed
    // or reset the connection.
    if (n <= 0 || n == m_seen) {
        finish();
        emit abandoned(false);
        return;
    }
    const ClientHelloPeek peek = peekClientHello(QByteArrayView(buffer.constData(), n));
    if (peek.status == ClientHelloPeek::Status::NeedMore) {
        m_seen = n;
        wakeAt(m_descriptor, int(n) + 1); // only once more has come (or the end)
        return;
    }
    finish();
    if (peek.status == ClientHelloPeek::Status::NotTls)
        emit notTls();
    else
        emit helloRead(peek.serverName);
}

} // namespace Tokengate
