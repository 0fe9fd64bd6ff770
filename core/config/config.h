// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/proxy/upstreamsettings.h"
#include "core/server/httpserver.h"

#include <QStringList>

namespace Tokengate {

enum class AuthMode {
    Introspection, // the default once introspection exists; refused until then (fail closed)
    None,          // proxy without authentication: public routes, measuring the data path
};

// Everything tokengated and the GUI configure, as one value. Filled from defaults, then the
// environment, then the command line (ConfigOptions); validate() names every problem.
struct Config {
    ServerSettings server;
    QString upstreamUrl;
    UpstreamSettings upstream;
    AuthMode auth = AuthMode::Introspection;
    int drainTimeoutMs = 10'000;
    QString accessLog = QStringLiteral("stdout"); // "stdout", "off" or a file path
    bool demo = false;

    Config();
    QStringList validate() const;
};

} // namespace Tokengate
