// SPDX-License-Identifier: Apache-2.0
#include "core/pipeline/headerrules.h"

#include "core/auth/routepolicy.h"
#include "core/http/hopbyhop.h"
#include "core/pipeline/identityheaders.h"
#include "core/pipeline/proxyexchange.h"

#include <algorithm>

namespace Tokengate {

namespace {

bool isClaimChar(QChar c) {
    return c.unicode() < 0x80 &&
           (c.isLetterOrNumber() || c == u'_' || c == u'.' || c == u'-' || c == u':');
}

// Names whose meaning is the connection's or the gateway's own: a rule writing them would
// reframe the message or defeat a check.
QString reservedName(QByteArrayView name, HeaderRules::Side side, bool writes) {
    static const HeaderMap none;
    if (isFramingField(name) || HopByHopFilter(none).drops(name))
        return QStringLiteral("it frames the message or belongs to the connection");
    if (HeaderMap::sameName(name, "Host") && side == HeaderRules::Side::Request)
        return QStringLiteral("the route's preserve_host decides it");
    if (side == HeaderRules::Side::Request &&
        (isForwardedField(name) || HeaderMap::sameName(name, "Expect")))
        return QStringLiteral("the upstream settings' forwarded mode and the gateway decide it");
    if (side == HeaderRules::Side::Response && name.size() > 15 &&
        name.first(15).compare("Access-Control-", Qt::CaseInsensitive) == 0)
        return QStringLiteral("a route's cors section grants cross-origin access");
    if (writes && side == HeaderRules::Side::Request) {
        for (QByteArrayView routed : {"X-HTTP-Method-Override", "X-HTTP-Method",
                                      "X-Method-Override", "X-Original-URL", "X-Rewrite-URL"}) {
            if (HeaderMap::sameNameFolded(name, routed))
                return QStringLiteral("upstreams act on it instead of the method or path the "
                                      "route was chosen for");
        }
    }
    if (HeaderMap::sameName(name, "Via"))
        return QStringLiteral("the loop guard reads it");
    if (HeaderMap::sameName(name, "X-Tokengate-Introspection"))
        return QStringLiteral("only the gateway says whether an answer was stale");
    if (writes && side == HeaderRules::Side::Request &&
        (HeaderMap::sameName(name, "Authorization") || HeaderMap::sameName(name, "Cookie")))
        return QStringLiteral("an upstream would take a credential written here for one the "
                              "gateway checked");
    return {};
}

} // namespace

std::optional<QList<HeaderRules::Piece>> HeaderRules::parseValue(const QString &value, Side side,
                                                                 QString *why) {
    if (std::any_of(value.cbegin(), value.cend(), [](QChar c) {
            return (c.unicode() < 0x20 && c != u'\t') || c.unicode() == 0x7f;
        })) {
        *why = QStringLiteral("a control character would split the field");
        return std::nullopt;
    }
    QList<Piece> pieces;
    QByteArray text;
    for (qsizetype i = 0; i < value.size(); ++i) {
        const QChar c = value[i];
        if ((c == u'{' || c == u'}') && i + 1 < value.size() && value[i + 1] == c) {
            text += char(c.unicode());
            ++i;
            continue;
        }
        if (c == u'}') {
            *why = QStringLiteral("a lone \"}\" (write \"}}\")");
            return std::nullopt;
        }
        if (c != u'{') {
            text += QString(c).toUtf8();
            continue;
        }
        const qsizetype close = value.indexOf(u'}', i + 1);
        const QString claim = close < 0 ? QString() : value.mid(i + 1, close - i - 1);
        if (claim.isEmpty() || !std::all_of(claim.cbegin(), claim.cend(), isClaimChar)) {
            *why = QStringLiteral("\"{\" starts no {claim} (write \"{{\" for a brace)");
            return std::nullopt;
        }
        if (side == Side::Response) {
            *why = QStringLiteral("answer fields hold fixed text; {%1} is a claim").arg(claim);
            return std::nullopt;
        }
        if (!text.isEmpty())
            pieces << Piece{std::exchange(text, {}), {}};
        pieces << Piece{{}, claim};
        i = close;
    }
    if (!text.isEmpty() || pieces.isEmpty())
        pieces << Piece{text, {}};
    return pieces;
}

std::optional<HeaderRules> HeaderRules::compile(const HeaderRulesConfig &config, Side side,
                                                QString *why) {
    const QString where = side == Side::Request ? QStringLiteral("request_headers")
                                                : QStringLiteral("response_headers");
    const auto fail = [&](const QString &key, const QString &name, const QString &text) {
        if (why)
            *why = QStringLiteral("%1.%2: \"%3\": %4").arg(where, key, name, text);
        return std::nullopt;
    };
    HeaderRules rules;
    const auto checkName = [&](const QString &name, bool writes) {
        if (!IdentityHeaders::isValidHeaderName(name))
            return QStringLiteral("not a header name");
        return reservedName(name.toLatin1(), side, writes);
    };
    for (const QString &name : config.remove) {
        if (const QString problem = checkName(name, false); !problem.isEmpty())
            return fail(QStringLiteral("remove"), name, problem);
        rules.m_remove << name.toLatin1();
    }
    for (const auto &[key, map, replace] :
         {std::tuple{QStringLiteral("set"), &config.set, true},
          std::tuple{QStringLiteral("add"), &config.add, false}}) {
        for (auto it = map->constBegin(); it != map->constEnd(); ++it) {
            if (const QString problem = checkName(it.key(), true); !problem.isEmpty())
                return fail(key, it.key(), problem);
            QString problem;
            const std::optional<QList<Piece>> value = parseValue(it.value(), side, &problem);
            if (!value)
                return fail(key, it.key(), problem);
            rules.m_rules << Rule{it.key().toLatin1(), *value, replace};
        }
    }
    return rules;
}

QList<QByteArray> HeaderRules::writtenNames(bool withClaimsOnly) const {
    QList<QByteArray> out;
    for (const Rule &r : m_rules) {
        const bool claims = std::any_of(r.value.cbegin(), r.value.cend(),
                                        [](const Piece &p) { return !p.claim.isEmpty(); });
        if ((claims || !withClaimsOnly) && !out.contains(r.name))
            out << r.name;
    }
    return out;
}

QList<QByteArray> HeaderRules::names() const {
    QList<QByteArray> out = m_remove;
    for (const Rule &r : m_rules)
        out << r.name;
    return out;
}

QByteArray HeaderRules::render(const QList<Piece> &value, const IntrospectionResult *identity) {
    QByteArray out;
    for (const Piece &p : value) {
        if (p.claim.isEmpty()) {
            out += p.text;
            continue;
        }
        const QJsonValue json = identity ? claimValue(identity->claims, p.claim) : QJsonValue();
        // Inside other text, a list would read as more members than the template meant
        // ("role:{groups}" as "role:a, admin").
        if (value.size() > 1 && (json.isArray() || json.isObject()))
            return {};
        const QByteArray claim = IdentityHeaders::headerValue(json);
        if (claim.isEmpty())
            return {}; // half a value could read as a whole one ("tenant-" for "tenant-{id}")
        out += claim;
    }
    return out;
}

int HeaderRules::apply(HeaderMap &headers, const IntrospectionResult *identity) const {
    for (const QByteArray &name : m_remove)
        headers.removeAll(name);
    // A set field is the gateway's alone: the client's copies go even when its value is not
    // sent, so a missing claim never lets a client-chosen value through.
    for (const Rule &r : m_rules) {
        if (r.replace)
            headers.removeAll(r.name);
    }
    int written = 0;
    for (const Rule &r : m_rules) {
        QByteArray value = render(r.value, identity);
        if (value.isEmpty() && !(r.value.size() == 1 && r.value.first().claim.isEmpty()))
            continue;
        headers.append(r.name, std::move(value));
        ++written;
    }
    return written;
}

} // namespace Tokengate
