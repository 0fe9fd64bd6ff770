// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/config.h"

#include <array>
#include <optional>
#include <utility>

namespace Tokengate::ConfigSchema {

// The config file's spelling of enum values, shared by the settings table (reader, options,
// --check-config's writer) so that what one prints the others read.

inline constexpr std::array<std::pair<AuthMode, const char *>, 2> authModes{{
    {AuthMode::Introspection, "introspection"},
    {AuthMode::None, "none"},
}};

inline constexpr std::array<std::pair<ClientAuthMethod, const char *>, 6> authMethods{{
    {ClientAuthMethod::ClientSecretBasic, "client_secret_basic"},
    {ClientAuthMethod::ClientSecretPost, "client_secret_post"},
    {ClientAuthMethod::AuthorizationValue, "authorization_value"},
    {ClientAuthMethod::PrivateKeyJwt, "private_key_jwt"},
    {ClientAuthMethod::TlsClientAuth, "tls_client_auth"},
    {ClientAuthMethod::SelfSignedTlsClientAuth, "self_signed_tls_client_auth"},
}};

inline constexpr std::array<std::pair<TokenValidation, const char *>, 3> tokenValidations{{
    {TokenValidation::Introspect, "introspect"},
    {TokenValidation::Jwt, "jwt"},
    {TokenValidation::JwtThenIntrospect, "jwt_then_introspect"},
}};

inline constexpr std::array<std::pair<JwtAlgorithm, const char *>, 3> jwtAlgorithms{{
    {JwtAlgorithm::HS256, "HS256"},
    {JwtAlgorithm::RS256, "RS256"},
    {JwtAlgorithm::ES256, "ES256"},
}};

inline constexpr std::array<std::pair<ForwardedMode, const char *>, 3> forwardedModes{{
    {ForwardedMode::Replace, "replace"},
    {ForwardedMode::Append, "append"},
    {ForwardedMode::Off, "off"},
}};

inline constexpr std::array<std::pair<EventDispatcher, const char *>, 2> eventDispatchers{{
    {EventDispatcher::Epoll, "epoll"},
    {EventDispatcher::Qt, "qt"},
}};

inline constexpr std::array<std::pair<ClientAuth, const char *>, 4> clientAuths{{
    {ClientAuth::None, "none"},
    {ClientAuth::Optional, "optional"},
    {ClientAuth::Required, "required"},
    {ClientAuth::OptionalNoCa, "optional_no_ca"},
}};

inline constexpr std::array<std::pair<ClientCertificateField, const char *>, 7>
    clientCertificateFields{{
        {ClientCertificateField::Subject, "subject"},
        {ClientCertificateField::Issuer, "issuer"},
        {ClientCertificateField::San, "san"},
        {ClientCertificateField::Sha256, "sha256"},
        {ClientCertificateField::Serial, "serial"},
        {ClientCertificateField::Cert, "cert"},
        {ClientCertificateField::Verify, "verify"},
    }};

inline constexpr std::array<std::pair<ClaimRule::Op, const char *>, 3> claimOps{{
    {ClaimRule::Op::Equals, "equals"},
    {ClaimRule::Op::OneOf, "one_of"},
    {ClaimRule::Op::Contains, "contains"},
}};

// Envoy's path_with_escaped_slashes_action values, lower case.
inline constexpr std::array<std::pair<PathConfig::EscapedSlashes, const char *>, 3>
    escapedSlashActions{{
        {PathConfig::EscapedSlashes::Reject, "reject_request"},
        {PathConfig::EscapedSlashes::Keep, "keep_unchanged"},
        {PathConfig::EscapedSlashes::UnescapeAndForward, "unescape_and_forward"},
    }};

inline constexpr std::array<std::pair<PathConfig::Parameters, const char *>, 3>
    pathParameterActions{{
        {PathConfig::Parameters::RejectIfRerouted, "reject_if_rerouted"},
        {PathConfig::Parameters::Reject, "reject_request"},
        {PathConfig::Parameters::Keep, "keep_unchanged"},
    }};

template<typename Enum, size_t N>
const char *nameOf(const std::array<std::pair<Enum, const char *>, N> &table, Enum value) {
    for (const auto &[v, name] : table) {
        if (v == value)
            return name;
    }
    return "";
}

template<typename Enum, size_t N>
std::optional<Enum> valueOf(const std::array<std::pair<Enum, const char *>, N> &table,
                            const QString &name) {
    for (const auto &[v, n] : table) {
        if (name == QLatin1StringView(n))
            return v;
    }
    return std::nullopt;
}

// "bearer", "query:access_token", "header:X-Token", "cookie:session".
inline QString tokenSourceText(const TokenSource &s) {
    switch (s.kind) {
    case TokenSource::Kind::BearerHeader:
        return QStringLiteral("bearer");
    case TokenSource::Kind::Query:
        return QStringLiteral("query:") + s.name;
    case TokenSource::Kind::Header:
        return QStringLiteral("header:") + s.name;
    case TokenSource::Kind::Cookie:
        return QStringLiteral("cookie:") + s.name;
    }
    return {};
}

} // namespace Tokengate::ConfigSchema
