// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QtGlobal>

namespace Tokengate {

// Bounds on what one client may make the gateway hold or wait for. Defaults are safe for a
// public listener; every field is configurable (README, "Limits").
struct HttpLimits {
    qint64 maxHeaderBytes = 64 * 1024; // request line + header section
    int maxHeaderCount = 100;
    qint64 maxBodyBytes = -1;     // -1: unlimited, bodies are streamed, never held
    int headerTimeoutMs = 10'000; // first byte of a request until its header section ends
    int idleTimeoutMs = 60'000;   // keep-alive connection with no request in progress
    int bodyTimeoutMs = 60'000;   // longest silence while reading a body or sending a response
    // A WebSocket (any switched connection) with no byte either way this long is closed.
    // Browsers and most servers ping every 30 to 60 s, so a live one never reaches it.
    int tunnelIdleTimeoutMs = 300'000;
    int maxConnections = 10'000; // open client connections, all workers together
    // One client address (an IPv6 /64) may hold at most this many; behind a load balancer
    // that is the balancer's pool, so raise it there.
    int maxConnectionsPerPeer = 2'500;
    // Bytes per second a request body must average, and a client must read a response at,
    // once headerTimeoutMs has passed (Apache mod_reqtimeout's MinRate): a client trickling
    // or reading a byte at a time otherwise holds a slot and an upstream connection for ever.
    // Time spent waiting on the gateway or the upstream does not count. 0: off.
    int minBodyRate = 500;
    int minSendRate = 500;

    bool operator==(const HttpLimits &) const = default;
};

} // namespace Tokengate
