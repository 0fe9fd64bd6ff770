// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/http/httplimits.h"

#include <QHostAddress>

namespace Tokengate {

// What runs each worker's event loop: epoll (Linux) costs per wake-up what the ready sockets
// cost; Qt's default polls every open connection on every wake-up. Kept to compare them.
enum class EventDispatcher { Epoll, Qt };

struct ServerSettings {
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 8080; // 0: any free port
    int workers = 0;     // 0: one per core
    HttpLimits limits;
    // Off: one acceptor thread hands sockets to the workers (platforms without SO_REUSEPORT).
    bool reusePort = true;
    EventDispatcher eventDispatcher = EventDispatcher::Epoll;

    bool operator==(const ServerSettings &) const = default;
};

} // namespace Tokengate
