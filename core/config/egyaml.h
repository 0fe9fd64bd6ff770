// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QStringList>

#include <yaml-cpp/yaml.h>

namespace Tokengate::EgYaml {

// A mapping's value, or an undefined node: yaml-cpp throws on a missing key's children.
inline YAML::Node child(const YAML::Node &map, const char *key) {
    if (!map.IsDefined() || !map.IsMap())
        return YAML::Node(YAML::NodeType::Undefined);
    const YAML::Node value = map[key];
    return value.IsDefined() ? value : YAML::Node(YAML::NodeType::Undefined);
}

inline QString str(const YAML::Node &n) {
    return n.IsScalar() ? QString::fromStdString(n.Scalar()) : QString();
}

// Express Gateway accepts a single value wherever a list is allowed.
inline QStringList strings(const YAML::Node &n) {
    QStringList out;
    if (n.IsScalar())
        out << str(n);
    else if (n.IsSequence())
        for (const auto &item : n)
            out << str(item);
    return out;
}

} // namespace Tokengate::EgYaml
