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
    int maxConnections = 10'000;  // open client connections, all workers together

    bool operator==(const HttpLimits &) const = default;
};

} // namespace Tokengate
