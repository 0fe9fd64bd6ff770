// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/http/headermap.h"

#include <QByteArray>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslSocket>

#include <optional>

namespace Tokengate::Test {

struct ReceivedResponse {
    int status = 0;
    QByteArray reason;
    HeaderMap headers;
    QByteArray body;
    bool keepAlive = true;
};

// A client on a real loopback socket that sends raw bytes and parses what comes back. It
// pumps the test thread's event loop while waiting, so servers living in that thread (the
// scripted upstream) keep running.
class RawClient {
public:
    bool connectTo(quint16 port, int timeoutMs = 5000);
    // Connects and completes a TLS handshake trusting only `cas`, asking for `serverName` (SNI;
    // none for an address) and, with `checkName`, checking the certificate names it. False
    // when the handshake fails; handshakeErrors() says why.
    bool connectTls(quint16 port, const QList<QSslCertificate> &cas,
                    const QString &serverName = QStringLiteral("localhost"), bool checkName = true,
                    int timeoutMs = 5000);
    // The client certificate (PEM chain, leaf first, and its EC key) the next connectTls()
    // presents when the server asks for one.
    bool presentCertificate(const QString &certFile, const QString &keyFile);
    QString handshakeErrors() const { return m_tlsErrors.join(QStringLiteral("; ")); }
    void send(const QByteArray &bytes);
    // Reads one complete response (skipping interim 1xx unless `keepInterim`).
    std::optional<ReceivedResponse> readResponse(int timeoutMs = 10000, bool headRequest = false,
                                                 bool keepInterim = false);
    // Waits until the server closes the connection; returns false on timeout.
    bool waitForClosed(int timeoutMs = 10000);
    // Waits until at least `n` unread bytes are buffered.
    bool waitForBytes(qsizetype n, int timeoutMs = 10000);
    QByteArray takeBuffered();
    bool isConnected() const;
    QTcpSocket &socket() { return m_socket; }
    QSslSocket &tlsSocket() { return m_socket; }

private:
    bool pumpUntil(const std::function<bool()> &done, int timeoutMs);

    QSslSocket m_socket; // a plain TCP socket until connectTls()
    QByteArray m_buffer;
    QStringList m_tlsErrors;
    QList<QSslCertificate> m_localChain;
    QSslKey m_localKey;
};

// One request on a connection of its own (Connection: close); `headers` are whole lines with
// their CRLF. nullopt when no complete response came back.
std::optional<ReceivedResponse> requestOnce(quint16 port, const QByteArray &method,
                                            const QByteArray &target,
                                            const QByteArray &headers = {});

} // namespace Tokengate::Test
