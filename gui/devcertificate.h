// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/server/selfsignedcertificate.h"

#include <QString>

#include <optional>

namespace Tokengate {

// The desktop app's "local development certificate": self-signed for localhost, 127.0.0.1 and
// ::1, valid a year, kept in the app's data folder (tls/dev.crt, and tls/dev.key readable by
// the user alone), so that an SPA that insists on https can be tried against the gateway.
namespace DevCertificate {
// Makes a new one in `dir` (the app's data folder when empty), replacing an older one.
std::optional<CertificateFiles> create(QString *error, const QString &dir = {});
// How to make clients trust `certFile`, as plain text with commands to copy.
QString trustInstructions(const QString &certFile);
} // namespace DevCertificate

} // namespace Tokengate
