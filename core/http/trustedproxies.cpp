// SPDX-License-Identifier: Apache-2.0
#include "core/http/trustedproxies.h"

#include <algorithm>

namespace Tokengate {

namespace {

// Past this many hops the walk stops: no real chain of proxies is longer, and a client's
// kilobytes of entries must not cost a scan each.
constexpr int MaxHops = 32;

// "::ffff:10.1.2.3" is 10.1.2.3 (a dual-stack socket's IPv4 peer). Only that form:
// QHostAddress also converts "::1.2.3.4", which would make "::1" read as 0.0.0.1.
QHostAddress unmapped(const QHostAddress &address) {
    if (address.protocol() != QAbstractSocket::IPv6Protocol)
        return address;
    const Q_IPV6ADDR a = address.toIPv6Address();
    for (int i = 0; i < 10; ++i) {
        if (a[i] != 0)
            return address;
    }
    if (a[10] != 0xff || a[11] != 0xff)
        return address;
    return QHostAddress(quint32(a[12]) << 24 | quint32(a[13]) << 16 | quint32(a[14]) << 8 |
                        quint32(a[15]));
}

// Only the forms proxies write: four decimal octets without leading zeros, or IPv6 without a
// zone. QHostAddress also reads "10.1", "010.0.0.1" (octal) and "167772161" as addresses,
// which other parsers in the chain read otherwise.
bool isDottedQuad(QStringView text) {
    int octets = 0;
    qsizetype i = 0;
    while (i <= text.size()) {
        const qsizetype start = i;
        int value = 0;
        while (i < text.size() && text[i] >= u'0' && text[i] <= u'9' && i - start < 3)
            value = value * 10 + (text[i++].unicode() - '0');
        const qsizetype length = i - start;
        if (length == 0 || value > 255 || (length > 1 && text[start] == u'0'))
            return false;
        ++octets;
        if (i == text.size())
            return octets == 4;
        if (text[i] != u'.' || octets == 4)
            return false;
        ++i;
    }
    return false;
}

bool isIpv6Text(QStringView text) {
    // QHostAddress stops reading at a NUL: "127.0.0.1\0::1" would pass as 127.0.0.1. No zone
    // ("%eth0") either: no proxy writes one.
    return std::all_of(text.cbegin(), text.cend(), [](QChar c) {
        return c.isDigit() || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F') || c == u':' ||
               c == u'.';
    });
}

QHostAddress strictAddress(QStringView text) {
    if (text.contains(u':')) {
        if (!isIpv6Text(text))
            return {};
        const QHostAddress address(text.toString());
        return address.protocol() == QAbstractSocket::IPv6Protocol ? address : QHostAddress();
    }
    return isDottedQuad(text) ? QHostAddress(text.toString()) : QHostAddress();
}

} // namespace

QHostAddress parseForwardedFor(QByteArrayView entry) {
    QByteArrayView text = entry.trimmed();
    if (text.startsWith('[')) {
        const qsizetype close = text.indexOf(']');
        text = close > 0 ? text.sliced(1, close - 1) : QByteArrayView();
    } else if (text.count(':') == 1) {
        text.truncate(text.indexOf(':'));
    }
    return strictAddress(QString::fromLatin1(text));
}

std::optional<TrustedProxies> TrustedProxies::parse(const QStringList &entries, QString *why) {
    TrustedProxies proxies;
    for (const QString &raw : entries) {
        const QString entry = raw.trimmed();
        const qsizetype slash = entry.indexOf(u'/');
        const QHostAddress base =
            strictAddress(slash < 0 ? QStringView(entry) : QStringView(entry).first(slash));
        QHostAddress network = unmapped(base);
        const int bits = network.protocol() == QAbstractSocket::IPv4Protocol ? 32 : 128;
        bool ok = slash < 0;
        int prefix = bits;
        if (slash >= 0) {
            const QStringView length = QStringView(entry).sliced(slash + 1);
            ok = !length.isEmpty() && length.size() <= 3 &&
                 (length.size() == 1 || length[0] != u'0') &&
                 std::all_of(length.cbegin(), length.cend(), [](QChar c) { return c.isDigit(); });
            prefix = ok ? length.toInt() : -1;
        }
        // A mapped range ("::ffff:10.0.0.0/104") is the IPv4 range it carries: peers are
        // compared as IPv4 addresses.
        if (ok && base.protocol() == QAbstractSocket::IPv6Protocol &&
            network.protocol() == QAbstractSocket::IPv4Protocol)
            prefix = slash < 0 ? 32 : prefix - 96;
        if (base.isNull() || !ok || prefix < 0 || prefix > bits) {
            *why = QStringLiteral("\"%1\" is neither an address nor a CIDR range such as "
                                  "10.0.0.0/8 or fd00::/8")
                       .arg(entry.left(80));
            return std::nullopt;
        }
        const QPair<QHostAddress, int> subnet{network, prefix};
        // Host bits set: "10.0.0.1/8" may be a typo for 10.0.0.1 alone.
        if (QHostAddress::parseSubnet(network.toString() + u'/' + QString::number(prefix)).first !=
            network) {
            *why = QStringLiteral("\"%1\" has bits set past its prefix length: write the range's "
                                  "first address")
                       .arg(entry);
            return std::nullopt;
        }
        // Wide ranges take in clients as proxies, and those write their own X-Forwarded-For.
        // A public IPv6 /32 is a whole provider; private ones (fc00::/7, fe80::/10) are
        // the operator's own, however wide.
        const bool privateV6 = network.protocol() == QAbstractSocket::IPv6Protocol &&
                               (network.isInSubnet(QHostAddress(QStringLiteral("fc00::")), 7) ||
                                network.isInSubnet(QHostAddress(QStringLiteral("fe80::")), 10));
        const int widest =
            network.protocol() == QAbstractSocket::IPv6Protocol && !privateV6 ? 32 : 8;
        if (prefix < widest) {
            *why = QStringLiteral("\"%1\" is wider than a /%2: it would trust clients as proxies")
                       .arg(entry)
                       .arg(widest);
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
    // From the end, entry by entry, without splitting what the walk never reaches.
    QHostAddress client = peer;
    int hops = 0;
    for (qsizetype f = forwardedFor.size() - 1; f >= 0; --f) {
        const QByteArrayView field(forwardedFor[f]);
        qsizetype end = field.size();
        while (end >= 0) {
            if (++hops > MaxHops)
                return client;
            const qsizetype comma = field.first(end).lastIndexOf(',');
            const QHostAddress hop = parseForwardedFor(field.sliced(comma + 1, end - comma - 1));
            if (hop.isNull())
                return client;
            client = hop;
            if (isEmpty() || !contains(hop))
                return client;
            end = comma; // -1 past the field's first entry
        }
    }
    return client;
}

} // namespace Tokengate
