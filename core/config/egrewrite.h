// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QStringList>

#include <optional>

namespace YAML {
class Node;
}

namespace Tokengate {

// A prefix rewrite: `strip` at the start of the path is replaced by `rewrite`.
struct EgPrefixRewrite {
    QString strip;
    QString rewrite;
};

// One step of Express Gateway's rewrite policy (its condition and action) as a prefix
// rewrite, where it is one: regexpmatch "^/js/(.*)$" to "/src/js/$1", or pathmatch
// "/api/:rest*" to "/api/v1/:rest". Anything else (other expressions, redirect) goes to
// `notConverted` ("where: why").
std::optional<EgPrefixRewrite> convertEgRewrite(const YAML::Node &condition,
                                                const YAML::Node &action, const QString &where,
                                                QStringList &notConverted);

} // namespace Tokengate
