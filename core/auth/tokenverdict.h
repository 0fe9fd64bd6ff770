// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/base/reason.h"
#include "core/cache/introspectionresult.h"

namespace Tokengate {

// Whether an introspection answer lets the request through, judged on every request (the
// IdP's "active" alone is not enough: a token past its exp is refused even if an IdP or a
// cache still says active).
struct TokenVerdict {
    bool allowed = false;
    Reason reason = Reason::None; // when refused
    const char *why = "";         // for the log, never containing the token
};

// `requiredScopes`: every one must be in the result's space-separated scope (RFC 6749 3.3).
TokenVerdict judgeToken(const IntrospectionResult &result, qint64 nowSecs,
                        const QStringList &requiredScopes = {});

// RFC 8705 section 3: a token whose confirmation claim (cnf) holds a certificate thumbprint
// (x5t#S256) is good only from a client that showed that certificate in its TLS handshake.
// A cnf naming another proof of possession (a DPoP key, jkt) is refused: the gateway cannot
// check it, and such a token must not pass as a bearer token. `certificateSha256`: the raw
// SHA-256 of the client's certificate; empty when it showed none.
TokenVerdict judgeCertificateBinding(const IntrospectionResult &result,
                                     QByteArrayView certificateSha256);

} // namespace Tokengate
