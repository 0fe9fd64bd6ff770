// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/cache/introspectionresult.h"
#include "core/http/headermap.h"

#include <QJsonValue>
#include <QList>

namespace Tokengate {

// What the upstream learns about the caller from headers (claims -> headers, e.g. sub ->
// X-User), and the request id that ties its logs to ours.
class IdentityHeaders {
public:
    struct Mapping {
        QByteArray header;
        QString claim;
    };

    // Removes every field named in `mappings`, whatever the client sent, then (with an
    // identity) adds one per claim present. Returns the names set, for the trace.
    static QList<QByteArray> apply(const QList<Mapping> &mappings,
                                   const IntrospectionResult *identity, HeaderMap &headers);

    // A claim as a header value: strings as they are, arrays joined by ", ", numbers and
    // bools as JSON text, objects as compact JSON. Empty when absent or when it would hold
    // a control character (a claim must never split a header).
    static QByteArray headerValue(const QJsonValue &claim);

    // A client's request id worth keeping: 1-128 visible ASCII characters without quotes,
    // commas or backslashes.
    static bool isWellFormedRequestId(QByteArrayView id);
    // 128 random bits as 32 hex digits.
    static QByteArray newRequestId();
    // Keeps the single well-formed value of `header` or replaces every copy by a new id;
    // returns the id the upstream receives.
    static QByteArray ensureRequestId(QByteArrayView header, HeaderMap &headers);

    // RFC 9110 field-name (token) characters only.
    static bool isValidHeaderName(QStringView name);
};

} // namespace Tokengate
