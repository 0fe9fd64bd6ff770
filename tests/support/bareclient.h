// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>

namespace Tokengate::Test {

// A blocking loopback socket the test drives by hand, for what QTcpSocket hides: it keeps its
// side open after reading the peer's FIN, sends each byte at once (TCP_NODELAY), and tells a
// reset from an orderly close.
class BareClient {
public:
    BareClient() = default;
    ~BareClient();
    BareClient(const BareClient &) = delete;
    BareClient &operator=(const BareClient &) = delete;

    bool connectTo(quint16 port);
    bool send(const QByteArray &bytes);

    enum class End { Fin, Reset, TimedOut };
    // Bytes received and not read yet.
    int pending() const;
    // Reads, pumping events, until the peer closes (or 10 s pass); `bytes` gets what came.
    End readToEnd(QByteArray *bytes);
    // Everything until the peer's FIN; empty when the connection ends otherwise.
    QByteArray readUntilFin();
    // The peer's socket (on `port`) has no byte of ours left unread in its kernel buffer: its
    // rx_queue in /proc/net/tcp is 0. Linux only, like the rest of the suite.
    bool peerReadAll(quint16 port) const;

private:
    int m_fd = -1;
};

} // namespace Tokengate::Test
