// SPDX-License-Identifier: Apache-2.0
#include "core/http/internaladdress.h"

#include <QList>

#include <algorithm>

namespace Tokengate {

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

bool isInternalAddress(const QHostAddress &address) {
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

bool isMetadataHostName(const QString &host) {
    QString h = host.toLower();
    if (h.endsWith(u'.'))
        h.chop(1);
    return h == u"metadata" || h == u"metadata.google.internal" ||
           h == u"metadata.azure.internal" || h == u"instance-data" ||
           h == u"instance-data.ec2.internal";
}

} // namespace Tokengate
