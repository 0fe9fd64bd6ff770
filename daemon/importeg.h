// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QStringList>

namespace Tokengate {

// `tokengated import-eg FILE`: converts an Express Gateway gateway.config.yml; the tokengate
// YAML goes to stdout, what was not converted to stderr. `args` are the arguments after
// "import-eg". Exit code: 0 everything converted, 1 converted with settings left behind (see
// stderr), 2 nothing converted (usage, unreadable or unusable input).
int runImportEg(const QStringList &args);

} // namespace Tokengate
