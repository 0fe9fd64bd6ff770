// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/introspectioncache.h"
#include "core/auth/introspectionflights.h"
#include "core/proxy/destinationpolicy.h"
#include "core/proxy/upstreampool.h"

#include <optional>

namespace Tokengate {

struct RedisTier;

// What every worker's pipeline needs, built once from a validated Config.
struct PipelineSettings {
    std::optional<UpstreamTarget> upstream; // nullopt: the Destination header names it
    DestinationPolicy destinations;
    UpstreamSettings upstreamSettings;
    bool authenticate = true;
    IntrospectionEndpoint introspection;
    // Shared by every worker (and kept across restarts of the workers).
    std::shared_ptr<IntrospectionCache> cache;
    std::shared_ptr<IntrospectionFlights> flights;
    std::shared_ptr<RedisTier> redis; // the shared second tier; null when off
    const Clock *clock = &SystemClock::instance();
    std::shared_ptr<UpstreamPoolCounters> poolCounters;
    QStringList requiredScopes; // all of them, judged on every request, cached or not
    bool allowMissingToken = false;
    QByteArray jwtHeader; // empty: no JWT
    QByteArray jwtSecret;
    int jwtLifetimeSecs = 3600;
    bool jwtPassthrough = false;
};

} // namespace Tokengate
