// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QHostAddress>
#include <QList>
#include <QStringList>

#include <optional>

namespace Tokengate {

// The front proxies whose X-Forwarded-For entries are believed (`upstream.trusted_proxies`,
// with `forwarded: append`): addresses and CIDR ranges. A peer outside them is a client
// speaking for itself, whatever forwarded fields it wrote.
class TrustedProxies {
public:
    // nullopt with `why` set when an entry is neither an address nor a CIDR range.
    static std::optional<TrustedProxies> parse(const QStringList &entries, QString *why);

    bool isEmpty() const { return m_subnets.isEmpty(); }
    // IPv4-mapped IPv6 addresses count as the IPv4 address they carry.
    bool contains(const QHostAddress &address) const;
    // The client behind `peer` (itself a trusted proxy): X-Forwarded-For read from its end,
    // past every entry that is a trusted proxy; an entry that is no address stops the walk at
    // the hop that wrote it. With no list, the peer is the one trusted proxy, and the client
    // is the last entry.
    QHostAddress clientBehind(const QHostAddress &peer,
                              const QList<QByteArray> &forwardedFor) const;

private:
    QList<QPair<QHostAddress, int>> m_subnets;
};

// One X-Forwarded-For entry as an address: "1.2.3.4", "1.2.3.4:5678", "[::1]:80", "::1";
// null for anything else ("unknown", a name).
QHostAddress parseForwardedFor(QByteArrayView entry);

} // namespace Tokengate
