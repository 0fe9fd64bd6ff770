// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QSslCertificate>
#include <QSslKey>
#include <QStringList>

#include <memory>

namespace Tokengate {

// How X-Forwarded-For/-Proto/-Host reach the upstream.
enum class ForwardedMode {
    Replace, // drop what the client sent (it could be forged), set from this connection
    Append,  // trust a front proxy: append the peer to X-Forwarded-For, keep -Proto/-Host
    Off,     // pass the client's fields through, add nothing
};

// The client side of TLS towards an upstream or the IdP (see loadTlsClientSide).
struct TlsClientSide {
    // Trusted besides the system's. A path, read per connection: Qt's list form of
    // addCaCertificates() would stop the system's CAs from loading.
    QString caFile;
    // Mutual TLS: presented when the server asks for a client certificate; none if empty.
    // Read once, checked like a server's (key matches, valid now).
    QList<QSslCertificate> chain;
    QSslKey key;
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
    // Mutual TLS towards upstreams: the certificate chain and key presented when asked.
    QString clientCertFile;
    QString clientKeyFile;
    // What the connections use, loaded by the service; null: caFile alone.
    std::shared_ptr<const TlsClientSide> clientSide;
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
