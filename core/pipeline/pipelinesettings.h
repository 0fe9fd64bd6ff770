// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/introspectionflights.h"
#include "core/cache/introspectioncache.h"
#include "core/cache/revocationlist.h"
#include "core/http/upstreampool.h"
#include "core/pipeline/destinationpolicy.h"
#include "core/pipeline/loopguard.h"
#include "core/pipeline/router.h"
#include "core/pipeline/routesettings.h"
#include "core/pipeline/tunnelslots.h"
#include "core/ratelimit/ratelimitclient.h"

#include <memory>
#include <optional>

namespace Tokengate {

class JwtSigner;
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
    std::shared_ptr<RedisTier> redis;                  // the shared second tier; null when off
    std::shared_ptr<const RevocationList> revocations; // the operator's; null: none
    std::shared_ptr<TunnelSlots> tunnels = std::make_shared<TunnelSlots>();
    const Clock *clock = &SystemClock::instance();
    std::shared_ptr<UpstreamPoolCounters> poolCounters;
    std::shared_ptr<RateLimiter> rateLimiter;          // the routes' buckets, kept across reloads
    const Clock *rateClock = &SteadyClock::instance(); // never steps back with the wall clock
    std::shared_ptr<RateLimitStats> rateLimitStats = std::make_shared<RateLimitStats>();
    bool decisionTrace = true;  // fill RequestEvent::trace
    QStringList requiredScopes; // all of them, judged on every request, cached or not
    bool allowMissingToken = false;
    QByteArray jwtHeader; // empty: no JWT
    QByteArray jwtSecret;
    int jwtLifetimeSecs = 3600;
    bool jwtPassthrough = false;
    // RS256/ES256 (or HS256 with a kid); null: HS256 with jwtSecret, unless the config asks
    // for another algorithm, whose key failed to load: then no JWT rather than a weaker one.
    std::shared_ptr<const JwtSigner> jwtSigner;
    bool jwtNeedsSigner = false;
    QMap<QString, QString> jwtClaims; // extra JWT claim -> introspection claim

    // Routes (Config::routes). Empty: one implicit route from the settings above, exactly
    // the behaviour without a routing table.
    QList<RouteSettings> routes;
    Router router;
    // The named endpoints after `introspection`: a route's index i > 0 is entry i - 1.
    QList<IntrospectionEndpoint> moreIntrospections;
    QByteArray requestIdHeader; // with routes: kept when well-formed, else generated
    // This process's listeners: an upstream among them is a loop. Null: none known.
    std::shared_ptr<const OwnListeners> ownListeners;
};

} // namespace Tokengate
