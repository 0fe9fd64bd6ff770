// SPDX-License-Identifier: Apache-2.0
#include "tests/support/bareclient.h"

#include "tests/support/scriptedupstream.h"

#include <QFile>
#include <QList>

#include <cerrno>
#include <optional>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace Tokengate::Test {

namespace {

QByteArray loopbackEndpoint(quint16 port) {
    return "0100007F:" + QByteArray::number(port, 16).toUpper().rightJustified(4, '0');
}

} // namespace

BareClient::~BareClient() {
    if (m_fd >= 0)
        ::close(m_fd);
}

bool BareClient::connectTo(quint16 port) {
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int on = 1; // each byte leaves at once, not held back waiting for an ACK (Nagle)
    return m_fd >= 0 && ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0 &&
           ::connect(m_fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
}

bool BareClient::send(const QByteArray &bytes) {
    return ::send(m_fd, bytes.constData(), size_t(bytes.size()), MSG_NOSIGNAL) == bytes.size();
}

BareClient::End BareClient::readToEnd(QByteArray *bytes) {
    // Polled while pumping events: the servers the test runs share this thread.
    std::optional<End> end;
    waitFor([&] {
        char buffer[4096];
        for (;;) {
            const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, MSG_DONTWAIT);
            if (n > 0) {
                bytes->append(buffer, n);
                continue;
            }
            if (n == 0)
                end = End::Fin;
            else if (errno == ECONNRESET)
                end = End::Reset;
            return end.has_value();
        }
    });
    return end.value_or(End::TimedOut);
}

int BareClient::pending() const {
    int bytes = 0;
    return ::ioctl(m_fd, FIONREAD, &bytes) == 0 ? bytes : 0;
}

QByteArray BareClient::readUntilFin() {
    QByteArray in;
    return readToEnd(&in) == End::Fin ? in : QByteArray();
}

bool BareClient::peerReadAll(quint16 port) const {
    sockaddr_in self{};
    socklen_t length = sizeof self;
    if (::getsockname(m_fd, reinterpret_cast<sockaddr *>(&self), &length) != 0)
        return false;
    QFile table(QStringLiteral("/proc/net/tcp"));
    if (!table.open(QIODevice::ReadOnly))
        return false;
    // "sl local_address rem_address st tx_queue:rx_queue ...", addresses in hex.
    const QByteArray local = loopbackEndpoint(port);
    const QByteArray remote = loopbackEndpoint(ntohs(self.sin_port));
    for (const QByteArray &line : table.readAll().split('\n')) {
        const QList<QByteArray> f = line.simplified().split(' ');
        if (f.size() > 4 && f[1] == local && f[2] == remote)
            return f[4].endsWith(":00000000");
    }
    return false;
}

} // namespace Tokengate::Test
