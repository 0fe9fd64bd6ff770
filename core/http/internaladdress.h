// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QHostAddress>
#include <QString>

namespace Tokengate {

// Addresses that hand out cloud credentials or reach the host itself: a client-named upstream
// must not lead there, whether by name, by a literal, or by what a name resolves to.
// 169.254.0.0/16, fe80::/10, the metadata services' well-known addresses, and IPv4 addresses
// of those kinds reached through an IPv6 translator or tunnel.
bool isInternalAddress(const QHostAddress &address);
bool isMetadataHostName(const QString &host);

} // namespace Tokengate
