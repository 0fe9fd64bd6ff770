// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QMutex>

namespace Tokengate {

// Open client connections per peer, shared by every worker, so that one client cannot take
// all of max_connections. IPv6 peers are counted per /64: a single host is usually given a
// whole /64 and could otherwise rotate addresses within it.
class PeerConnections {
public:
    // Counts a new connection from `peer` unless it already holds `limit` of them.
    bool tryAdd(const QHostAddress &peer, int limit);
    void remove(const QHostAddress &peer);
    int count(const QHostAddress &peer) const;

    static QByteArray key(const QHostAddress &peer);

private:
    mutable QMutex m_mutex;
    QHash<QByteArray, int> m_counts;
};

} // namespace Tokengate
