// SPDX-License-Identifier: Apache-2.0
#include "core/server/listensocket.h"

#ifdef Q_OS_LINUX
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace Tokengate {

bool reusePortSupported() {
#if defined(Q_OS_LINUX) && defined(SO_REUSEPORT)
    return true;
#else
    return false;
#endif
}

#if defined(Q_OS_LINUX) && defined(SO_REUSEPORT)

qintptr openReusePortListener(const QHostAddress &address, quint16 port, quint16 *boundPort,
                              QString *error) {
    sockaddr_storage storage{};
    socklen_t length = 0;
    const bool any = address == QHostAddress::Any;
    const bool v6 = any || address.protocol() == QAbstractSocket::IPv6Protocol;
    if (v6) {
        auto *sa = reinterpret_cast<sockaddr_in6 *>(&storage);
        sa->sin6_family = AF_INET6;
        sa->sin6_port = htons(port);
        if (!any) {
            const Q_IPV6ADDR a = address.toIPv6Address();
            std::memcpy(&sa->sin6_addr, a.c, sizeof(a.c));
            sa->sin6_scope_id = address.scopeId().toUInt();
        }
        length = sizeof(sockaddr_in6);
    } else {
        auto *sa = reinterpret_cast<sockaddr_in *>(&storage);
        sa->sin_family = AF_INET;
        sa->sin_port = htons(port);
        sa->sin_addr.s_addr = htonl(address.toIPv4Address());
        length = sizeof(sockaddr_in);
    }
    const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    auto fail = [&](const char *what) -> qintptr {
        if (error)
            *error = QStringLiteral("%1 %2:%3: %4")
                         .arg(QString::fromLatin1(what), address.toString())
                         .arg(port)
                         .arg(QString::fromLocal8Bit(std::strerror(errno)));
        if (fd >= 0)
            ::close(fd);
        return -1;
    };
    if (fd < 0)
        return fail("socket() for");
    const int on = 1;
    const int off = 0;
    if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0)
        return fail("setsockopt(SO_REUSEPORT) for");
    if (any && ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) != 0)
        return fail("setsockopt(IPV6_V6ONLY) for");
    if (::bind(fd, reinterpret_cast<sockaddr *>(&storage), length) != 0)
        return fail("cannot bind");
    if (::listen(fd, 1024) != 0)
        return fail("cannot listen on");
    sockaddr_storage bound{};
    socklen_t boundLength = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&bound), &boundLength);
    if (boundPort)
        *boundPort = ntohs(v6 ? reinterpret_cast<sockaddr_in6 *>(&bound)->sin6_port
                              : reinterpret_cast<sockaddr_in *>(&bound)->sin_port);
    return fd;
}

#else

qintptr openReusePortListener(const QHostAddress &, quint16, quint16 *, QString *error) {
    if (error)
        *error = QStringLiteral("SO_REUSEPORT is not available on this platform");
    return -1;
}

#endif

} // namespace Tokengate
