// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QStringList>

#include <optional>

namespace YAML {
class Node;
}

namespace Tokengate {

// Express Gateway's rate-limit policy action (express-rate-limit's max, windowMs and EG's
// rateLimitBy template) as a route's rate limit text ("5/60s by address before auth");
// nullopt when it limits nothing (max: 0) or cannot be converted. `beforeAuth`: the policy
// ran before oauth2-introspect. What is not honoured goes to `notConverted` ("where: why").
std::optional<QString> convertEgRateLimit(const YAML::Node &action, const QString &where,
                                          bool beforeAuth, QStringList &notConverted,
                                          QStringList &errors);

} // namespace Tokengate
