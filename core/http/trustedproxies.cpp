// SPDX-License-Identifier: Apache-2.0
#include "core/http/trustedproxies.h"

namespace Tokengate {

namespace {

QHostAddress unmapped(const QHostAddress &address) {
    bool mapped = false;
    const quint32 v4 = address.toIPv4Address(&mapped);
    return mapped && address.protocol() == QAbstractSocket::IPv6Protocol ? QHostAddress(v4)
                                                                         : address;
}

} // namespace

QHostAddress parseForwardedFor(QByteArrayView entry) {
    QByteArray text = entry.trimmed().toByteArray();
    if (text.startsWith('[')) {
        const qsizetype close = text.indexOf(']');
        text = close > 0 ? text.sliced(1, close - 1) : QByteArray();
    } else if (text.count(':') == 1) {
        text.truncate(text.indexOf(':'));
    }
    // QHostAddress takes a scope ("fe80::1%eth0"), which no proxy writes.
    if (text.contains('%'))
        return {};
    return QHostAddress(QString::fromLatin1(text));
}

std::optional<TrustedProxies> TrustedProxies::parse(const QStringList &entries, QString *why) {
    TrustedProxies proxies;
    for (const QString &raw : entries) {
        const QString entry = raw.trimmed();
        QPair<QHostAddress, int> subnet = QHostAddress::parseSubnet(entry);
        if (subnet.first.isNull() || entry.contains(u'%')) {
            *why = QStringLiteral("\"%1\" is neither an address nor a CIDR range such as "
                                  "10.0.0.0/8 or fd00::/8")
                       .arg(entry.left(80));
            return std::nullopt;
        }
        if (subnet.first.protocol() == QAbstractSocket::IPv4Protocol && subnet.second == 0) {
            *why = QStringLiteral("\"%1\" trusts every IPv4 address: any client could then "
                                  "write its own X-Forwarded-For")
                       .arg(entry);
            return std::nullopt;
        }
        if (subnet.first.protocol() == QAbstractSocket::IPv6Protocol && subnet.second == 0) {
            *why = QStringLiteral("\"%1\" trusts every IPv6 address: any client could then "
                                  "write its own X-Forwarded-For")
                       .arg(entry);
            return std::nullopt;
        }
        proxies.m_subnets << subnet;
    }
    return proxies;
}

bool TrustedProxies::contains(const QHostAddress &address) const {
    const QHostAddress a = unmapped(address);
    for (const auto &subnet : m_subnets) {
        if (a.isInSubnet(subnet))
            return true;
    }
    return false;
}

QHostAddress TrustedProxies::clientBehind(const QHostAddress &peer,
                                          const QList<QByteArray> &forwardedFor) const {
    QList<QByteArray> entries;
    for (const QByteArray &field : forwardedFor)
        entries << field.split(',');
    QHostAddress client = peer;
    for (qsizetype i = entries.size() - 1; i >= 0; --i) {
        const QHostAddress hop = parseForwardedFor(entries[i]);
        if (hop.isNull())
            break;
        client = hop;
        if (isEmpty() || !contains(hop))
            break;
    }
    return client;
}

} // namespace Tokengate
