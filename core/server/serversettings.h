// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/http/httplimits.h"

#include <QHostAddress>

namespace Tokengate {

struct ServerSettings {
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 8080; // 0: any free port
    int workers = 0;     // 0: one per core
    HttpLimits limits;
    // Off: one acceptor thread hands sockets to the workers (platforms without SO_REUSEPORT).
    bool reusePort = true;

    bool operator==(const ServerSettings &) const = default;
};

} // namespace Tokengate
