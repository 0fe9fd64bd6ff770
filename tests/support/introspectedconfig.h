// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "tests/support/gatewayfixture.h"

#include "core/devidp/demoidp.h"

namespace Tokengate::Test {

// Points `c` at `idp` for introspection, with the demo IdP's own client.
inline void introspectWith(Config &c, const DemoIdp &idp) {
    c.auth = AuthMode::Introspection;
    c.introspection.url = idp.introspectionUrl();
    c.introspection.clientId = QString::fromLatin1(idp.clientId());
    c.introspection.clientSecret = QString::fromLatin1(idp.clientSecret());
}

// A test gateway that introspects with `idp` and signs the identity it forwards as a JWT in
// `jwtHeader`, so an upstream can tell the gateway's identity from a client's.
inline Config introspectedConfig(const QString &upstreamUrl, const DemoIdp &idp,
                                 const char *jwtHeader) {
    Config c = testConfig(upstreamUrl);
    introspectWith(c, idp);
    c.jwt.headerName = QString::fromLatin1(jwtHeader);
    c.jwt.secret = QStringLiteral("a-test-secret-long-enough-for-hs256");
    return c;
}

} // namespace Tokengate::Test
