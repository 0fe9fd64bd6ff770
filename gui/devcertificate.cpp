// SPDX-License-Identifier: Apache-2.0
#include "gui/devcertificate.h"

#include <QDir>
#include <QStandardPaths>

namespace Tokengate::DevCertificate {

std::optional<CertificateFiles> create(QString *error, const QString &dir) {
    const QString folder =
        (dir.isEmpty() ? QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) : dir) +
        QStringLiteral("/tls");
    if (!QDir().mkpath(folder)) {
        *error = QStringLiteral("cannot create the folder %1").arg(folder);
        return std::nullopt;
    }
    // Browsers refuse certificates valid for more than about a year even from a local CA.
    return writeSelfSignedCertificate(folder, QStringLiteral("dev"), {QStringLiteral("localhost")},
                                      {QStringLiteral("127.0.0.1"), QStringLiteral("::1")}, -1, 365,
                                      error);
}

QString trustInstructions(const QString &certFile) {
    return QStringLiteral(
               "Self-signed for localhost, 127.0.0.1 and ::1, valid a year. To trust it:\n"
               "• curl: curl --cacert %1 https://localhost:8443/\n"
               "• Debian or Ubuntu system-wide: sudo cp %1 "
               "/usr/local/share/ca-certificates/tokengate-dev.crt && sudo "
               "update-ca-certificates\n"
               "• Chrome and Chromium on Linux: certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n "
               "tokengate-dev -i %1\n"
               "• Firefox: Settings → Privacy & Security → Certificates → View Certificates → "
               "Authorities → Import, then %1\n"
               "• macOS: security add-trusted-cert -r trustRoot -k "
               "~/Library/Keychains/login.keychain-db %1\n"
               "• Windows: certutil -user -addstore Root %1\n"
               "Remove it from those stores when you no longer need it.")
        .arg(certFile);
}

} // namespace Tokengate::DevCertificate
