// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/pipeline/routeconfig.h"

#include <QStringList>

#include <optional>

namespace YAML {
class Node;
}

namespace Tokengate {

// Express Gateway's cors policy action (the options of the npm cors module it wraps) as a
// route's CorsConfig; nullopt when it turns CORS off or cannot be converted. What is not
// honoured goes to `notConverted`, each entry "where: why"; what is invalid to `errors`.
std::optional<CorsConfig> convertEgCors(const YAML::Node &action, const QString &where,
                                        QStringList &notConverted, QStringList &errors);

} // namespace Tokengate
