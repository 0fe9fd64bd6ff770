// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/cache/redissettings.h"

#include <QtGlobal>

namespace Tokengate {

// How long introspection answers are remembered. Whole seconds, as Express Gateway's `ttl`.
struct CacheSettings {
    bool enabled = false;
    int ttlSecs = 60;        // 0: only the token's exp bounds an entry
    int negativeTtlSecs = 5; // inactive answers; 0: not remembered
    int staleGraceSecs = 0;  // IdP down: serve an expired-by-TTL entry this long (never past exp)
    qint64 maxEntries = 100'000;
    qint64 maxBytes = 256LL << 20;
    RedisSettings redis; // the shared second tier; off unless its url is set

    bool operator==(const CacheSettings &) const = default;
};

} // namespace Tokengate
