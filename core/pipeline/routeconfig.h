// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/claimrule.h"
#include "core/auth/tokensource.h"

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

namespace Tokengate {

// How request paths are brought to one form before routes are matched (Envoy's model:
// normalize_path, merge_slashes, path_with_escaped_slashes_action). Global, because it runs
// before a route is chosen; only the letter case is per route.
struct PathConfig {
    enum class EscapedSlashes {
        Reject,             // %2F, %5C or a literal "\" is 400 path_escaped_slash
        Keep,               // matched and forwarded as sent ("\" and escapes kept)
        UnescapeAndForward, // each becomes "/", then the path is normalised as usual
    };
    enum class Parameters {
        RejectIfRerouted, // ";x" in a segment is refused only if cutting it changes the route
        Reject,           // any ";" in the path is refused
        Keep,             // matched and forwarded as sent
    };
    // true: escapes of unreserved characters decoded, other escapes upper-cased, raw non-ASCII
    // bytes escaped, "." and ".." resolved (RFC 3986 6.2.2); false: such paths are refused.
    bool normalizePath = true;
    bool mergeSlashes = true; // false: a path with "//" is refused
    EscapedSlashes escapedSlashes = EscapedSlashes::Reject;
    Parameters parameters = Parameters::RejectIfRerouted;
    bool caseInsensitive = false; // the routes' default

    bool operator==(const PathConfig &) const = default;
};

// Cross-origin requests from browsers (the Fetch standard's CORS protocol), answered by the
// gateway for the route: preflights before any token is looked at, and the Access-Control-*
// fields of every answer, the upstream's replaced.
struct CorsConfig {
    bool enabled = false;
    // "https://app.example.com", "https://*.example.com" (any subdomain), "null", or "*".
    QStringList allowOrigins;
    QStringList allowMethods;  // empty: the route's methods, else GET HEAD PUT PATCH POST DELETE
    QStringList allowHeaders;  // empty or "*": whatever the preflight asks for
    QStringList exposeHeaders; // beyond the CORS-safelisted ones
    bool allowCredentials = false;
    int maxAgeSecs = 600;

    bool operator==(const CorsConfig &) const = default;
};

// Fields the gateway writes on a route's requests or answers, beyond identity headers:
// removed, then set (every copy replaced), then added (appended), in that order.
struct HeaderRulesConfig {
    // Name -> value. In request values "{claim}" is the token's claim ("{sub}", "{a.b}"),
    // "{{" and "}}" are braces; a value whose claim is absent is not sent.
    QMap<QString, QString> set;
    QMap<QString, QString> add;
    QStringList remove;

    bool operator==(const HeaderRulesConfig &) const = default;
};

// One entry of the routing table: which requests it takes and what they must show. Routes
// are tried in order; the first that matches takes the request; none matching is a 404.
struct RouteConfig {
    QString name; // for logs and metrics; "route-<n>" when not given

    // Matching. Empty lists match everything.
    QStringList hosts;   // "api.example.com" or "*.example.com"; Host without port, no case
    QString pathPrefix;  // "/api/" matches /api/ and below; "/api" also matches /api itself
    QString pathPattern; // instead of a prefix: a glob, "*" within a segment, "**" across
    QStringList methods; // upper case
    // Compare the path ignoring ASCII letter case (the original case is forwarded); unset:
    // PathConfig::caseInsensitive.
    std::optional<bool> caseInsensitive;

    // Where it goes. An empty upstream with destinationMode set means the Destination header
    // picks the upstream within destinationAllow.
    QString upstreamUrl;
    bool destinationMode = false;
    QString destinationAllow;
    bool preserveHost = false; // send the client's Host instead of the upstream's
    QString stripPrefix;       // removed from the path before forwarding
    QString rewritePrefix;     // then put in its place ("" leaves the rest as is)

    // Who may pass.
    bool authenticate = true;          // false: a public route, no token looked at
    QString introspection;             // name of an IntrospectionConfig; empty: the first one
    QList<TokenSource> tokenSources;   // empty: the Bearer header only
    QStringList requiredScopes;        // all of them; "*" in a scope matches any run of characters
    QStringList audiences;             // any one of them in "aud"; empty: not checked
    QStringList issuers;               // "iss" is one of them; empty: not checked
    QList<ClaimRule> claimRules;       // all must hold
    bool passThrough = false;          // on a missing or refused token forward anonymously
    bool stripCredential = true;       // remove the token (header, query parameter or cookie)
    bool websocket = true;             // false: WebSocket upgrades refused (403)
    int maxTunnels = 0;                // open WebSockets at most; 0: only max_connections bounds
    bool websocketUntilExpiry = false; // close a WebSocket (1008) at its token's exp or revocation

    // What the upstream learns. Client-sent headers with these names are always removed.
    QMap<QString, QString> identityHeaders; // header name -> claim name ("sub", "scope", ...)
    // Header name -> a field of the client's TLS certificate (see ClientCertificateField).
    QMap<QString, QString> clientCertificateHeaders;
    // 403 unless the connection (HTTPS, tls.client_auth) has a verified client certificate.
    bool clientCertificateRequired = false;

    CorsConfig cors;
    // "10/s by subject", "100/10s by address before auth": see RateLimitSpec.
    QStringList rateLimits;
    HeaderRulesConfig requestHeaders;  // on what the upstream receives
    HeaderRulesConfig responseHeaders; // on every answer, the gateway's refusals included

    bool operator==(const RouteConfig &) const = default;
};

} // namespace Tokengate
