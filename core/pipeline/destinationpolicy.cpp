// SPDX-License-Identifier: Apache-2.0
#include "core/pipeline/destinationpolicy.h"

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

} // namespace Tokengate
