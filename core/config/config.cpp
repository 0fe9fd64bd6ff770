// SPDX-License-Identifier: Apache-2.0
#include "core/config/config.h"

#include "core/proxy/upstreamtarget.h"

#include <QFileInfo>

namespace Tokengate {

Config::Config() {
    server.address = QHostAddress::LocalHost;
    server.port = 8080;
}

QStringList Config::validate() const {
    QStringList problems;
    if (!demo) {
        if (upstreamUrl.isEmpty()) {
            problems << QStringLiteral(
                "upstream: no upstream URL (--upstream or TOKENGATE_UPSTREAM)");
        } else {
            QString why;
            if (!UpstreamTarget::parse(upstreamUrl, &why))
                problems << QStringLiteral("upstream: ") + why;
        }
    }
    if (auth == AuthMode::Introspection)
        problems << QStringLiteral(
            "auth: token introspection is not available in this version; "
            "pass --auth none (TOKENGATE_AUTH=none) to proxy without authentication");
    if (server.workers < 0 || server.workers > 256)
        problems << QStringLiteral("workers: must be between 0 (one per core) and 256");
    const HttpLimits &l = server.limits;
    if (l.maxHeaderBytes < 1024)
        problems << QStringLiteral("max-header-bytes: must be at least 1024");
    if (l.maxHeaderCount < 1)
        problems << QStringLiteral("max-headers: must be at least 1");
    if (l.maxConnections < 1)
        problems << QStringLiteral("max-connections: must be at least 1");
    for (const auto &[name, ms] :
         {std::pair{"header-timeout", l.headerTimeoutMs},
          std::pair{"idle-timeout", l.idleTimeoutMs}, std::pair{"body-timeout", l.bodyTimeoutMs},
          std::pair{"upstream-connect-timeout", upstream.connectTimeoutMs},
          std::pair{"upstream-timeout", upstream.responseTimeoutMs},
          std::pair{"upstream-idle-timeout", upstream.idleTimeoutMs}}) {
        if (ms <= 0)
            problems << QString::fromLatin1(name) + QStringLiteral(": must be more than 0 seconds");
    }
    if (!upstream.caFile.isEmpty() && !QFileInfo(upstream.caFile).isReadable())
        problems << QStringLiteral("upstream-ca-file: cannot read \"%1\"").arg(upstream.caFile);
    return problems;
}

} // namespace Tokengate
