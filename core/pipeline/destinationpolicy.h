// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/http/internaladdress.h"
#include "core/http/upstreamtarget.h"

#include <QHostAddress>
#include <QList>

namespace Tokengate {

// Which upstreams a client may name in the Destination header (introspection-microgateway
// mode). An allowlist of host[:port] patterns ("api.example.com", "*.svc.local:8443",
// "10.0.0.7:*", "[fd00::1]", "*" for any host); an empty list allows every host. Link-local
// and cloud-metadata addresses are refused unless a pattern names that host exactly: a
// Destination header is client input, and such addresses hand out cloud credentials.
class DestinationPolicy {
public:
    // Comma- or space-separated patterns; nullopt with `error` naming the bad pattern.
    static std::optional<DestinationPolicy> parse(const QString &patterns, QString *error);

    bool allowsEveryHost() const { return m_rules.isEmpty(); }
    // Empty when allowed; otherwise why not (for the log).
    QString check(const Origin &origin) const;
    // True when `host` is named by a pattern without wildcard (internal addresses allowed).
    bool namesExactly(const QString &host) const;
    QStringList exactHosts() const;

private:
    struct Rule {
        QString host;            // lower case; empty with anyHost
        bool anyHost = false;    // "*"
        bool subdomains = false; // "*.example.com": any name ending in ".example.com"
        int port = -1;           // -1: any
    };
    QList<Rule> m_rules;
};

} // namespace Tokengate
