// SPDX-License-Identifier: Apache-2.0
#include "core/observe/logging.h"

namespace Tokengate {
Q_LOGGING_CATEGORY(lcServer, "tokengate.server")
Q_LOGGING_CATEGORY(lcProxy, "tokengate.proxy")
Q_LOGGING_CATEGORY(lcConfig, "tokengate.config")
Q_LOGGING_CATEGORY(lcAuth, "tokengate.auth")
} // namespace Tokengate
