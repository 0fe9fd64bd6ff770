// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/accesstokenjwt.h"
#include "core/auth/introspectionclient.h"
#include "core/cache/revocationlist.h"
#include "core/config/config.h"
#include "core/pipeline/routesettings.h"

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
    bool anonymous = false; // refused, and pass_through forwards the request without identity
    // What the gateway answers this request: 200 standing for the upstream's answer (allowed
    // or forwarded without identity); 0 when the bench cannot tell.
    int status = 0;
};

// The request the bench judges a token for, and the gateway it would go to.
struct BenchRequest {
    QString method = QStringLiteral("GET");
    QString target = QStringLiteral("/"); // path and query
    QString host;                         // empty: the gateway's own
    QString listenUrl;                    // the running gateway's, e.g. http://127.0.0.1:8080
};

// The route a request takes, by the gateway's own router (path normalisation included); without
// routes, the one implicit route of the top-level settings.
struct BenchRoute {
    bool routed = false;   // false: refused before any token is looked at; `summary` says why
    bool curlable = false; // a request curl can send (a path, a method name)
    bool needsDestination = false; // the Destination header names the upstream
    Reason refusal = Reason::None; // why the gateway answers before any token, when !routed
    QString summary;               // which route takes it, or why none does
    RouteSettings route;           // as the pipeline runs it
};
BenchRoute benchRoute(const Config &config, const BenchRequest &request);

// Judges `answer` (from IdpProbe::introspect, or a local JWT validation) as the data path does
// on `route`: active, exp/nbf, the required scopes, the revocations made at the gateway, then
// the route's policy (its scopes, audiences, issuers, claim rules), pass_through included;
// and mints the JWT with the running config's key and lifetime.
TestBenchReport evaluateToken(const IntrospectionOutcome &answer, const Config &config,
                              const BenchRoute &route, const BenchRequest &request,
                              const QByteArray &token, qint64 nowSecs,
                              const RevocationList *revocations = nullptr);
// Before any token is looked at: a request no route takes, or one on a public route.
TestBenchReport evaluateWithoutToken(const BenchRoute &route, const BenchRequest &request,
                                     const QByteArray &token);

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

// A shell-safe curl command sending `request` through the gateway as typed, with `token` where
// the route looks first (the Bearer header when it names no source).
QString curlCommand(const BenchRequest &request, const QByteArray &token, const BenchRoute &route);

// The route's token extraction on the bench's request: a token the gateway would not read
// (bytes a token cannot hold, a second access_token typed into the query) is refused as it
// would be, before any IdP is asked. nullopt: the gateway reads exactly `token`.
std::optional<TestBenchReport> refuseUnreadableToken(const BenchRoute &route,
                                                     const BenchRequest &request,
                                                     const QByteArray &token);

} // namespace Tokengate
