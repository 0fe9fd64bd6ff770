// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/base/deadlinesweeper.h"

#include <QByteArray>
#include <QObject>
#include <QSocketNotifier>

namespace Tokengate {

// An accepted HTTPS connection until its ClientHello has come, read with MSG_PEEK so the
// handshake later sees every byte: the name it asks for (SNI) picks the certificate, and a
// client that connects and sends nothing costs a descriptor and this object, no TLS state.
// Bounded by `timeoutMs` (the header timeout) from the accept.
class ClientHelloWait : public QObject, public Expirable {
    Q_OBJECT
public:
    ClientHelloWait(qintptr descriptor, DeadlineSweeper &sweeper, int timeoutMs,
                    QObject *parent = nullptr);
    ~ClientHelloWait() override; // closes the descriptor unless it was taken

    // After helloRead(): the descriptor, now the caller's.
    qintptr takeDescriptor();
    qint64 acceptedAtMs() const { return m_acceptedAt; } // on the sweeper's clock
    void checkDeadline(qint64 nowMs) override;

signals:
    // Once. `serverName` is empty when the hello names none.
    void helloRead(const QByteArray &serverName);
    // Once, instead: the first bytes are no ClientHello of at most 16 KiB (plain HTTP,
    // garbage, a hello declaring more). Delete this then (it closes the descriptor): OpenSSL
    // would wait for a declared length of up to 128 KiB, holding a buffer that size.
    void notTls();
    // Once, instead: the client closed or sent nothing whole in time. Delete this then.
    void abandoned(bool timedOut);

private:
    void onReadable();
    void finish();

    qintptr m_descriptor;
    DeadlineSweeper &m_sweeper;
    qint64 m_acceptedAt;
    qint64 m_deadline;
    QSocketNotifier m_notifier;
    qsizetype m_seen = 0;
    bool m_done = false;
};

} // namespace Tokengate
