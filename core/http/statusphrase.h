// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>

namespace Tokengate {

// The standard reason phrase for a status code ("Bad Gateway"), or "Unknown".
QByteArray statusPhrase(int status);

} // namespace Tokengate
