// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QHostAddress>
#include <QString>

namespace Tokengate {

// Whether this platform lets several sockets listen on one port with the kernel spreading
// connections between them (SO_REUSEPORT, Linux >= 3.9).
bool reusePortSupported();

// Opens a listening TCP socket with SO_REUSEPORT so each worker can own one. Port 0 picks a
// free port; pass the port the first socket got to the next ones. Returns -1 and sets
// `error` on failure.
qintptr openReusePortListener(const QHostAddress &address, quint16 port, quint16 *boundPort,
                              QString *error);

} // namespace Tokengate
