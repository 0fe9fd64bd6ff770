// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/introspectionclient.h"
#include "core/config/config.h"

namespace Tokengate {

// What the test bench shows for one token: the IdP's answer, the gateway's decision on it,
// the JWT the upstream would get, and a curl line that sends it through the gateway.
struct TestBenchReport {
    QString introspection; // the IdP's JSON, indented, or why there is none
    bool allowed = false;
    QString decision; // "allowed" or the refusal's reason id and explanation
    QByteArray jwt;   // empty: no JWT configured, or refused
    QString jwtHeader;
    QString jwtPayload; // decoded, indented
    QString curl;
};

// Judges `answer` (from IdpProbe::introspect) like the gateway's default route does (active,
// exp/nbf, required scopes) and mints the JWT with the running config's key and lifetime.
TestBenchReport evaluateToken(const IntrospectionOutcome &answer, const Config &config,
                              const QString &listenUrl, const QByteArray &token, qint64 nowSecs);

// A shell-safe curl command sending `token` to `url`.
QString curlCommand(const QString &url, const QByteArray &token, const Config &config);

} // namespace Tokengate
