// SPDX-License-Identifier: Apache-2.0
#include "core/auth/routepolicy.h"

#include "core/base/reason.h"

#include <QJsonArray>

namespace Tokengate {

namespace {

// A claim as strings: a string, the strings of an array, a bool or an integer as text.
// Objects and other numbers give nothing: a rule on them never holds.
QStringList claimStrings(const QJsonValue &value, bool splitSpaces) {
    switch (value.type()) {
    case QJsonValue::String:
        return splitSpaces ? value.toString().split(u' ', Qt::SkipEmptyParts)
                           : QStringList{value.toString()};
    case QJsonValue::Bool:
        return {value.toBool() ? QStringLiteral("true") : QStringLiteral("false")};
    case QJsonValue::Double: {
        if (const std::optional<qint64> n = wholeNumber(value.toDouble()))
            return {QString::number(*n)};
        return {};
    }
    case QJsonValue::Array: {
        QStringList out;
        for (const QJsonValue &v : value.toArray()) {
            if (v.isString())
                out << v.toString();
        }
        return out;
    }
    default:
        return {};
    }
}

bool ruleHolds(const ClaimRule &rule, const QJsonValue &value) {
    switch (rule.op) {
    case ClaimRule::Op::Equals:
        return !value.isArray() && !rule.values.isEmpty() &&
               claimStrings(value, false) == QStringList{rule.values.first()};
    case ClaimRule::Op::OneOf: {
        const QStringList v = claimStrings(value, false);
        return !value.isArray() && v.size() == 1 && rule.values.contains(v.first());
    }
    case ClaimRule::Op::Contains: {
        const QStringList v = claimStrings(value, true);
        return std::all_of(rule.values.cbegin(), rule.values.cend(),
                           [&](const QString &needed) { return v.contains(needed); });
    }
    }
    return false;
}

QString opName(ClaimRule::Op op) {
    switch (op) {
    case ClaimRule::Op::Equals:
        return QStringLiteral("equals");
    case ClaimRule::Op::OneOf:
        return QStringLiteral("one of");
    case ClaimRule::Op::Contains:
        return QStringLiteral("contains");
    }
    return {};
}

} // namespace

bool scopeMatches(QStringView pattern, QStringView granted) {
    const qsizetype star = pattern.indexOf(u'*');
    if (star < 0)
        return pattern == granted;
    // Greedy-free glob with backtracking to the last star: linear enough for scopes.
    qsizetype p = 0, g = 0, lastStar = -1, resume = 0;
    while (g < granted.size()) {
        if (p < pattern.size() && pattern[p] == u'*') {
            lastStar = p++;
            resume = g;
        } else if (p < pattern.size() && pattern[p] == granted[g]) {
            ++p;
            ++g;
        } else if (lastStar >= 0) {
            p = lastStar + 1;
            g = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == u'*')
        ++p;
    return p == pattern.size();
}

QJsonValue claimValue(const QJsonObject &claims, const QString &name) {
    const auto it = claims.constFind(name);
    if (it != claims.constEnd())
        return *it;
    if (!name.contains(u'.'))
        return QJsonValue(QJsonValue::Undefined);
    QJsonValue current = claims;
    for (const QString &part : name.split(u'.')) {
        if (!current.isObject())
            return QJsonValue(QJsonValue::Undefined);
        current = current.toObject().value(part);
    }
    return current;
}

PolicyVerdict judgePolicy(const IntrospectionResult &result, const RoutePolicy &policy) {
    if (!policy.requiredScopes.isEmpty()) {
        const QStringList granted = result.scope.split(u' ', Qt::SkipEmptyParts);
        for (const QString &required : policy.requiredScopes) {
            const bool found = std::any_of(granted.cbegin(), granted.cend(), [&](const QString &g) {
                return scopeMatches(required, g);
            });
            if (!found)
                return {false, Reason::ScopeInsufficient,
                        QStringLiteral("scope %1 not granted").arg(required)};
        }
    }
    if (!policy.audiences.isEmpty()) {
        const bool ok = std::any_of(result.audiences.cbegin(), result.audiences.cend(),
                                    [&](const QString &a) { return policy.audiences.contains(a); });
        if (!ok)
            return {false, Reason::AudienceMismatch,
                    QStringLiteral("aud has none of %1").arg(policy.audiences.join(u' '))};
    }
    if (!policy.issuers.isEmpty()) {
        const QJsonValue iss = result.claims.value(u"iss");
        if (!iss.isString() || !policy.issuers.contains(iss.toString()))
            return {false, Reason::IssuerMismatch, QStringLiteral("iss is not a trusted issuer")};
    }
    for (qsizetype i = 0; i < policy.claimRules.size(); ++i) {
        const ClaimRule &rule = policy.claimRules[i];
        if (!ruleHolds(rule, claimValue(result.claims, rule.claim)))
            return {false, Reason::ClaimRuleFailed,
                    QStringLiteral("claim rule %1 (%2 %3) does not hold")
                        .arg(i + 1)
                        .arg(rule.claim, opName(rule.op))};
    }
    return {};
}

} // namespace Tokengate
