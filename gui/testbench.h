// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/accesstokenjwt.h"
#include "core/auth/introspectionclient.h"
#include "core/cache/revocationlist.h"
#include "core/config/config.h"

namespace Tokengate {

// What the test bench shows for one token: the IdP's answer, the gateway's decision on it,
// the JWT the upstream would get, and a curl line that sends it through the gateway.
struct TestBenchReport {
    QString decoded;       // the pasted token read as a JWT (decodeJwt); empty: opaque
    QString localCheck;    // under a JWT validation mode: which check failed, or that all held
    QString introspection; // the IdP's JSON, indented, or why there is none
    bool allowed = false;
    QString decision; // "allowed" or the refusal's reason id and explanation
    QByteArray jwt;   // empty: no JWT configured, or refused
    QString jwtHeader;
    QString jwtPayload; // decoded, indented
    QString curl;
};

// Judges `answer` (from IdpProbe::introspect, or a local JWT validation) like the gateway's
// default route does (active, exp/nbf, required scopes, the revocations made at the gateway)
// and mints the JWT with the running config's key and lifetime.
TestBenchReport evaluateToken(const IntrospectionOutcome &answer, const Config &config,
                              const QString &listenUrl, const QByteArray &token, qint64 nowSecs,
                              const RevocationList *revocations = nullptr);

// A pasted token read as a JWT without judging it: header and claims indented, and its time
// claims as dates relative to `nowSecs`. Empty when it is not a JWS (an opaque token).
QString decodeJwt(const QByteArray &token, qint64 nowSecs);

// The default endpoint's own judgement under `validation: jwt` or `jwt_then_introspect`,
// with the keys the running gateway holds: the same call the data path makes.
struct LocalCheck {
    bool needsIdp = false;      // an opaque token (or one valid locally) the IdP must judge
    IntrospectionOutcome local; // otherwise: the outcome to evaluate
    QString summary;            // which check failed, or what held
};
LocalCheck checkLocally(const QByteArray &token, const JwkSet *keys,
                        const IntrospectionConfig &endpoint, qint64 nowSecs);

// A shell-safe curl command sending `token` to `url`.
QString curlCommand(const QString &url, const QByteArray &token, const Config &config);

} // namespace Tokengate
