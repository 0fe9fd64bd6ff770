// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/base/reason.h"
#include "core/http/httpmessage.h"
#include "core/pipeline/routeconfig.h"

#include <optional>

namespace Tokengate {

// A route's CorsConfig as requests are judged against it, after the Fetch standard's CORS
// protocol (fetch.spec.whatwg.org, "CORS protocol" and "CORS-preflight fetch").
class CorsPolicy {
public:
    // nullopt with `why` set when the config cannot be honoured safely or at all.
    // `routeMethods`: the route's own, the default for allow_methods.
    static std::optional<CorsPolicy> compile(const CorsConfig &config,
                                             const QStringList &routeMethods, QString *why);

    bool allowsOrigin(QByteArrayView origin) const;
    // Whether `origin` may send the user's cookies along and read the answer: allowed, and
    // with allow_credentials (which `*` and "null" never come with).
    bool allowsCredentialedOrigin(QByteArrayView origin) const {
        return m_credentials && allowsOrigin(origin);
    }
    // A method a page from an allowed origin may make the upstream act on: the listed ones,
    // and those Fetch never preflights (GET, HEAD, POST).
    bool allowsMethod(QByteArrayView method) const;

    struct Preflight {
        Reason refusal = Reason::None; // CorsOriginRefused or CorsRequestRefused
        QByteArray detail;             // what was refused, for the answer and the log
        ResponseHead head;             // the 204 when not refused
    };
    // The gateway's own answer to a preflight (OPTIONS with Access-Control-Request-Method).
    Preflight answerPreflight(QByteArrayView origin, QByteArrayView requestMethod,
                              QByteArrayView requestHeaders) const;

    // Every answer of the route: the upstream's Access-Control-* fields are replaced by the
    // route's, for `allowedOrigin` (empty: the request is not a cross-origin one the route
    // allows, so no grant), and Vary names Origin, since the answer depends on it.
    void decorate(HeaderMap &headers, QByteArrayView allowedOrigin) const;

    // True when `origin` is the origin of the request's own Host: browsers send Origin on
    // same-origin requests too (every POST), which CORS has no say over.
    static bool isSameOrigin(QByteArrayView origin, QByteArrayView host);

private:
    struct Pattern {
        QByteArray scheme;
        QByteArray hostSuffix; // ".example.com"
        QByteArray port;       // empty: the scheme's default
    };
    QByteArray allowOriginFor(QByteArrayView origin) const;

    QList<QByteArray> m_exactOrigins; // serialised: lower case, default port left out
    QList<Pattern> m_patterns;
    bool m_anyOrigin = false;
    QList<QByteArray> m_methods;
    QByteArray m_methodsValue;
    QList<QByteArray> m_headers; // lower case; empty: any header asked for
    QByteArray m_exposeValue;
    bool m_exposeAny = false;
    bool m_credentials = false;
    QByteArray m_maxAge;
};

} // namespace Tokengate
