// SPDX-License-Identifier: Apache-2.0
#include "gui/idppresets.h"

namespace Tokengate {

const QList<IdpPreset> &idpPresets() {
    static const QList<IdpPreset> presets = {
        {QStringLiteral("Keycloak"), QStringLiteral("https://<keycloak-host>/realms/<realm>"),
         TokenValidation::Introspect, QString(),
         QStringLiteral(
             "In the realm, create an OpenID Connect client with Client authentication on "
             "(a confidential client); its Credentials tab has the client secret. Discover then "
             "finds the introspection endpoint. Its access tokens are JWTs: for validation "
             "jwt_then_introspect, add an Audience mapper to the client's dedicated scope and "
             "enter that audience here. Keycloak before version 17 serves realms under "
             "/auth/realms/.")},
        {QStringLiteral("Auth0"), QStringLiteral("https://<tenant>.auth0.com/"),
         TokenValidation::Jwt, QString(),
         QStringLiteral(
             "Auth0 has no introspection endpoint, so tokens are validated here with the "
             "tenant's keys. Create an API (Applications > APIs): its Identifier is the "
             "audience, and clients must ask for it (audience=...) to get a JWT access token. "
             "Use your tenant's domain as Auth0 shows it (often <tenant>.<region>.auth0.com) "
             "and keep the trailing /: Auth0's tokens carry it.")},
        {QStringLiteral("Okta"), QStringLiteral("https://<org>.okta.com/oauth2/default"),
         TokenValidation::JwtThenIntrospect, QStringLiteral("api://default"),
         QStringLiteral(
             "Uses the default custom authorization server (Security > API). Create an app "
             "integration of type API Services (or Web) with a client secret for "
             "introspection. Its audience is api://default unless you changed it there.")},
        {QStringLiteral("Microsoft Entra ID"),
         QStringLiteral("https://login.microsoftonline.com/<tenant-id>/v2.0"), TokenValidation::Jwt,
         QStringLiteral("<api-client-id>"),
         QStringLiteral(
             "Entra ID has no introspection endpoint for your APIs: tokens are validated here. "
             "Register an app for your API, Expose an API, and set accessTokenAcceptedVersion "
             "to 2 in its manifest (else tokens carry the v1 issuer "
             "https://sts.windows.net/<tenant-id>/). Version 2 tokens name the API's "
             "Application (client) ID as their audience.")},
        {QStringLiteral("Google"), QStringLiteral("https://accounts.google.com"),
         TokenValidation::Jwt, QStringLiteral("<client-id>.apps.googleusercontent.com"),
         QStringLiteral(
             "Google has no introspection endpoint and its access tokens are opaque: only its "
             "ID tokens can be checked, with your OAuth client ID as the audience. Good for "
             "trying a local app signed in with Google; for an API, prefer an IdP that issues "
             "access tokens for it. Some Google ID tokens carry the issuer without https:// "
             "(accounts.google.com): those are refused.")},
        {QStringLiteral("Generic OpenID Connect"), QStringLiteral("https://<idp-host>"),
         TokenValidation::Introspect, QString(),
         QStringLiteral(
             "Enter the issuer and press Discover: the endpoint comes from its "
             "/.well-known/openid-configuration. Create a confidential client there that may "
             "call the introspection endpoint (RFC 7662).")},
    };
    return presets;
}

std::pair<qsizetype, qsizetype> firstPlaceholder(const QString &text) {
    const qsizetype start = text.indexOf(u'<');
    if (start < 0)
        return {-1, 0};
    const qsizetype end = text.indexOf(u'>', start);
    return end < 0 ? std::pair<qsizetype, qsizetype>{-1, 0}
                   : std::pair<qsizetype, qsizetype>{start, end - start + 1};
}

} // namespace Tokengate
