// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/config.h"

#include <QStringList>

namespace Tokengate {

// What differs from `before` to `after`, one line per setting in the config file's terms,
// from the settings tables: "cache.ttl: 60 → 45", "routes.orders.path_prefix: /a/ → /b/",
// "routes.health: added", "jwt.secret: changed" (never a secret's value).
QStringList configChanges(const Config &before, const Config &after);

} // namespace Tokengate
