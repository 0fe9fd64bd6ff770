// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QLoggingCategory>

namespace Tokengate {
Q_DECLARE_LOGGING_CATEGORY(lcServer)
Q_DECLARE_LOGGING_CATEGORY(lcProxy)
Q_DECLARE_LOGGING_CATEGORY(lcConfig)
Q_DECLARE_LOGGING_CATEGORY(lcAuth)
} // namespace Tokengate
