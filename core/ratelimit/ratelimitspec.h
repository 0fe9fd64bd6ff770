// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

namespace Tokengate {

// One rate limit of a route, as written in the config: "<n>/<period> [by <key>] [before
// auth]", e.g. "10/s", "1000/h by client_id", "100/10s by address before auth". A token
// bucket: up to n requests at once, refilled evenly over the period.
struct RateLimitSpec {
    enum class Key {
        Subject,  // the token's sub; without one, the client address
        ClientId, // the token's client_id; without one, the client address
        Claim,    // the token's claim `name`; without it, the client address
        Address,  // the client address (the proxy's X-Forwarded-For entry behind one)
        Header,   // the request header `name`; without it, the client address
        Route,    // one budget for every client of the route
    };
    int limit = 0;
    qint64 periodMs = 0;
    Key key = Key::Subject;
    QString name;            // of the claim or header
    bool beforeAuth = false; // judged before the token is looked at: protects the IdP

    bool needsIdentity() const {
        return key == Key::Subject || key == Key::ClientId || key == Key::Claim;
    }
    // The canonical text (what identifies the limit's counters): "10/1s by subject".
    QString text() const;
};

// nullopt with `why` set when `text` is not a rate limit.
std::optional<RateLimitSpec> parseRateLimit(const QString &text, QString *why);

} // namespace Tokengate
