// SPDX-License-Identifier: Apache-2.0
// The desktop app's "Discover" and "Test connection" make the gateway's calls, not look-alikes:
// against a loopback IdP that checks client authentication as a real one does (Basic, form,
// an RFC 7523 assertion verified with the client's public key) and serves its metadata over
// http or https, the probe must pass and fail exactly where the gateway would: the issuer
// check of RFC 8414, private_key_jwt, and the TLS trust settings.
#include "tests/support/jwsverifier.h"
#include "tests/support/scriptedupstream.h"
#include "tests/support/widgettyping.h"

#include "core/auth/jwtsigner.h"
#include "core/base/formencoding.h"
#include "gui/endpointseditor.h"
#include "gui/idpprobe.h"
#include "gui/settingsform.h"
#include "gui/settingspage.h"

#include <QComboBox>
#include <QFile>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPointer>
#include <QProcess>
#include <QPushButton>
#include <QSslCertificate>
#include <QSslKey>
#include <QTemporaryDir>
#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

constexpr char ClientId[] = "app";
constexpr char ClientSecret[] = "s3cret+/=";
constexpr char AssertionType[] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// A loopback IdP: metadata for an issuer of the test's choosing, and an introspection endpoint
// that answers {"active":false} to an authenticated client and 401 to anyone else.
class LoopbackIdp {
public:
    // https when `certificate` and `key` (PEM files) are given.
    bool start(const QString &certificate = {}, const QString &key = {}) {
        if (!certificate.isEmpty()) {
            QFile cert(certificate);
            QFile pem(key);
            if (!cert.open(QIODevice::ReadOnly) || !pem.open(QIODevice::ReadOnly))
                return false;
            m_server.sslSetup(QSslCertificate(&cert), QSslKey(&pem, QSsl::Ec));
            m_scheme = QStringLiteral("https");
        }
        m_server.route(QStringLiteral("/.well-known/openid-configuration"), [this] {
            return QHttpServerResponse(QJsonObject{
                {QStringLiteral("issuer"), documentIssuer.isEmpty() ? issuer() : documentIssuer},
                {QStringLiteral("introspection_endpoint"), introspectionUrl()}});
        });
        m_server.route(
            QStringLiteral("/introspect"), QHttpServerRequest::Method::Post,
            [this](const QHttpServerRequest &request) {
                if (!authenticated(request))
                    return QHttpServerResponse(
                        QJsonObject{{QStringLiteral("error"), QStringLiteral("invalid_client")}},
                        QHttpServerResponse::StatusCode::Unauthorized);
                return QHttpServerResponse(QJsonObject{{QStringLiteral("active"), false}});
            });
        m_port = m_server.listen(QHostAddress::LocalHost, 0);
        return m_port != 0;
    }
    QString issuer() const { return QStringLiteral("%1://127.0.0.1:%2").arg(m_scheme).arg(m_port); }
    QString introspectionUrl() const { return issuer() + QStringLiteral("/introspect"); }

    QString documentIssuer;      // empty: the real one
    QJsonObject clientPublicJwk; // set: only an assertion signed with its key is accepted

private:
    bool authenticated(const QHttpServerRequest &request) const {
        const FormFields form = parseForm(request.body());
        if (!clientPublicJwk.isEmpty()) {
            const QByteArray assertion = formValue(form, "client_assertion");
            const QJsonObject claims = jwsPayload(assertion);
            return formValue(form, "client_assertion_type") == AssertionType &&
                   verifyJws(assertion, clientPublicJwk).isEmpty() &&
                   claims.value(u"iss").toString() == QLatin1StringView(ClientId) &&
                   claims.value(u"sub").toString() == QLatin1StringView(ClientId) &&
                   claims.value(u"aud").toString() == introspectionUrl();
        }
        for (const auto &[name, value] : request.headers()) {
            if (name.compare("Authorization", Qt::CaseInsensitive) == 0)
                return value == basicAuthorization(ClientId, ClientSecret);
        }
        return formValue(form, "client_id") == ClientId &&
               formValue(form, "client_secret") == ClientSecret;
    }

    QHttpServer m_server;
    QString m_scheme = QStringLiteral("http");
    quint16 m_port = 0;
};

// A self-signed certificate for 127.0.0.1 and its EC key, as PEM files in `dir`.
bool makeCertificate(const QTemporaryDir &dir, QString *cert, QString *key) {
    *cert = dir.filePath(QStringLiteral("idp.pem"));
    *key = dir.filePath(QStringLiteral("idp-key.pem"));
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"),
                  {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                   QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                   QStringLiteral("ec_paramgen_curve:P-256"), QStringLiteral("-nodes"),
                   QStringLiteral("-keyout"), *key, QStringLiteral("-out"), *cert,
                   QStringLiteral("-days"), QStringLiteral("1"), QStringLiteral("-subj"),
                   QStringLiteral("/CN=127.0.0.1"), QStringLiteral("-addext"),
                   QStringLiteral("subjectAltName=IP:127.0.0.1")});
    return openssl.waitForFinished(20'000) && openssl.exitCode() == 0;
}

bool writeFile(const QString &path, const QByteArray &content) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(content) == content.size();
}

} // namespace

class TestIdpProbe : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_cert;
    QString m_certKey;
    QString m_clientKey;      // the client's private key for private_key_jwt
    QString m_otherClientKey; // a key the IdP does not know
    QJsonObject m_clientJwk;

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        QVERIFY(makeCertificate(m_dir, &m_cert, &m_certKey));
        m_clientKey = m_dir.filePath(QStringLiteral("client.pem"));
        m_otherClientKey = m_dir.filePath(QStringLiteral("other.pem"));
        const QByteArray pem = generatePrivateKeyPem("EC", 0, "P-256");
        QVERIFY(writeFile(m_clientKey, pem));
        QVERIFY(writeFile(m_otherClientKey, generatePrivateKeyPem("EC", 0, "P-256")));
        QString why;
        const auto signer = JwtSigner::create(JwtAlgorithm::ES256, pem, QString(), &why);
        QVERIFY2(signer, qPrintable(why));
        m_clientJwk = signer->publicJwk();
    }

    // "Test connection" authenticates and trusts TLS as the gateway's introspection client.
    void testConnection_data() {
        QTest::addColumn<bool>("https");
        QTest::addColumn<QString>("method"); // basic, post, jwt, jwt-other-key
        QTest::addColumn<QString>("tls");    // "": verified, "ca": ca_file trusted, "off"
        QTest::addColumn<bool>("ok");
        QTest::addColumn<QString>("mention");
        QTest::newRow("client_secret_basic") << false << "basic"
                                             << "" << true << "OK";
        QTest::newRow("client_secret_post") << false << "post"
                                            << "" << true << "OK";
        QTest::newRow("private_key_jwt") << false << "jwt"
                                         << "" << true << "OK";
        QTest::newRow("private_key_jwt, a key the IdP does not know")
            << false << "jwt-other-key"
            << "" << false << "idp_rejected_client";
        QTest::newRow("https, self-signed, not trusted") << true << "basic"
                                                         << "" << false << "idp_tls";
        QTest::newRow("https, trusted by ca_file") << true << "basic"
                                                   << "ca" << true << "OK";
        QTest::newRow("https, verification off") << true << "basic"
                                                 << "off" << true << "OK";
        QTest::newRow("https, private_key_jwt") << true << "jwt"
                                                << "ca" << true << "OK";
    }
    void testConnection() {
        QFETCH(bool, https);
        QFETCH(QString, method);
        QFETCH(QString, tls);
        QFETCH(bool, ok);
        QFETCH(QString, mention);
        LoopbackIdp idp;
        if (method.startsWith(u"jwt"))
            idp.clientPublicJwk = m_clientJwk;
        QVERIFY(https ? idp.start(m_cert, m_certKey) : idp.start());
        Config c;
        c.introspection.url = idp.introspectionUrl();
        c.introspection.clientId = QString::fromLatin1(ClientId);
        if (method == u"post") {
            c.introspection.authMethod = ClientAuthMethod::ClientSecretPost;
        } else if (method.startsWith(u"jwt")) {
            c.introspection.authMethod = ClientAuthMethod::PrivateKeyJwt;
            c.introspection.privateKeyFile = method == u"jwt" ? m_clientKey : m_otherClientKey;
        }
        if (!method.startsWith(u"jwt"))
            c.introspection.clientSecret = QString::fromLatin1(ClientSecret);
        if (tls == u"ca")
            c.upstream.caFile = m_cert;
        c.upstream.verifyTls = tls != u"off";
        QVERIFY2(c.validate().isEmpty(), qPrintable(c.validate().join(u'\n')));

        IdpProbe probe;
        std::optional<std::pair<bool, QString>> tested;
        probe.testConnection(c, [&](bool passed, const QString &m) { tested = {passed, m}; });
        QVERIFY(waitFor([&] { return tested.has_value(); }));
        QVERIFY2(tested->second.contains(mention), qPrintable(tested->second));
        QCOMPARE(tested->first, ok);
    }

    // The Endpoints page: a second endpoint typed in (private_key_jwt with a key file, its own
    // CA for https, discovered from its issuer), each tested on its own through the gateway's
    // client, the default one's secret kept as a reference until typed over.
    void endpointsEditorTestsEachEndpoint() {
        LoopbackIdp basic;
        QVERIFY(basic.start());
        LoopbackIdp partner;
        partner.clientPublicJwk = m_clientJwk;
        QVERIFY(partner.start(m_cert, m_certKey));

        IdpProbe probe;
        SettingsPage page(&probe);
        Config c;
        c.demo = false;
        c.upstreamUrl = QStringLiteral("http://127.0.0.1:1");
        c.introspection.url = basic.introspectionUrl();
        c.introspection.clientId = QString::fromLatin1(ClientId);
        c.introspection.clientSecret = QString::fromLatin1(ClientSecret);
        c.introspection.clientSecretRef = QStringLiteral("env:IDP_SECRET");
        page.setConfig(c);
        EndpointsEditor editor(&page, &probe);
        editor.resize(900, 700);
        editor.show();
        QVERIFY(QTest::qWaitForWindowExposed(&editor));
        QCOMPARE(editor.list()->count(), 1);
        QCOMPARE(editor.list()->item(0)->text(), u"default (default)"_qs);
        const auto test = [&editor](const QString &mention) {
            QTest::mouseClick(editor.findChild<QPushButton *>(u"endpoints-test"_qs),
                              Qt::LeftButton);
            return QTest::qWaitFor(
                       [&] {
                           return !editor.testResult().startsWith(u"Calling") &&
                                  !editor.testResult().isEmpty();
                       },
                       15'000) &&
                   editor.testResult().contains(mention);
        };
        const auto type = [&editor](const QString &key, const QString &text) {
            return typeInto(editor.form(), key, text);
        };

        // The default endpoint: its secret comes from a reference, shown, never replaced by
        // merely visiting the field.
        QVERIFY2(test(u"OK"_qs), qPrintable(editor.testResult()));
        auto *note = editor.form()->findChild<QLabel *>(u"note:client_secret"_qs);
        QVERIFY(note && !note->isHidden());
        QVERIFY(note->text().contains(u"env:IDP_SECRET"));
        auto *secret = editor.form()->findChild<QLineEdit *>(u"client_secret"_qs);
        QCOMPARE(secret->echoMode(), QLineEdit::Password);
        QTest::keyClick(secret, Qt::Key_Return);
        QCOMPARE(page.config().introspection.clientSecretRef, u"env:IDP_SECRET"_qs);
        QVERIFY(type(u"client_secret"_qs, u"wrong"_qs));
        QCOMPARE(page.config().introspection.clientSecretRef, QString());
        QVERIFY(note->isHidden()); // typed: no longer from the reference
        QVERIFY2(test(u"idp_rejected_client"_qs), qPrintable(editor.testResult()));
        QVERIFY(type(u"client_secret"_qs, QString::fromLatin1(ClientSecret)));
        // The core's problems show under their fields, those of the command line's names too.
        QVERIFY(type(u"client_id"_qs, QString()));
        QVERIFY2(editor.form()->problem(u"client_id"_qs).contains(u"no client id"),
                 qPrintable(editor.findChild<QLabel *>(u"endpoints-problems"_qs)->text()));
        QVERIFY(type(u"client_id"_qs, QString::fromLatin1(ClientId)));
        QCOMPARE(editor.form()->problem(u"client_id"_qs), QString());

        // A second endpoint, typed in.
        QTest::mouseClick(editor.findChild<QPushButton *>(u"endpoints-add"_qs), Qt::LeftButton);
        QCOMPARE(editor.list()->count(), 2);
        QCOMPARE(editor.list()->currentRow(), 1);
        QVERIFY(type(u"name"_qs, u"partner"_qs));
        QCOMPARE(editor.list()->item(1)->text(), u"partner"_qs);
        QVERIFY2(editor.form()->problem(u"url"_qs).contains(u"give its url"),
                 qPrintable(editor.findChild<QLabel *>(u"endpoints-problems"_qs)->text()));
        QVERIFY(type(u"issuer"_qs, partner.issuer()));
        QCOMPARE(editor.form()->problem(u"url"_qs), QString());
        auto *method = editor.form()->findChild<QComboBox *>(u"auth_method"_qs);
        QVERIFY(method);
        QTest::keyClicks(method, u"private_key_jwt"_qs);
        QCOMPARE(method->currentText(), u"private_key_jwt"_qs);
        QVERIFY(type(u"client_id"_qs, QString::fromLatin1(ClientId)));
        QVERIFY(editor.form()->findChild<QPushButton *>(u"private_key_file:browse"_qs));
        QVERIFY(type(u"private_key_file"_qs, m_otherClientKey));
        // Without its CA the IdP's certificate is not trusted: discovery fails.
        QVERIFY2(test(u"Discovery failed"_qs), qPrintable(editor.testResult()));
        QVERIFY(type(u"tls.ca_file"_qs, m_cert));
        QVERIFY2(test(u"idp_rejected_client"_qs), qPrintable(editor.testResult()));
        QVERIFY(type(u"private_key_file"_qs, m_clientKey));
        QVERIFY2(test(u"OK"_qs), qPrintable(editor.testResult()));

        const Config edited = page.config();
        QCOMPARE(edited.moreIntrospection.size(), 1);
        const IntrospectionConfig &e = edited.moreIntrospection[0];
        QCOMPARE(e.name, u"partner"_qs);
        QCOMPARE(e.issuer, partner.issuer());
        QCOMPARE(e.authMethod, ClientAuthMethod::PrivateKeyJwt);
        QCOMPARE(e.privateKeyFile, m_clientKey);
        QCOMPARE(e.tlsCaFile, m_cert);
        QVERIFY2(page.problems().isEmpty(), qPrintable(page.problems().join(u'\n')));

        // The other one is still tested with its own settings.
        editor.list()->setCurrentRow(0);
        QVERIFY2(test(u"OK"_qs), qPrintable(editor.testResult()));

        // Dragged first, partner becomes the default.
        QVERIFY(editor.list()->model()->moveRow(QModelIndex(), 1, QModelIndex(), 0));
        QCOMPARE(page.config().introspection.name, u"partner"_qs);
        QCOMPARE(editor.list()->item(0)->text(), u"partner (default)"_qs);
        // The last endpoint is not removed: there is always a default.
        editor.list()->setCurrentRow(0);
        auto *remove = editor.findChild<QPushButton *>(u"endpoints-remove"_qs);
        QTest::mouseClick(remove, Qt::LeftButton);
        QCOMPARE(page.config().introspection.name, u"default"_qs);
        QVERIFY(page.config().moreIntrospection.isEmpty());
        QTest::mouseClick(remove, Qt::LeftButton);
        QCOMPARE(editor.list()->count(), 1);
        QCOMPARE(page.config().introspection.name, u"default"_qs);

        // Typed on the Settings page alike: a reference, env: or keychain:, no longer stands
        // for the value and goes (saving puts it in the file's own entry).
        Config refs = page.config();
        refs.introspection.clientSecretRef = QStringLiteral("env:IDP_SECRET");
        refs.jwt.secret = QStringLiteral("from-the-keychain-0123456789abcdef");
        refs.jwt.secretRef = QStringLiteral("keychain:jwt-key");
        page.setConfig(refs);
        QVERIFY(typeInto(&page, u"client-secret"_qs, u"typed"_qs));
        QCOMPARE(page.config().introspection.clientSecret, u"typed"_qs);
        QCOMPARE(page.config().introspection.clientSecretRef, QString());
        QVERIFY(typeInto(&page, u"jwt-secret"_qs, u"typed-jwt-key-0123456789abcdef"_qs));
        QCOMPARE(page.config().jwt.secretRef, QString());
        editor.reload();
        QVERIFY(editor.form()->findChild<QLabel *>(u"note:client_secret"_qs)->isHidden());

        // An edit landing from elsewhere (a Discover answer) while the user types here: the
        // other values follow, the field being typed into keeps its text and its focus.
        editor.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&editor));
        const QPointer<QLineEdit> typing = editor.form()->findChild<QLineEdit *>(u"key_id"_qs);
        typing->setFocus();
        QTest::keyClicks(typing, u"half-typed"_qs);
        Config landed = page.config();
        landed.introspection.timeoutMs = 7'000;
        page.editConfig(landed);
        QVERIFY(typing);
        QCOMPARE(typing->text(), u"half-typed"_qs);
        QVERIFY(typing->hasFocus());
        QCOMPARE(editor.form()->findChild<QLineEdit *>(u"timeout"_qs)->text(), u"7"_qs);
        // The editor then goes with the text still being typed: applied, not a crash.
    }

    // "Discover" takes only a document for the issuer asked about (RFC 8414 section 3.3),
    // fetched with the same TLS trust.
    void discover_data() {
        QTest::addColumn<bool>("https");
        QTest::addColumn<bool>("trusted");
        QTest::addColumn<QString>("documentIssuer"); // "": the IdP's own
        QTest::addColumn<bool>("found");
        QTest::addColumn<QString>("mention");
        QTest::newRow("the issuer's document") << false << true << "" << true << "";
        QTest::newRow("a document for another issuer")
            << false << true << "http://127.0.0.1:1" << false << "is for issuer";
        QTest::newRow("https, trusted by ca_file") << true << true << "" << true << "";
        QTest::newRow("https, not trusted")
            << true << false << "" << false << "openid-configuration";
    }
    void discover() {
        QFETCH(bool, https);
        QFETCH(bool, trusted);
        QFETCH(QString, documentIssuer);
        QFETCH(bool, found);
        QFETCH(QString, mention);
        LoopbackIdp idp;
        idp.documentIssuer = documentIssuer;
        QVERIFY(https ? idp.start(m_cert, m_certKey) : idp.start());
        UpstreamSettings tls;
        if (trusted && https)
            tls.caFile = m_cert;
        IdpProbe probe;
        std::optional<IdpProbe::Discovery> result;
        probe.discover(idp.issuer(), tls, [&](const IdpProbe::Discovery &d) { result = d; });
        QVERIFY(waitFor([&] { return result.has_value(); }));
        QCOMPARE(result->introspectionUrl, found ? idp.introspectionUrl() : QString());
        QVERIFY2(result->error.contains(mention), qPrintable(result->error));
    }
};

QTEST_MAIN(TestIdpProbe)
#include "tst_idpprobe.moc"
