// SPDX-License-Identifier: Apache-2.0
#include "daemon/systemdnotify.h"

#ifdef TOKENGATE_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace Tokengate {

void notifySystemd([[maybe_unused]] const char *state) {
#ifdef TOKENGATE_HAVE_SYSTEMD
    sd_notify(0, state);
#endif
}

} // namespace Tokengate
