// SPDX-License-Identifier: Apache-2.0
#include "core/cache/introspectionresult.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>

namespace Tokengate {

namespace {

// NumericDate (RFC 7519 section 2): seconds, possibly fractional. Anything else is malformed.
std::optional<qint64> numericDate(const QJsonObject &o, const char *name, bool *malformed) {
    const QJsonValue v = o.value(QLatin1StringView(name));
    if (v.isUndefined() || v.isNull())
        return std::nullopt;
    const double d = v.toDouble(std::nan(""));
    if (!v.isDouble() || !std::isfinite(d) || d < 0 || d > 1e15) {
        *malformed = true;
        return std::nullopt;
    }
    return qint64(std::floor(d));
}

} // namespace

std::optional<qint64> wholeNumber(double d) {
    // 2^63 is exact as a double; NaN fails both comparisons.
    constexpr double Limit = 9223372036854775808.0;
    if (!(d >= -Limit && d < Limit) || d != std::floor(d))
        return std::nullopt;
    return qint64(d);
}

std::optional<IntrospectionResult> IntrospectionResult::fromJson(QByteArrayView body,
                                                                 QString *error) {
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(body.toByteArray(), &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject()) {
        if (error)
            *error = parseError.error != QJsonParseError::NoError
                         ? QStringLiteral("not JSON: ") + parseError.errorString()
                         : QStringLiteral("not a JSON object");
        return std::nullopt;
    }
    IntrospectionResult r;
    r.claims = doc.object();
    const QJsonValue active = r.claims.value(u"active");
    r.active = active.isBool() && active.toBool();
    r.exp = numericDate(r.claims, "exp", &r.malformedTimes);
    r.nbf = numericDate(r.claims, "nbf", &r.malformedTimes);
    bool iatMalformed = false; // iat says nothing about validity; a bad one is just dropped
    r.iat = numericDate(r.claims, "iat", &iatMalformed);
    r.subject = r.claims.value(u"sub").toString();
    r.clientId = r.claims.value(u"client_id").toString();
    r.scope = r.claims.value(u"scope").toString();
    const QJsonValue aud = r.claims.value(u"aud");
    if (aud.isString()) {
        r.audiences << aud.toString();
    } else if (aud.isArray()) {
        for (const QJsonValue &a : aud.toArray()) {
            if (a.isString())
                r.audiences << a.toString();
        }
    }
    return r;
}

} // namespace Tokengate
