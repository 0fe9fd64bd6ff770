// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QSslCertificate>
#include <QString>

#include <memory>

#include <openssl/types.h>

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

// A certificate authority for client certificates (mTLS): a P-256 root, or an intermediate
// under another authority, that issues certificates of any purpose, names and validity.
class TestAuthority {
public:
    // A root named `commonName`, its certificate in <dir>/<stem>.crt.
    static TestAuthority root(const QString &dir, const QString &stem, const QString &commonName);
    // An intermediate CA signed by this one.
    TestAuthority intermediate(const QString &stem, const QString &commonName) const;
    // A certificate signed by this authority. `san`: OpenSSL's syntax ("DNS:a,URI:b");
    // `purpose`: its extendedKeyUsage ("clientAuth", "serverAuth"); `chained`: the cert file
    // also holds this authority's certificate after the leaf (for an intermediate).
    TestCertificate issue(const QString &stem, const QString &commonName, const QString &san,
                          const char *purpose = "clientAuth", int fromDays = -1, int toDays = 90,
                          bool chained = false) const;

    QString certFile;
    QSslCertificate certificate;
    bool isNull() const { return certificate.isNull(); }

private:
    static TestAuthority makeAuthority(const QString &dir, const QString &stem,
                                       const QString &commonName, const TestAuthority *parent);
    QString m_dir;
    std::shared_ptr<EVP_PKEY> m_key;
};

// The first bytes an OpenSSL client sends (its ClientHello), asking for `serverName` (none if
// empty).
QByteArray openSslClientHello(const QByteArray &serverName);

} // namespace Tokengate::Test
