// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/config.h"

namespace Tokengate {

enum class ConfigDump {
    Everything, // every setting (tokengated --check-config)
    Changes,    // only what differs from the defaults (a file written for a person to edit)
};

// The configuration as YAML in the config file's schema, from the settings tables. Secrets are
// never printed: a secret from the file shows its reference (env:NAME, file:/path,
// keychain:NAME), which applyConfigFile reads back; one from another source shows "<set>" or
// "<not set>".
QString describeConfig(const Config &config, ConfigDump what = ConfigDump::Everything);

} // namespace Tokengate
