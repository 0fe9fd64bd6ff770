// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/introspectionclient.h"
#include "core/proxy/destinationpolicy.h"

#include <optional>

namespace Tokengate {

// What every worker's pipeline needs, built once from a validated Config.
struct PipelineSettings {
    std::optional<UpstreamTarget> upstream; // nullopt: the Destination header names it
    DestinationPolicy destinations;
    UpstreamSettings upstreamSettings;
    bool authenticate = true;
    IntrospectionEndpoint introspection;
    bool allowMissingToken = false;
    QByteArray jwtHeader; // empty: no JWT
    QByteArray jwtSecret;
    int jwtLifetimeSecs = 3600;
    bool jwtPassthrough = false;
};

} // namespace Tokengate
