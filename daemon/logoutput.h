// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QString>

namespace Tokengate {

// Sends every Qt log message to stderr as one line: "text" for people, "json" (one object
// per line: time, level, category, message) for log shippers. Thread-safe: workers log too.
void installLogOutput(const QString &format);

// LOG_LEVEL as introspection-microgateway knows it, applied to our logging categories.
void applyLogLevel(const QString &level);

} // namespace Tokengate
