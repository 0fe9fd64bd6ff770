// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/pipeline/routeconfig.h"

#include <QStringList>

namespace YAML {
class Node;
}

namespace Tokengate {

// The header parts of Express Gateway's headers, request-transformer and response-transformer
// policies (`policy`) as a route's header rules, added to `request` and `response`. Their
// values are JavaScript expressions: string literals, numbers and req.user.<claim> or
// consumer.<claim> are converted; anything else, and bodies, go to `notConverted`, each entry
// "where: why".
void convertEgHeaders(const QString &policy, const YAML::Node &action, const QString &where,
                      HeaderRulesConfig &request, HeaderRulesConfig &response,
                      QStringList &notConverted);

} // namespace Tokengate
