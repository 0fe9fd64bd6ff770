// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QString>

namespace Tokengate {

// The optional shared second cache tier: where the Redis server is and how long to wait for
// it. Off while `url` is empty. A value type inside CacheSettings, compared on reload.
struct RedisSettings {
    QString url;         // redis://[user[:password]@]host[:port][/database]; rediss:// is refused
    QString password;    // secret: AUTH password; wins over one in the URL
    QString passwordRef; // the config file's reference for it (see IntrospectionConfig)
    int database = -1;   // SELECT this; -1: the URL's /N, else 0
    QString keyPrefix = QStringLiteral("tokengate:");
    int timeoutMs = 250; // each command, connecting included; then the IdP is asked instead

    bool enabled() const { return !url.isEmpty(); }
    bool operator==(const RedisSettings &) const = default;
};

} // namespace Tokengate
