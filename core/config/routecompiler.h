// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/config.h"
#include "core/pipeline/routesettings.h"

namespace Tokengate {

// The config's routes as the pipeline runs them; `config` must have passed validate().
QList<RouteSettings> compileRoutes(const Config &config);
// Every problem with the routes (names, patterns, endpoints, upstreams), one line each.
QStringList validateRoutes(const Config &config);
// Route settings that work but weaken security.
QStringList routeWarnings(const Config &config);

} // namespace Tokengate
