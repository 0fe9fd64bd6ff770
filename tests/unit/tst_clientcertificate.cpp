// SPDX-License-Identifier: Apache-2.0
// What the gateway makes of a client's TLS certificate before any of it reaches an upstream
// as a header: the client chose every byte of the names in it.
#include "core/http/clientcertificate.h"
#include "tests/support/testcertificate.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

bool safeAsHeaderValue(const QByteArray &value) {
    return std::all_of(value.cbegin(), value.cend(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

} // namespace

class TestClientCertificate : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

private slots:
    // DER that Qt accepts but OpenSSL cannot copy (found by fuzz_client_certificate): the
    // QSslCertificate is not null, yet has no handle, and inspecting it dereferenced null, a
    // crash any client could cause where client certificates are asked for. As leaf or as an
    // intermediate, it is now an unverified certificate that says why, with no names.
    void certificateOpenSslCannotCopyIsRefusedNotRead() {
        QFile file(QStringLiteral(TOKENGATE_SOURCE_DIR
                                  "/fuzz/corpus/client_certificate/unreadable-by-openssl.der"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QSslCertificate odd(file.readAll(), QSsl::Der);
        QVERIFY(!odd.isNull());
        QVERIFY(!odd.handle());
        const TestAuthority ca =
            TestAuthority::root(m_dir.path(), QStringLiteral("ca0"), QStringLiteral("CA 0"));
        const TestCertificate good = ca.issue(QStringLiteral("good"), QStringLiteral("good"), {});
        for (const ClientAuth mode : {ClientAuth::Required, ClientAuth::OptionalNoCa}) {
            const ClientCertificateVerifier verifier(mode, {ca.certificate, odd});
            for (const QList<QSslCertificate> &chain :
                 {QList<QSslCertificate>{odd}, QList<QSslCertificate>{good.certificate, odd}}) {
                const auto c = verifier.inspect(chain);
                QVERIFY(c);
                QVERIFY(!c->verified);
                QCOMPARE(c->problem, QByteArray("the certificate chain cannot be read"));
                QVERIFY(c->subject.isEmpty());
                QVERIFY(clientCertificateValue(c.get(), ClientCertificateField::Subject).isEmpty());
            }
            // The CA list may hold such a certificate too: the others still verify.
            const auto c = verifier.inspect({good.certificate});
            QCOMPARE(c->verified, mode == ClientAuth::Required);
        }
    }

    // A line break in a name would let the client write a header of its own upstream;
    // non-ASCII letters are escaped as RFC 4514 says.
    void namesCannotSplitAHeader() {
        const TestAuthority ca =
            TestAuthority::root(m_dir.path(), QStringLiteral("ca"), QStringLiteral("CA"));
        const TestCertificate odd =
            ca.issue(QStringLiteral("odd"), QStringLiteral("Zo\u00eb\r\nX-Admin: yes"),
                     QStringLiteral("URI:https://app.example/%41?a=b,DNS:odd.example"));
        QVERIFY(!odd.isNull());
        const ClientCertificateVerifier verifier(ClientAuth::Required, {ca.certificate});
        const auto c = verifier.inspect({odd.certificate});
        QVERIFY(c);
        QVERIFY2(c->verified, c->problem.constData());
        for (const auto field : {ClientCertificateField::Subject, ClientCertificateField::Issuer,
                                 ClientCertificateField::San, ClientCertificateField::Serial,
                                 ClientCertificateField::Sha256, ClientCertificateField::Cert,
                                 ClientCertificateField::Verify}) {
            const QByteArray value = clientCertificateValue(c.get(), field);
            QVERIFY(!value.isEmpty());
            QVERIFY2(safeAsHeaderValue(value), value.constData());
        }
        QCOMPARE(c->subject, QByteArray("CN=Zo\\C3\\AB\\0D\\0AX-Admin: yes,O=Tokengate tests"));
        // "%" and "," inside one name are escaped: the list's own separators stay unambiguous.
        QCOMPARE(c->san, QByteArray("URI:https://app.example/%2541?a=b, DNS:odd.example"));
    }

    // Whatever a certificate that does not verify claims is never sent; its fingerprint is.
    void unverifiedCertificatesGiveNoNames() {
        const TestAuthority ca =
            TestAuthority::root(m_dir.path(), QStringLiteral("ca2"), QStringLiteral("CA 2"));
        const TestAuthority other =
            TestAuthority::root(m_dir.path(), QStringLiteral("other"), QStringLiteral("Other"));
        const TestCertificate stranger =
            other.issue(QStringLiteral("stranger"), QStringLiteral("admin"), {});
        const ClientCertificateVerifier verifier(ClientAuth::Optional, {ca.certificate});
        const auto c = verifier.inspect({stranger.certificate});
        QVERIFY(c && !c->verified);
        QVERIFY(clientCertificateValue(c.get(), ClientCertificateField::Subject).isEmpty());
        QVERIFY(clientCertificateValue(c.get(), ClientCertificateField::San).isEmpty());
        QVERIFY(clientCertificateValue(c.get(), ClientCertificateField::Issuer).isEmpty());
        QVERIFY(clientCertificateValue(c.get(), ClientCertificateField::Serial).isEmpty());
        QCOMPARE(clientCertificateValue(c.get(), ClientCertificateField::Sha256).size(), 64);
        QVERIFY(clientCertificateValue(c.get(), ClientCertificateField::Verify)
                    .startsWith("FAILED:unable to get local issuer certificate"));
        QCOMPARE(clientCertificateValue(nullptr, ClientCertificateField::Verify),
                 QByteArray("NONE"));
        QVERIFY(clientCertificateValue(nullptr, ClientCertificateField::Sha256).isEmpty());
        QVERIFY(!verifier.inspect({}));
    }

    // A certificate the CA issued to a server is not a client's.
    void serverCertificatesAreNotClients() {
        const TestAuthority ca =
            TestAuthority::root(m_dir.path(), QStringLiteral("ca3"), QStringLiteral("CA 3"));
        const TestCertificate server =
            ca.issue(QStringLiteral("srv"), QStringLiteral("srv"), {}, "serverAuth");
        const TestCertificate client =
            ca.issue(QStringLiteral("cli"), QStringLiteral("cli"), {}, "clientAuth");
        const ClientCertificateVerifier verifier(ClientAuth::Required, {ca.certificate});
        QVERIFY(!verifier.inspect({server.certificate})->verified);
        QVERIFY(verifier.inspect({client.certificate})->verified);
    }
};

QTEST_GUILESS_MAIN(TestClientCertificate)
#include "tst_clientcertificate.moc"
