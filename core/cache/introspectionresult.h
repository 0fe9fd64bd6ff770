// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QJsonObject>
#include <QStringList>

#include <optional>

namespace Tokengate {

// An RFC 7662 introspection answer, parsed once and then only read: the decision, the JWT
// and (later) the cache use it. Holds no token.
struct IntrospectionResult {
    bool active = false; // only a JSON `true` counts: "true", 1 or a missing field are inactive
    QJsonObject claims;  // every field the IdP sent
    std::optional<qint64> exp;
    std::optional<qint64> nbf;
    std::optional<qint64> iat;
    // A time claim was present but not a number of seconds: the answer cannot be trusted
    // to say when the token is valid.
    bool malformedTimes = false;
    QString subject;
    QString clientId;
    QString scope;
    QStringList audiences; // "aud" as a string or an array of strings

    // The body of a 2xx answer; nullopt with `error` set when it is not a JSON object.
    static std::optional<IntrospectionResult> fromJson(QByteArrayView body, QString *error);
};

// A JSON number as a qint64 when it is a whole number one holds. Claims and cache entries come
// from other systems: casting any other double (1e300, say) is undefined behaviour.
std::optional<qint64> wholeNumber(double d);

} // namespace Tokengate
