// SPDX-License-Identifier: Apache-2.0
#include "core/proxy/destinationpolicy.h"

#include <QRegularExpression>

#include <algorithm>

namespace Tokengate {

std::optional<DestinationPolicy> DestinationPolicy::parse(const QString &patterns, QString *error) {
    DestinationPolicy policy;
    static const QRegularExpression separators(QStringLiteral("[,\\s]+"));
    for (const QString &raw : patterns.split(separators, Qt::SkipEmptyParts)) {
        auto fail = [&](const char *why) -> std::optional<DestinationPolicy> {
            if (error)
                *error = QStringLiteral("\"%1\": %2").arg(raw, QLatin1StringView(why));
            return std::nullopt;
        };
        QString host = raw.toLower();
        Rule rule;
        // The port is after the last colon, unless that colon is inside an IPv6 literal.
        const qsizetype bracket = host.lastIndexOf(u']');
        const qsizetype colon = host.lastIndexOf(u':');
        const bool bareIpv6 = host.count(u':') > 1 && !host.startsWith(u'[');
        if (colon > bracket && !bareIpv6) {
            const QString port = host.mid(colon + 1);
            host.truncate(colon);
            if (port != u"*") {
                bool ok = false;
                rule.port = port.toInt(&ok);
                if (!ok || rule.port < 1 || rule.port > 65535)
                    return fail("the port must be a number from 1 to 65535 or *");
            }
        }
        if (host.startsWith(u'[') && host.endsWith(u']'))
            host = host.mid(1, host.size() - 2);
        if (host == u"*") {
            rule.anyHost = true;
        } else if (host.startsWith(u"*.")) {
            rule.subdomains = true;
            rule.host = host.mid(1); // ".example.com"
            if (rule.host.size() < 2 || rule.host.contains(u'*'))
                return fail("a wildcard must be \"*\" or lead a domain as in \"*.example.com\"");
        } else {
            if (host.isEmpty() || host.contains(u'*') || host.contains(u'/'))
                return fail("expected host[:port], *.domain[:port] or *");
            rule.host = host;
        }
        policy.m_rules.append(rule);
    }
    return policy;
}

bool DestinationPolicy::namesExactly(const QString &host) const {
    return exactHosts().contains(host.toLower());
}

QStringList DestinationPolicy::exactHosts() const {
    QStringList hosts;
    for (const Rule &r : m_rules) {
        if (!r.anyHost && !r.subdomains)
            hosts << r.host;
    }
    return hosts;
}

QString DestinationPolicy::check(const Origin &origin) const {
    const QString host = origin.host.toLower();
    const QHostAddress literal(host);
    const bool internal =
        (!literal.isNull() && isInternalAddress(literal)) || isMetadataHostName(host);
    if (internal && !namesExactly(host))
        return QStringLiteral("%1 is a link-local or cloud metadata address").arg(host);
    if (m_rules.isEmpty())
        return {};
    for (const Rule &r : m_rules) {
        if (r.port >= 0 && r.port != origin.port)
            continue;
        if (r.anyHost || (r.subdomains && host.endsWith(r.host)) || r.host == host)
            return {};
    }
    return QStringLiteral("%1:%2 is not in TOKENGATE_DESTINATION_ALLOW").arg(host).arg(origin.port);
}

namespace {

// 169.254/16 (link-local; AWS, GCP, Azure metadata at .169.254), 100.100.100.200 (Alibaba
// Cloud metadata).
bool isInternalV4(quint32 v4) {
    return (v4 >> 16) == 0xA9FE || v4 == 0x646464C8;
}

quint32 v4At(const Q_IPV6ADDR &a, std::initializer_list<int> bytes) {
    quint32 v4 = 0;
    for (int i : bytes)
        v4 = (v4 << 8) | a[i];
    return v4;
}

// The IPv4 addresses an IPv6 address leads to through a translator or tunnel: IPv4-
// compatible (::a.b.c.d) and SIIT (::ffff:0:a.b.c.d), NAT64 (64:ff9b::/96, and
// 64:ff9b:1::/48 at every RFC 6052 prefix length it allows), 6to4 (2002::/16), Teredo
// (2001:0::/32, server and obfuscated client). A client could reach a metadata service
// through any of them.
QList<quint32> embeddedV4(const Q_IPV6ADDR &a) {
    auto zeros = [&a](int from, int to) {
        return std::all_of(a.c + from, a.c + to, [](quint8 b) { return b == 0; });
    };
    QList<quint32> out;
    if (zeros(0, 12))
        out << v4At(a, {12, 13, 14, 15});
    if (zeros(0, 8) && a[8] == 0xff && a[9] == 0xff && a[10] == 0 && a[11] == 0)
        out << v4At(a, {12, 13, 14, 15});
    if (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b) {
        if (zeros(4, 12))
            out << v4At(a, {12, 13, 14, 15});
        if (a[4] == 0x00 && a[5] == 0x01) {
            out << v4At(a, {6, 7, 9, 10}) << v4At(a, {7, 9, 10, 11}) << v4At(a, {9, 10, 11, 12})
                << v4At(a, {12, 13, 14, 15});
        }
    }
    if (a[0] == 0x20 && a[1] == 0x02)
        out << v4At(a, {2, 3, 4, 5});
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 0)
        out << v4At(a, {4, 5, 6, 7}) << ~v4At(a, {12, 13, 14, 15});
    return out;
}

} // namespace

bool DestinationPolicy::isInternalAddress(const QHostAddress &address) {
    bool isV4 = false; // also true for ::ffff:a.b.c.d
    const quint32 v4 = address.toIPv4Address(&isV4);
    if (isV4)
        return isInternalV4(v4);
    if (address.protocol() != QAbstractSocket::IPv6Protocol)
        return false;
    if (address.isLinkLocal())
        return true;
    const QList<quint32> embedded = embeddedV4(address.toIPv6Address());
    if (std::any_of(embedded.cbegin(), embedded.cend(), isInternalV4))
        return true;
    QHostAddress plain = address;
    plain.setScopeId(QString());
    return plain == QHostAddress(QStringLiteral("fd00:ec2::254")); // AWS metadata over IPv6
}

bool DestinationPolicy::isMetadataHostName(const QString &host) {
    QString h = host.toLower();
    if (h.endsWith(u'.'))
        h.chop(1);
    return h == u"metadata" || h == u"metadata.google.internal" ||
           h == u"metadata.azure.internal" || h == u"instance-data" ||
           h == u"instance-data.ec2.internal";
}

} // namespace Tokengate
