// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/config.h"

namespace Tokengate {

// The effective configuration as YAML in the config file's schema (tokengated
// --check-config). Secrets are never printed: a secret from the file shows its reference
// (env:NAME, file:/path, keychain:NAME), which applyConfigFile reads back; one from another
// source shows "<set>" or "<not set>".
QString describeConfig(const Config &config);

} // namespace Tokengate
