// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace Tokengate::Reason {

// Stable ids of why a request did not get the upstream's answer; they appear in response
// bodies, the access log and (later) metrics, so never rename one.
inline constexpr char None[] = "";
inline constexpr char BadRequest[] = "bad_request";
inline constexpr char HeaderTooLarge[] = "header_too_large";
inline constexpr char TargetTooLong[] = "target_too_long";
inline constexpr char BodyTooLarge[] = "body_too_large";
inline constexpr char RequestTimeout[] = "request_timeout";
inline constexpr char MethodNotAllowed[] = "method_not_allowed";
inline constexpr char VersionNotSupported[] = "version_not_supported";
inline constexpr char ExpectationFailed[] = "expectation_failed";
inline constexpr char TransferCodingUnsupported[] = "transfer_coding_unsupported";
inline constexpr char TooManyConnections[] = "too_many_connections";
inline constexpr char UpstreamUnreachable[] = "upstream_unreachable";
inline constexpr char UpstreamReset[] = "upstream_reset";
inline constexpr char UpstreamTimeout[] = "upstream_timeout";
inline constexpr char UpstreamBadResponse[] = "upstream_bad_response";
inline constexpr char UpstreamTls[] = "upstream_tls";
inline constexpr char ClientDisconnected[] = "client_disconnected";
inline constexpr char ShuttingDown[] = "shutting_down";
// Authentication (route -> token -> introspect -> decide)
inline constexpr char DestinationInvalid[] = "destination_invalid";
inline constexpr char DestinationForbidden[] = "destination_forbidden";
inline constexpr char TokenMissing[] = "token_missing";
inline constexpr char TokenInactive[] = "token_inactive";
inline constexpr char TokenExpired[] = "token_expired";
inline constexpr char TokenNotYetValid[] = "token_not_yet_valid";
inline constexpr char IdpUnreachable[] = "idp_unreachable";
inline constexpr char IdpTimeout[] = "idp_timeout";
inline constexpr char IdpRejectedClient[] = "idp_rejected_client";
inline constexpr char IdpBadResponse[] = "idp_bad_response";
inline constexpr char IdpTls[] = "idp_tls";
inline constexpr char IdpOverloaded[] = "idp_overloaded";
inline constexpr char ScopeInsufficient[] = "scope_insufficient";
// Routes and their policies
inline constexpr char RouteNotFound[] = "route_not_found";
inline constexpr char PathNotCanonical[] = "path_not_canonical";
inline constexpr char PathMalformed[] = "path_malformed";
inline constexpr char PathEscapedSlash[] = "path_escaped_slash";
inline constexpr char PathParameter[] = "path_parameter";
inline constexpr char AudienceMismatch[] = "audience_mismatch";
inline constexpr char IssuerMismatch[] = "issuer_mismatch";
inline constexpr char ClaimRuleFailed[] = "claim_rule_failed";
// Credentials and loops (issue 15)
inline constexpr char TokenMalformed[] = "token_malformed";
inline constexpr char DestinationLoop[] = "destination_loop";
inline constexpr char LoopDetected[] = "loop_detected";

} // namespace Tokengate::Reason
