// SPDX-License-Identifier: Apache-2.0
#include "core/server/clienthellowait.h"

#include "core/server/clienthello.h"

#include <cerrno>

#include <sys/socket.h>
#include <unistd.h>

namespace Tokengate {

namespace {
// A hello split across segments: its first part stays readable, so the notifier would fire
// without pause until the rest comes. It sleeps this long between looks instead.
constexpr int PartialHelloRetryMs = 5;
} // namespace

ClientHelloWait::ClientHelloWait(qintptr descriptor, DeadlineSweeper &sweeper, int timeoutMs,
                                 QObject *parent)
    : QObject(parent)
    , m_descriptor(descriptor)
    , m_sweeper(sweeper)
    , m_deadline(sweeper.nowMs() + timeoutMs)
    , m_notifier(descriptor, QSocketNotifier::Read) {
    m_retry.setSingleShot(true);
    m_retry.setInterval(PartialHelloRetryMs);
    connect(&m_notifier, &QSocketNotifier::activated, this, &ClientHelloWait::onReadable);
    connect(&m_retry, &QTimer::timeout, this, [this] { m_notifier.setEnabled(true); });
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
    m_retry.stop();
    m_sweeper.remove(this);
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
    QByteArray buffer(MaxHelloBytes, Qt::Uninitialized);
    const ssize_t n =
        ::recv(int(m_descriptor), buffer.data(), size_t(buffer.size()), MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (n <= 0) { // closed, or reset
        finish();
        emit abandoned(false);
        return;
    }
    const ClientHelloPeek peek = peekClientHello(QByteArrayView(buffer.constData(), n));
    if (peek.status == ClientHelloPeek::Status::NeedMore) {
        if (n == m_seen) { // nothing new since the last look: wait rather than spin
            m_notifier.setEnabled(false);
            m_retry.start();
        }
        m_seen = n;
        return;
    }
    finish();
    emit helloRead(peek.serverName);
}

} // namespace Tokengate
