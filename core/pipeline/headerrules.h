// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/cache/introspectionresult.h"
#include "core/http/headermap.h"
#include "core/pipeline/routeconfig.h"

#include <optional>

namespace Tokengate {

// A route's HeaderRulesConfig, parsed once: the fields to remove, set and add, and the values
// as literal text and claims.
class HeaderRules {
public:
    enum class Side { Request, Response };

    // nullopt with `why` set for a name the gateway must own (framing, hop-by-hop, a
    // credential on requests), a value that could split a field, or a malformed "{claim}".
    static std::optional<HeaderRules> compile(const HeaderRulesConfig &config, Side side,
                                              QString *why);

    bool isEmpty() const { return m_remove.isEmpty() && m_rules.isEmpty(); }
    // Every name the rules touch, for checks against the fields the gateway writes itself.
    QList<QByteArray> names() const;
    // The names the rules set or add; with `withClaimsOnly`, those whose value holds a claim.
    QList<QByteArray> writtenNames(bool withClaimsOnly) const;

    // `identity`: the token's claims, null when there are none (a public route, an anonymous
    // forward). Returns how many fields were written.
    int apply(HeaderMap &headers, const IntrospectionResult *identity) const;

private:
    struct Piece {
        QByteArray text; // literal bytes, when `claim` is empty
        QString claim;
    };
    struct Rule {
        QByteArray name;
        QList<Piece> value;
        bool replace = false;
    };
    static std::optional<QList<Piece>> parseValue(const QString &value, Side side, QString *why);
    static QByteArray render(const QList<Piece> &value, const IntrospectionResult *identity);

    QList<QByteArray> m_remove;
    QList<Rule> m_rules;
};

} // namespace Tokengate
