// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QString>
#include <QStringList>

#include <optional>

namespace Tokengate {

struct CertificateFiles {
    QString certFile;
    QString keyFile;
};

// A self-signed P-256 certificate for `dnsNames` (the first is its common name) and
// `addresses`, valid from `fromDays` to `toDays` counted from now, written as PEM files
// <stem>.crt and <stem>.key (0600) in `dir`: what the demo serves HTTPS with, and what tests
// make certificates of any validity with.
std::optional<CertificateFiles>
writeSelfSignedCertificate(const QString &dir, const QString &stem, const QStringList &dnsNames,
                           const QStringList &addresses, int fromDays, int toDays, QString *error);

} // namespace Tokengate
