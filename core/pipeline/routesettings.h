// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/routepolicy.h"
#include "core/http/clientcertificate.h"
#include "core/pipeline/corspolicy.h"
#include "core/pipeline/destinationpolicy.h"
#include "core/pipeline/headerrules.h"
#include "core/pipeline/identityheaders.h"
#include "core/pipeline/routeconfig.h"
#include "core/ratelimit/ratelimitspec.h"

#include <optional>

namespace Tokengate {

// One route as the pipeline runs it, compiled from a RouteConfig (or, without routes, the
// one implicit route built from the top-level settings, which keeps the drop-in behaviour).
struct RouteSettings {
    QByteArray name;
    std::optional<UpstreamTarget> upstream; // nullopt: the Destination header names it
    DestinationPolicy destinations;
    bool preserveHost = true;
    QByteArray stripPrefix; // normalised as paths are; empty: the path is forwarded as sent
    QByteArray rewritePrefix;
    bool caseInsensitive = false; // the strip prefix too

    bool authenticate = true;
    int introspection = 0; // index into PipelineSettings::introspectionEndpoints()
    QList<TokenSource> tokenSources;
    QStringList exactScopes; // the top-level REQUIRED scopes (every route), compared exactly
    RoutePolicy policy;
    bool anonymousWhenMissing = false; // no token: forward without identity
    bool anonymousWhenRefused = false; // inactive or failing the policy: the same
    bool stripCredential = false;
    bool websocket = true;
    int maxTunnels = 0; // 0: no cap of its own
    bool websocketUntilExpiry = false;
    QList<IdentityHeaders::Mapping> identityHeaders;
    struct CertificateHeader {
        QByteArray header;
        ClientCertificateField field;
    };
    QList<CertificateHeader> clientCertificateHeaders;
    bool clientCertificateRequired = false;
    std::optional<CorsPolicy> cors;
    QList<RateLimitSpec> rateLimits; // those before auth, then the others, each in file order
    qsizetype rateLimitsBeforeAuth = 0;
    QList<QByteArray> rateLimitIds; // per limit: the route and the limit's text, for its keys
    QByteArray rateLimitPolicy;     // the RateLimit-Policy field's value
    HeaderRules requestHeaders;
    HeaderRules responseHeaders;

    // Where to send a request whose path is normalised (Router::decide), the query kept:
    // `stripPrefix` replaced by `rewritePrefix` when the path starts with it (at a segment
    // boundary), bytes otherwise untouched.
    QByteArray rewriteTarget(const QByteArray &target) const;
};

} // namespace Tokengate
