// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QStringList>

namespace Tokengate {

// How X-Forwarded-For/-Proto/-Host reach the upstream.
enum class ForwardedMode {
    Replace, // drop what the client sent (it could be forged), set from this connection
    Append,  // trust a front proxy: append the peer to X-Forwarded-For, keep -Proto/-Host
    Off,     // pass the client's fields through, add nothing
};

// Connection behaviour towards upstreams; shared by every origin of a worker's pool.
struct UpstreamSettings {
    int connectTimeoutMs = 5'000;
    int responseTimeoutMs = 60'000; // waiting for the response head, and between body reads
    int idleTimeoutMs = 30'000;     // a pooled keep-alive connection unused this long is closed
    int maxIdlePerOrigin = 256;
    // All origins together, per worker: destination mode lets clients pick origins, and each
    // would otherwise keep its own maxIdlePerOrigin. The oldest idle one is closed first.
    int maxIdleTotal = 1024;
    bool verifyTls = true;
    QString caFile; // extra CA certificates (PEM) trusted for https upstreams
    ForwardedMode forwarded = ForwardedMode::Replace;
    // With Append: the front proxies (addresses, CIDR ranges) whose forwarded fields are
    // believed; a peer outside them is treated as under Replace. Empty: the peer is trusted.
    QStringList trustedProxies;
    // Destination mode: a host name the client chose may resolve to a link-local or cloud
    // metadata address; refuse such peers unless the host is in `internalPeersAllowed`.
    bool refuseInternalPeers = false;
    QStringList internalPeersAllowed; // lower-case host names

    bool operator==(const UpstreamSettings &) const = default;
};

} // namespace Tokengate
