// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace Tokengate {

// Tells systemd (Type=notify) about READY=1, RELOADING=1, STOPPING=1 and STATUS=... lines.
// A no-op when not started by systemd, or when built without libsystemd.
void notifySystemd(const char *state);

} // namespace Tokengate
