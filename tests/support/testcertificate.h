// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QSslCertificate>
#include <QString>

namespace Tokengate::Test {

// A self-signed P-256 certificate for 127.0.0.1, localhost and `name`, written as PEM files
// in `dir` (<stem>.crt, <stem>.key). Made with OpenSSL's API rather than its command line,
// so its validity can lie anywhere in time: `fromDays`/`toDays` count from now.
struct TestCertificate {
    QString certFile;
    QString keyFile;
    QSslCertificate certificate;

    static TestCertificate make(const QString &dir, const QString &stem, const QString &name,
                                int fromDays = -1, int toDays = 90);
    bool isNull() const { return certificate.isNull(); }
};

// The first bytes an OpenSSL client sends (its ClientHello), asking for `serverName` (none if
// empty).
QByteArray openSslClientHello(const QByteArray &serverName);

} // namespace Tokengate::Test
