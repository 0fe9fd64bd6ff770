// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/config.h"
#include "core/pipeline/routesettings.h"

namespace Tokengate {

// The config's routes as the pipeline runs them; `config` must have passed validate().
QList<RouteSettings> compileRoutes(const Config &config);
// Every problem with the routes (names, patterns, endpoints, upstreams), one line each.
QStringList validateRoutes(const Config &config);
// How problems name a route: `routes[1] "api": `.
QString routeLabel(const RouteConfig &route, qsizetype index);
// Route settings that work but weaken security.
QStringList routeWarnings(const Config &config);

} // namespace Tokengate
