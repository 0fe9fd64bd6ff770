// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/tokensource.h"
#include "core/http/httpmessage.h"

namespace Tokengate {

// Finds a route's token in a request (RFC 6750 section 2: the Authorization header, the
// access_token query parameter; or a named header, or a cookie) and removes it before the
// request is forwarded, so the upstream never learns a credential it does not need.
class TokenExtractor {
public:
    struct Found {
        QByteArray token; // empty: none
        int source = -1;  // index into the sources: the token's, or the malformed one's
        // A source carries a credential that is not exactly one well-formed token: two
        // Authorization fields, "Bearer\tx", "Bearer a b", an empty or repeated parameter,
        // header or cookie, bytes a token cannot hold. Never guessed at, never "missing".
        bool malformed = false;
    };

    // The first source, in order, holding exactly one well-formed token; `malformed` (and no
    // token) when any source holds a malformed credential, since the upstream or a later
    // hop could read that one instead.
    static Found find(const QList<TokenSource> &sources, const RequestHead &head);

    // Removes what every source could carry: Authorization fields naming Bearer (or empty),
    // the query parameter (from the raw target, other bytes untouched; its name compared
    // percent-decoded), the header (also spelled with '_' for '-'), the cookie pairs.
    static void strip(const QList<TokenSource> &sources, RequestHead &head);

    // "Bearer header", "query parameter access_token", ... for the decision trace.
    static QString describe(const TokenSource &source);

    // The sources of an empty list: the Bearer header only.
    static const QList<TokenSource> &defaultSources();
};

} // namespace Tokengate
