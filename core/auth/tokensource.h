// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QString>

namespace Tokengate {

// Where a route looks for the client's token, in the order listed.
struct TokenSource {
    enum class Kind {
        BearerHeader, // Authorization: Bearer <token> (RFC 6750 2.1)
        Query,        // ?<name>=<token> (RFC 6750 2.3, "access_token" by default)
        Header,       // <name>: <token>, the whole value
        Cookie,       // Cookie: <name>=<token>
    };
    Kind kind = Kind::BearerHeader;
    QString name;

    bool operator==(const TokenSource &) const = default;
};

} // namespace Tokengate
