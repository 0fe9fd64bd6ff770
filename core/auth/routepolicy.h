// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/claimrule.h"
#include "core/base/reason.h"
#include "core/cache/introspectionresult.h"

#include <QJsonValue>

namespace Tokengate {

// What a route demands of an active token beyond being active: scopes (all of them),
// an accepted audience, a trusted issuer and claim rules. Judged on every request, cached
// answer or not, so a token cached for one route never passes another route's rules.
struct RoutePolicy {
    QStringList requiredScopes; // "*" matches any run of characters ("orders:*")
    QStringList audiences;      // any one of them in aud
    QStringList issuers;        // iss is one of them
    QList<ClaimRule> claimRules;

    bool isEmpty() const {
        return requiredScopes.isEmpty() && audiences.isEmpty() && issuers.isEmpty() &&
               claimRules.isEmpty();
    }
};

struct PolicyVerdict {
    bool allowed = true;
    // ScopeInsufficient, AudienceMismatch, IssuerMismatch or ClaimRuleFailed when refused
    Reason reason = Reason::None;
    QString why; // which rule, for the log and the trace; no claim values
};

PolicyVerdict judgePolicy(const IntrospectionResult &result, const RoutePolicy &policy);

// `pattern` against one granted scope; "*" matches any run, everything else is literal.
bool scopeMatches(QStringView pattern, QStringView granted);

// A claim by name; "a.b" walks into objects when there is no top-level "a.b".
QJsonValue claimValue(const QJsonObject &claims, const QString &name);

} // namespace Tokengate
