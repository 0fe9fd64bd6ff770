// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QString>
#include <QStringList>

namespace Tokengate {

// How we authenticate to the IdP's introspection endpoint.
enum class ClientAuthMethod {
    ClientSecretBasic,  // RFC 6749 2.3.1 Authorization: Basic (the default)
    ClientSecretPost,   // client_id and client_secret in the form body
    AuthorizationValue, // a verbatim Authorization header value (Express Gateway's)
    PrivateKeyJwt,      // RFC 7523 client assertion signed with privateKeyFile
    // RFC 8705 section 2: the TLS client certificate (tlsClientCertFile) authenticates us,
    // client_id goes in the form body. The IdP checks it against a CA, or (self-signed) the
    // certificate registered for the client; the gateway sends the same either way.
    TlsClientAuth,
    SelfSignedTlsClientAuth,
};

// How an endpoint's tokens are judged: by the IdP (RFC 7662), or by the gateway itself from the
// issuer's published keys (RFC 9068 JWT access tokens), or both in turn.
enum class TokenValidation {
    Introspect,        // every token asked about (then cached)
    Jwt,               // JWTs validated locally; the IdP is never asked about them
    JwtThenIntrospect, // validated locally first; only those that pass are introspected
};

// The IdP's RFC 7662 endpoint and how we authenticate to it.
struct IntrospectionConfig {
    QString name = QStringLiteral("default"); // routes refer to it by this name
    QString url;
    QString issuer; // when url is empty: discover introspection_endpoint (RFC 8414 / OIDC)
    ClientAuthMethod authMethod = ClientAuthMethod::ClientSecretBasic;
    QString clientId;
    QString clientSecret;      // secret: sent as client_secret_basic with clientId
    QString authorization;     // secret: a verbatim Authorization header value instead
    QString privateKeyFile;    // private_key_jwt: PEM key signing the client assertion
    QString keyId;             // its "kid"
    QString assertionAudience; // private_key_jwt: the assertion's "aud"; empty: the endpoint URL
    // TLS towards this IdP: CAs trusted besides the system's (empty: upstream.tls.ca_file's),
    // and the client certificate and key for mutual TLS (never the upstream's).
    QString tlsCaFile;
    QString tlsClientCertFile;
    QString tlsClientKeyFile;
    // Where the config file said the secrets come from ("env:NAME", "file:/path",
    // "keychain:NAME"); shown by --check-config instead of the value. Cleared when another
    // source (environment, command line) sets the secret itself.
    QString clientSecretRef;
    QString authorizationRef;
    int timeoutMs = 5'000;
    int maxConnections = 32; // per worker
    int maxWaiting = 256;    // per worker: calls waiting for one of those; beyond, 503
    TokenValidation validation = TokenValidation::Introspect;
    QString jwksUri;       // the JWT modes; empty: discovered from the issuer (jwks_uri)
    QStringList audiences; // the JWT modes: a token's aud must name one of these
    int leewaySecs = 30;   // the JWT modes: clock skew allowed on exp, nbf and iat
    bool requireAtJwt = false;
    bool introspectOpaque = false; // jwt: tokens that are not JWTs are introspected
    int jwksRefreshSecs = 300;     // without a Cache-Control max-age on the JWK Set
    int jwksRefetchSecs = 10;      // the least time between two JWK Set fetches
    bool signedAnswers = false;    // RFC 9701: ask for, and believe only, signed answers

    // Whether the issuer's JWK Set is needed (JWT validation, signed answers).
    bool needsKeys() const { return validation != TokenValidation::Introspect || signedAnswers; }

    // Whether some tokens are sent to the introspection endpoint (so it needs a url).
    bool asksIdp() const { return validation != TokenValidation::Jwt || introspectOpaque; }

    bool operator==(const IntrospectionConfig &) const = default;
};

} // namespace Tokengate
