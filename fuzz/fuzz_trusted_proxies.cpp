// SPDX-License-Identifier: Apache-2.0
// upstream.trusted_proxies and the X-Forwarded-For walk (trustedproxies.cpp). The input is
// cut at its first NUL: a trusted_proxies list (comma-separated), then X-Forwarded-For
// fields (one per line). Checked against a reading written apart with regular expressions:
// an accepted list holds only canonical addresses and ranges no wider than a /8 (a /32 for
// public IPv6), and the
// client found is the one a plain right-to-left walk over strictly read entries finds.
#include "core/http/trustedproxies.h"
#include "fuzz/fuzzsupport.h"

#include <QRegularExpression>

using namespace Tokengate;
using namespace Tokengate::Fuzz;

namespace {

const QRegularExpression &octets() {
    static const QRegularExpression re(
        QStringLiteral("^(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}"
                       "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$"));
    return re;
}

// The address an X-Forwarded-For entry names, read without trustedproxies.cpp.
QHostAddress referenceEntry(const QByteArray &raw) {
    QString text = QString::fromLatin1(raw.trimmed());
    if (text.startsWith(u'[')) {
        const qsizetype close = text.indexOf(u']');
        text = close > 0 ? text.mid(1, close - 1) : QString();
    } else if (text.count(u':') == 1) {
        text.truncate(text.indexOf(u':'));
    }
    if (text.contains(u':')) {
        static const QRegularExpression ipv6Chars(QStringLiteral("^[0-9A-Fa-f:.]+$"));
        if (!ipv6Chars.match(text).hasMatch())
            return {};
        const QHostAddress a(text);
        return a.protocol() == QAbstractSocket::IPv6Protocol ? a : QHostAddress();
    }
    return octets().match(text).hasMatch() ? QHostAddress(text) : QHostAddress();
}

QHostAddress unmapped(const QHostAddress &a) {
    if (a.protocol() != QAbstractSocket::IPv6Protocol)
        return a;
    const QString text = a.toString();
    if (!text.startsWith(QStringLiteral("::ffff:")) || text.count(u':') != 3)
        return a;
    bool ok = false;
    const quint32 v4 = a.toIPv4Address(&ok);
    return ok ? QHostAddress(v4) : a;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArrayView input = bytes(data, size);
    const qsizetype nul = input.indexOf('\0');
    const QByteArray listText = (nul < 0 ? input : input.first(nul)).toByteArray();
    const QList<QByteArray> fields =
        nul < 0 ? QList<QByteArray>() : input.sliced(nul + 1).toByteArray().split('\n');

    QStringList entries;
    for (const QByteArray &e : listText.split(','))
        entries << QString::fromLatin1(e);
    QString why;
    const std::optional<TrustedProxies> parsed = TrustedProxies::parse(entries, &why);
    FUZZ_CHECK(parsed || !why.isEmpty(), listText);
    QList<QPair<QHostAddress, int>> subnets;
    if (parsed) {
        for (const QString &raw : std::as_const(entries)) {
            const QString e = raw.trimmed();
            const QString base = e.section(u'/', 0, 0);
            FUZZ_CHECK(!e.contains(u'%'), listText);
            FUZZ_CHECK(base.contains(u':') || octets().match(base).hasMatch(), listText);
            QPair<QHostAddress, int> s = QHostAddress::parseSubnet(e);
            FUZZ_CHECK(!s.first.isNull(), listText);
            const QHostAddress v4 = unmapped(s.first);
            if (v4 != s.first)
                s = {v4, s.second - 96};
            FUZZ_CHECK(s.second >= 8, listText);
            const bool privateV6 = s.first.isInSubnet(QHostAddress(QStringLiteral("fc00::")), 7) ||
                                   s.first.isInSubnet(QHostAddress(QStringLiteral("fe80::")), 10);
            FUZZ_CHECK(s.first.protocol() != QAbstractSocket::IPv6Protocol || privateV6 ||
                           s.second >= 32,
                       listText);
            subnets << s;
        }
    }
    const TrustedProxies proxies = parsed.value_or(TrustedProxies());
    auto trusted = [&](const QHostAddress &a) {
        const QHostAddress u = unmapped(a);
        return std::any_of(subnets.cbegin(), subnets.cend(),
                           [&](const auto &s) { return u.isInSubnet(s); });
    };

    const QHostAddress peer(QStringLiteral("10.9.9.9"));
    QList<QByteArray> all;
    for (const QByteArray &f : fields)
        all << f.split(',');
    QHostAddress expected = peer;
    for (qsizetype i = all.size() - 1, hops = 1; i >= 0 && hops <= 32; --i, ++hops) {
        const QHostAddress hop = referenceEntry(all[i]);
        if (hop.isNull())
            break;
        expected = hop;
        if (subnets.isEmpty() || !trusted(hop))
            break;
    }
    const QHostAddress found = proxies.clientBehind(peer, fields);
    FUZZ_CHECK(found == expected, listText.toHex() + " | " + fields.join('\n').toHex() + " -> " +
                                      found.toString().toLatin1() + " expected " +
                                      expected.toString().toLatin1());
    FUZZ_CHECK(proxies.contains(peer) == trusted(peer), listText);
    return 0;
}
