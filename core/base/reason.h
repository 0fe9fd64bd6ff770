// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/base/wordtable.h"

#include <array>
#include <cstddef>
#include <string_view>

namespace Tokengate {

// Why a request did not get the upstream's answer. Everything said about a reason (its id,
// the HTTP status and text of the answer, its kind) is in its row of ReasonTable below, and
// read from there by the answer, the access log, the metrics, the admin plane and the app.
enum class Reason : unsigned char {
    None, // the upstream answered
    BadRequest,
    HeaderTooLarge,
    TargetTooLong,
    BodyTooLarge,
    RequestTimeout,
    MethodNotAllowed,
    VersionNotSupported,
    ExpectationFailed,
    TransferCodingUnsupported,
    TooManyConnections,
    UpstreamUnreachable,
    UpstreamReset,
    UpstreamTimeout,
    UpstreamBadResponse,
    UpstreamTls,
    ClientDisconnected,
    ShuttingDown,
    DestinationInvalid,
    DestinationForbidden,
    TokenMissing,
    TokenInactive,
    TokenExpired,
    TokenNotYetValid,
    IdpUnreachable,
    IdpTimeout,
    IdpRejectedClient,
    IdpBadResponse,
    IdpTls,
    IdpOverloaded,
    ScopeInsufficient,
    RouteNotFound,
    PathNotCanonical,
    PathMalformed,
    PathEscapedSlash,
    PathParameter,
    MethodOverride,
    AudienceMismatch,
    IssuerMismatch,
    ClaimRuleFailed,
    TokenMalformed,
    DestinationLoop,
    LoopDetected,
    CorsOriginRefused,
    CorsRequestRefused,
    RateLimited,
    TokenInvalid,
    TokenRevoked,
    WebSocketNotAllowed,
    TooManyTunnels,
    ClientCertificateRequired,
    TokenCertificateMismatch,
    Count // not a reason: how many there are, for the table's completeness check
};

// The kind of a reason. Questions about a whole kind ("is the IdP down?") are answered from
// it, so a new reason gets the right answers by choosing its category.
enum class ReasonCategory : unsigned char {
    None,          // the upstream answered
    Client,        // the request is malformed, too large or too slow, or the client left
    Limits,        // the gateway's own bounds: open connections, calls waiting for the IdP
    Token,         // no token, or one the IdP does not vouch for now
    Policy,        // the routes and their rules refuse the request
    IdpOutage,     // the IdP could not answer: unreachable, too slow, TLS, not a valid answer
    Configuration, // the IdP answered, refusing our own client credentials
    Upstream,      // the upstream could not be reached or did not answer properly
    Internal,      // the gateway is stopping
};

// How the answer's text/plain body is written.
enum class ReasonBody : unsigned char {
    Tagged,   // the text, or a more precise one from where it was decided, then " (<id>)\n"
    Verbatim, // exactly the text: introspection-microgateway's answers, which clients compare
};

struct ReasonInfo {
    Reason reason;
    // Stable: response bodies, the access log, metrics labels, the app and scripts read it.
    // Never rename one.
    const char *id;
    // Of the answer the reason causes. 0: it never causes one (the client is gone). A reason
    // that ends a response already under way (HttpConnection::abortResponse) cannot change
    // the status sent: the access log then shows that status with this reason.
    int status;
    ReasonCategory category;
    const char *text; // for the client
    ReasonBody body;
    const char *challenge; // WWW-Authenticate (RFC 6750); empty: none
};

namespace ReasonTexts {
// introspection-microgateway's texts (README, "Switching from introspection-microgateway").
inline constexpr char DestinationInvalid[] = "Destination header should be a valid URL";
inline constexpr char TokenMissing[] = "Access Token needed for the given URL";
inline constexpr char TokenInvalid[] = "Access Token is invalid";
inline constexpr char IdpCannotCheck[] = "The identity provider cannot check tokens now";
inline constexpr char TokenNotAccepted[] = "The token is not accepted on this route";
inline constexpr char InvalidTokenChallenge[] = "Bearer error=\"invalid_token\"";
} // namespace ReasonTexts

// clang-format off
inline constexpr std::array<ReasonInfo, std::size_t(Reason::Count)> ReasonTable{{
    {Reason::None, "", 0, ReasonCategory::None, "", ReasonBody::Tagged, ""},
    {Reason::BadRequest, "bad_request", 400, ReasonCategory::Client,
     "Malformed request", ReasonBody::Tagged, ""},
    {Reason::HeaderTooLarge, "header_too_large", 431, ReasonCategory::Client,
     "Request header fields too large", ReasonBody::Tagged, ""},
    {Reason::TargetTooLong, "target_too_long", 414, ReasonCategory::Client,
     "Request line too long", ReasonBody::Tagged, ""},
    {Reason::BodyTooLarge, "body_too_large", 413, ReasonCategory::Client,
     "Request body too large", ReasonBody::Tagged, ""},
    {Reason::RequestTimeout, "request_timeout", 408, ReasonCategory::Client,
     "Timed out reading the request", ReasonBody::Tagged, ""},
    {Reason::MethodNotAllowed, "method_not_allowed", 405, ReasonCategory::Client,
     "Method not allowed", ReasonBody::Tagged, ""},
    {Reason::VersionNotSupported, "version_not_supported", 505, ReasonCategory::Client,
     "HTTP version not supported", ReasonBody::Tagged, ""},
    {Reason::ExpectationFailed, "expectation_failed", 417, ReasonCategory::Client,
     "Only Expect: 100-continue is supported", ReasonBody::Tagged, ""},
    {Reason::TransferCodingUnsupported, "transfer_coding_unsupported", 501,
     ReasonCategory::Client, "Only the chunked transfer coding is supported",
     ReasonBody::Tagged, ""},
    {Reason::TooManyConnections, "too_many_connections", 503, ReasonCategory::Limits,
     "Too many open connections", ReasonBody::Tagged, ""},
    {Reason::UpstreamUnreachable, "upstream_unreachable", 502, ReasonCategory::Upstream,
     "Upstream unreachable", ReasonBody::Tagged, ""},
    {Reason::UpstreamReset, "upstream_reset", 502, ReasonCategory::Upstream,
     "Upstream closed the connection", ReasonBody::Tagged, ""},
    {Reason::UpstreamTimeout, "upstream_timeout", 504, ReasonCategory::Upstream,
     "Upstream timed out", ReasonBody::Tagged, ""},
    {Reason::UpstreamBadResponse, "upstream_bad_response", 502, ReasonCategory::Upstream,
     "Upstream sent a malformed response", ReasonBody::Tagged, ""},
    {Reason::UpstreamTls, "upstream_tls", 502, ReasonCategory::Upstream,
     "TLS handshake with the upstream failed", ReasonBody::Tagged, ""},
    {Reason::ClientDisconnected, "client_disconnected", 0, ReasonCategory::Client,
     "", ReasonBody::Tagged, ""},
    {Reason::ShuttingDown, "shutting_down", 503, ReasonCategory::Internal,
     "The gateway is shutting down", ReasonBody::Tagged, ""},
    {Reason::DestinationInvalid, "destination_invalid", 400, ReasonCategory::Client,
     ReasonTexts::DestinationInvalid, ReasonBody::Verbatim, ""},
    {Reason::DestinationForbidden, "destination_forbidden", 403, ReasonCategory::Policy,
     "Destination not allowed", ReasonBody::Tagged, ""},
    {Reason::TokenMissing, "token_missing", 401, ReasonCategory::Token,
     ReasonTexts::TokenMissing, ReasonBody::Verbatim, "Bearer"},
    {Reason::TokenInactive, "token_inactive", 401, ReasonCategory::Token,
     ReasonTexts::TokenInvalid, ReasonBody::Verbatim, ReasonTexts::InvalidTokenChallenge},
    {Reason::TokenExpired, "token_expired", 401, ReasonCategory::Token,
     ReasonTexts::TokenInvalid, ReasonBody::Verbatim, ReasonTexts::InvalidTokenChallenge},
    {Reason::TokenNotYetValid, "token_not_yet_valid", 401, ReasonCategory::Token,
     ReasonTexts::TokenInvalid, ReasonBody::Verbatim, ReasonTexts::InvalidTokenChallenge},
    {Reason::IdpUnreachable, "idp_unreachable", 503, ReasonCategory::IdpOutage,
     ReasonTexts::IdpCannotCheck, ReasonBody::Tagged, ""},
    {Reason::IdpTimeout, "idp_timeout", 504, ReasonCategory::IdpOutage,
     "The identity provider did not answer in time", ReasonBody::Tagged, ""},
    {Reason::IdpRejectedClient, "idp_rejected_client", 503, ReasonCategory::Configuration,
     ReasonTexts::IdpCannotCheck, ReasonBody::Tagged, ""},
    {Reason::IdpBadResponse, "idp_bad_response", 503, ReasonCategory::IdpOutage,
     ReasonTexts::IdpCannotCheck, ReasonBody::Tagged, ""},
    {Reason::IdpTls, "idp_tls", 503, ReasonCategory::IdpOutage,
     ReasonTexts::IdpCannotCheck, ReasonBody::Tagged, ""},
    {Reason::IdpOverloaded, "idp_overloaded", 503, ReasonCategory::Limits,
     ReasonTexts::IdpCannotCheck, ReasonBody::Tagged, ""},
    // The pipeline adds the route's scopes to the challenge (RFC 6750 section 3).
    {Reason::ScopeInsufficient, "scope_insufficient", 403, ReasonCategory::Policy,
     "The token lacks a required scope", ReasonBody::Tagged,
     "Bearer error=\"insufficient_scope\""},
    {Reason::RouteNotFound, "route_not_found", 404, ReasonCategory::Policy,
     "No route for this request", ReasonBody::Tagged, ""},
    {Reason::PathNotCanonical, "path_not_canonical", 400, ReasonCategory::Client,
     "The path is not in normal form", ReasonBody::Tagged, ""},
    {Reason::PathMalformed, "path_malformed", 400, ReasonCategory::Client,
     "The path is malformed", ReasonBody::Tagged, ""},
    {Reason::PathEscapedSlash, "path_escaped_slash", 400, ReasonCategory::Client,
     "The path holds an escaped slash or a backslash", ReasonBody::Tagged, ""},
    {Reason::PathParameter, "path_parameter", 400, ReasonCategory::Client,
     "The path holds a segment parameter", ReasonBody::Tagged, ""},
    {Reason::MethodOverride, "method_override", 400, ReasonCategory::Client,
     "The method override would take another route", ReasonBody::Tagged, ""},
    {Reason::AudienceMismatch, "audience_mismatch", 403, ReasonCategory::Policy,
     ReasonTexts::TokenNotAccepted, ReasonBody::Tagged, ""},
    {Reason::IssuerMismatch, "issuer_mismatch", 403, ReasonCategory::Policy,
     ReasonTexts::TokenNotAccepted, ReasonBody::Tagged, ""},
    {Reason::ClaimRuleFailed, "claim_rule_failed", 403, ReasonCategory::Policy,
     ReasonTexts::TokenNotAccepted, ReasonBody::Tagged, ""},
    // A credential present but malformed: the microgateway's text, RFC 6750's error.
    {Reason::TokenMalformed, "token_malformed", 401, ReasonCategory::Token,
     ReasonTexts::TokenMissing, ReasonBody::Verbatim, "Bearer error=\"invalid_request\""},
    {Reason::DestinationLoop, "destination_loop", 508, ReasonCategory::Policy,
     "The upstream is this gateway itself", ReasonBody::Tagged, ""},
    {Reason::LoopDetected, "loop_detected", 508, ReasonCategory::Policy,
     "The request has already passed through this gateway", ReasonBody::Tagged, ""},
    {Reason::CorsOriginRefused, "cors_origin_refused", 403, ReasonCategory::Policy,
     "Cross-origin requests from this origin are not allowed", ReasonBody::Tagged, ""},
    {Reason::CorsRequestRefused, "cors_request_refused", 403, ReasonCategory::Policy,
     "The cross-origin request asks for a method or header the route does not allow",
     ReasonBody::Tagged, ""},
    {Reason::RateLimited, "rate_limited", 429, ReasonCategory::Policy,
     "Too many requests: see Retry-After", ReasonBody::Tagged, ""},
    // A JWT judged by the gateway itself: bad signature, unknown key, wrong issuer or audience.
    {Reason::TokenInvalid, "token_invalid", 401, ReasonCategory::Token,
     ReasonTexts::TokenInvalid, ReasonBody::Verbatim, ReasonTexts::InvalidTokenChallenge},
    // Revoked by the operator at the gateway (admin POST /revocations), whatever the IdP says.
    {Reason::TokenRevoked, "token_revoked", 401, ReasonCategory::Token,
     ReasonTexts::TokenInvalid, ReasonBody::Verbatim, ReasonTexts::InvalidTokenChallenge},
    {Reason::WebSocketNotAllowed, "websocket_not_allowed", 403, ReasonCategory::Policy,
     "WebSocket upgrades are not allowed on this route", ReasonBody::Tagged, ""},
    {Reason::TooManyTunnels, "too_many_tunnels", 503, ReasonCategory::Limits,
     "Too many WebSockets open on this route", ReasonBody::Tagged, ""},
    {Reason::ClientCertificateRequired, "client_certificate_required", 403,
     ReasonCategory::Policy, "A verified client certificate is required", ReasonBody::Tagged,
     ""},
    // RFC 8705: the token is bound (cnf.x5t#S256) to a certificate this client did not show.
    {Reason::TokenCertificateMismatch, "token_certificate_mismatch", 401, ReasonCategory::Token,
     ReasonTexts::TokenInvalid, ReasonBody::Verbatim, ReasonTexts::InvalidTokenChallenge},
}};
// clang-format on

constexpr const ReasonInfo &reasonInfo(Reason reason) {
    return ReasonTable[std::size_t(reason)];
}
constexpr const char *reasonId(Reason reason) {
    return reasonInfo(reason).id;
}
constexpr int httpStatus(Reason reason) {
    return reasonInfo(reason).status;
}
constexpr ReasonCategory reasonCategory(Reason reason) {
    return reasonInfo(reason).category;
}

// The one answer to "is the IdP down?", for the stale grace, /readyz, /metrics and the app.
// The IdP refusing our credentials is not an outage: it answered, and waiting will not help.
constexpr bool isIdpOutage(Reason reason) {
    return reasonCategory(reason) == ReasonCategory::IdpOutage;
}

namespace ReasonChecks {

constexpr bool everyRowIsComplete() {
    for (const ReasonInfo &r : ReasonTable) {
        if (!r.id || !r.text || !r.challenge)
            return false;
        if (r.status != 0 && (r.status < 400 || r.status > 599))
            return false;
    }
    return true;
}

} // namespace ReasonChecks

static_assert(WordTable::inEnumOrder(ReasonTable, [](const ReasonInfo &r) { return r.reason; }),
              "each Reason has its row, in enum order");
static_assert(WordTable::idsAreDistinct(
                  ReasonTable, [](const ReasonInfo &r) { return r.id; }, 1),
              "a reason id is missing or used twice");
static_assert(ReasonChecks::everyRowIsComplete(), "a row lacks a text, or its status is no error");
static_assert(std::string_view(reasonId(Reason::None)).empty() && httpStatus(Reason::None) == 0);

} // namespace Tokengate
