// SPDX-License-Identifier: Apache-2.0
// The desktop app's settings: QSettings round trip without secrets, the editor's round trip,
// its inline validation messages and the .env import.
#include "core/config/settingstable.h"
#include "core/service/gatewayservice.h"
#include "gui/configsettings.h"
#include "gui/devcertificate.h"
#include "gui/idpprobe.h"
#include "gui/routeprobe.h"
#include "gui/settingspage.h"
#include "gui/structuretables.h"
#include "tests/support/widgettyping.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QSslSocket>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Tokengate;

namespace {

Config sampleConfig() {
    Config c;
    c.server.address = QHostAddress(QStringLiteral("::1"));
    c.server.port = 18080;
    c.upstreamUrl = QStringLiteral("http://127.0.0.1:3000");
    c.introspection.url = QStringLiteral("https://idp.example.com/introspect");
    c.introspection.issuer = QStringLiteral("https://idp.example.com");
    c.introspection.clientId = QStringLiteral("gateway");
    c.introspection.clientSecret = QStringLiteral("client-secret-value");
    c.introspection.timeoutMs = 7000;
    c.introspection.validation = TokenValidation::JwtThenIntrospect;
    c.introspection.audiences = {QStringLiteral("https://api.example.com"),
                                 QStringLiteral("urn:b")};
    c.cache.enabled = true;
    c.cache.ttlSecs = 45;
    c.cache.negativeTtlSecs = 3;
    c.cache.staleGraceSecs = 10;
    c.cache.maxEntries = 500;
    c.jwt.headerName = QStringLiteral("X-Jwt");
    c.jwt.secret = QStringLiteral("jwt-secret-value");
    c.jwt.lifetimeSecs = 600;
    c.jwt.allowPassthrough = true;
    c.requiredScopes = {QStringLiteral("read"), QStringLiteral("write")};
    c.allowMissingToken = true;
    c.demo = false;
    return c;
}

void compareEditable(const Config &a, const Config &b) {
    QCOMPARE(a.server.address, b.server.address);
    QCOMPARE(a.server.port, b.server.port);
    QCOMPARE(a.upstreamUrl, b.upstreamUrl);
    QCOMPARE(a.destinationAllow, b.destinationAllow);
    QCOMPARE(int(a.auth), int(b.auth));
    QCOMPARE(a.introspection.url, b.introspection.url);
    QCOMPARE(a.introspection.issuer, b.introspection.issuer);
    QCOMPARE(a.introspection.clientId, b.introspection.clientId);
    QCOMPARE(a.introspection.timeoutMs, b.introspection.timeoutMs);
    QCOMPARE(int(a.introspection.validation), int(b.introspection.validation));
    QCOMPARE(a.introspection.audiences, b.introspection.audiences);
    QVERIFY(a.cache == b.cache);
    QCOMPARE(a.jwt.headerName, b.jwt.headerName);
    QCOMPARE(a.jwt.lifetimeSecs, b.jwt.lifetimeSecs);
    QCOMPARE(a.jwt.allowPassthrough, b.jwt.allowPassthrough);
    QCOMPARE(a.requiredScopes, b.requiredScopes);
    QCOMPARE(a.allowMissingToken, b.allowMissingToken);
    QCOMPARE(a.demo, b.demo);
    QCOMPARE(a.server.plainEnabled, b.server.plainEnabled);
    QVERIFY(a.server.tls == b.server.tls);
    QVERIFY(a.tls == b.tls);
}

// sampleConfig() serving HTTPS too, with `cert`, and client certificates asked for.
Config httpsConfig(const CertificateFiles &cert) {
    Config c = sampleConfig();
    c.server.plainEnabled = false;
    c.server.tls.enabled = true;
    c.server.tls.address = QHostAddress(QStringLiteral("127.0.0.2"));
    c.server.tls.port = 18443;
    c.tls.certFile = cert.certFile;
    c.tls.keyFile = cert.keyFile;
    c.tls.clientAuth = ClientAuth::Optional;
    c.tls.clientCaFile = cert.certFile;
    return c;
}

} // namespace

class TestGuiSettings : public QObject {
    Q_OBJECT

private slots:
    // Claim rule values with commas, quotes and spaces survive the table both ways: shown,
    // then read back unchanged. Split on every comma, one_of ["a,b", "c"] came back as
    // a, b, c and let "a" pass.
    void claimRuleValuesRoundTrip_data() {
        QTest::addColumn<QStringList>("values");
        QTest::newRow("plain") << QStringList{u"admin"_qs, u"ops"_qs};
        QTest::newRow("comma inside") << QStringList{u"a,b"_qs, u"c"_qs};
        QTest::newRow("quote inside") << QStringList{u"say \"hi\""_qs, u"x"_qs};
        QTest::newRow("spaces around") << QStringList{u" padded "_qs, u"y"_qs};
        QTest::newRow("empty value") << QStringList{QString(), u"z"_qs};
        QTest::newRow("only commas") << QStringList{u","_qs, u",,"_qs};
    }
    void claimRuleValuesRoundTrip() {
        QFETCH(QStringList, values);
        for (const ClaimRule::Op op : {ClaimRule::Op::OneOf, ClaimRule::Op::Contains}) {
            RulesTable table;
            const QList<ClaimRule> rules{{u"groups"_qs, op, values}};
            table.setRules(rules);
            QString problem;
            QCOMPARE(table.rules(&problem), rules);
            QCOMPARE(problem, QString());
        }
    }
    // What a user types: quotes keep a comma in a value; an open quote is refused.
    void claimRuleValuesTyped() {
        RulesTable table;
        table.show();
        QVERIFY(Test::typeInCell(&table, 0, 0, u"groups"_qs));
        QVERIFY(Test::typeInCell(&table, 0, 1, u"one_of"_qs));
        QVERIFY(Test::typeInCell(&table, 0, 2, u"\"Sales, EMEA\", ops , "_qs));
        QString problem;
        QList<ClaimRule> rules = table.rules(&problem);
        QCOMPARE(problem, QString());
        QCOMPARE(rules.size(), 1);
        QCOMPARE(rules[0].values, (QStringList{u"Sales, EMEA"_qs, u"ops"_qs}));
        for (const QString &bad :
             {u"\"Sales, EMEA"_qs, u"\"Sales\" EMEA"_qs, u"x \"Sales, EMEA\""_qs}) {
            QVERIFY(Test::typeInCell(&table, 0, 2, bad));
            problem.clear();
            QVERIFY(table.rules(&problem).isEmpty());
            QVERIFY2(problem.contains(u"quote"), qPrintable(problem));
        }
        // equals takes the whole cell, commas included.
        QVERIFY(Test::typeInCell(&table, 0, 1, u"equals"_qs));
        QVERIFY(Test::typeInCell(&table, 0, 2, u"a,b"_qs));
        problem.clear();
        rules = table.rules(&problem);
        QCOMPARE(rules.size(), 1);
        QCOMPARE(rules[0].values, QStringList{u"a,b"_qs});
    }

    void settingsRoundTrip_data() {
        QTest::addColumn<bool>("destination");
        QTest::addColumn<bool>("authNone");
        QTest::newRow("upstream") << false << false;
        QTest::newRow("destination mode") << true << false;
        QTest::newRow("no auth") << false << true;
    }
    void settingsRoundTrip() {
        QFETCH(bool, destination);
        QFETCH(bool, authNone);
        Config c = sampleConfig();
        if (destination) {
            c.upstreamUrl.clear();
            c.destinationAllow = QStringLiteral("*.internal,api:8443");
        }
        if (authNone)
            c.auth = AuthMode::None;
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("t.conf"));
        {
            QSettings s(path, QSettings::IniFormat);
            ConfigSettings::save(s, c);
        }
        QSettings s(path, QSettings::IniFormat);
        const Config back = ConfigSettings::load(s);
        compareEditable(back, c);
        for (const SecretField &f : secretFields())
            QVERIFY2(f.field(const_cast<Config &>(back)).isEmpty(), qPrintable(f.key));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray written = file.readAll();
        QVERIFY(!written.contains("client-secret-value"));
        QVERIFY(!written.contains("jwt-secret-value"));
    }

    void firstRunIsDemo() {
        QTemporaryDir dir;
        QSettings s(dir.filePath(QStringLiteral("empty.conf")), QSettings::IniFormat);
        const Config c = ConfigSettings::load(s);
        QVERIFY(c.demo);
        QVERIFY(c.validate().isEmpty());
    }

    void pageRoundTrip() {
        IdpProbe probe;
        SettingsPage page(&probe);
        const Config c = sampleConfig();
        page.setConfig(c);
        const Config back = page.config();
        compareEditable(back, c);
        QCOMPARE(back.introspection.clientSecret, c.introspection.clientSecret);
        QCOMPARE(back.jwt.secret, c.jwt.secret);
        QVERIFY(page.problems().isEmpty());
        // "*" (every interface, both stacks) stays itself, not 0.0.0.0 (IPv4 only).
        Config any = c;
        any.server.address = QHostAddress(QHostAddress::Any);
        page.setConfig(any);
        QCOMPARE(page.findChild<QLineEdit *>(QStringLiteral("listen"))->text(), u"*:18080"_qs);
        QCOMPARE(page.config().server.address, QHostAddress(QHostAddress::Any));
    }

    // The editor's ranges are the config file's (durations in whole seconds), with its help.
    void spinBoxesFollowTheSettingsTable_data() {
        QTest::addColumn<QString>("key");
        for (const char *key : {"introspection.timeout", "cache.ttl", "cache.negative_ttl",
                                "cache.stale_grace", "cache.max_entries", "jwt.lifetime"})
            QTest::newRow(key) << QString::fromLatin1(key);
    }
    void spinBoxesFollowTheSettingsTable() {
        QFETCH(QString, key);
        IdpProbe probe;
        SettingsPage page(&probe);
        const auto *box = page.findChild<QSpinBox *>(key);
        QVERIFY(box);
        const Setting<Config> *s = findSetting(configSettings(), key);
        QVERIFY(s);
        const bool seconds = s->kind == SettingKind::Seconds; // milliseconds in the table
        QCOMPARE(box->minimum(), int(seconds ? (s->min + 999) / 1000 : s->min));
        QCOMPARE(box->maximum(), int(seconds ? s->max / 1000 : s->max));
        QCOMPARE(box->toolTip(), s->help);
    }

    void validationMessages_data() {
        QTest::addColumn<QString>("edit");  // object name of the line edit
        QTest::addColumn<QString>("value"); // typed into it
        QTest::addColumn<QString>("field"); // where the message shows
        QTest::addColumn<QString>("expected");
        QTest::newRow("listen") << "listen"
                                << "localhost:http"
                                << "listen"
                                << "address:port";
        QTest::newRow("upstream scheme") << "upstream"
                                         << "ftp://x"
                                         << "upstream"
                                         << "http";
        QTest::newRow("introspection url") << "introspection-url"
                                           << "ftp://idp"
                                           << "introspection-url"
                                           << "http";
        QTest::newRow("jwt header") << "jwt-header"
                                    << "X Bad"
                                    << "jwt-header"
                                    << "not a valid header name";
        QTest::newRow("jwt secret") << "jwt-secret"
                                    << ""
                                    << "jwt-secret"
                                    << "must not be empty";
        QTest::newRow("jwt validation without audience") << "token-audience"
                                                         << ""
                                                         << "token-audience"
                                                         << "JWT validation needs audience";
        QTest::newRow("preset placeholder left") << "issuer"
                                                 << "https://<org>.okta.com/oauth2/default"
                                                 << "issuer"
                                                 << "replace <org> with yours";
        QTest::newRow("secret without id") << "client-id"
                                           << ""
                                           << "client-id"
                                           << "a client secret is set but no client id";
    }
    void validationMessages() {
        QFETCH(QString, edit);
        QFETCH(QString, value);
        QFETCH(QString, field);
        QFETCH(QString, expected);
        IdpProbe probe;
        SettingsPage page(&probe);
        page.setConfig(sampleConfig());
        QCOMPARE(page.fieldMessage(field), QString());
        auto *line = page.findChild<QLineEdit *>(edit);
        QVERIFY(line);
        line->setText(value);
        QVERIFY2(page.fieldMessage(field).contains(expected), qPrintable(page.fieldMessage(field)));
        QVERIFY(!page.problems().isEmpty());
        // Apply is refused while a problem shows.
        QPushButton *apply = nullptr;
        for (QPushButton *b : page.findChildren<QPushButton *>()) {
            if (b->text() == u"Apply")
                apply = b;
        }
        QVERIFY(apply);
        QVERIFY(!apply->isEnabled());
    }

    // Choosing an IdP by typing its name into the preset box (as a keyboard user does) fills
    // the issuer with placeholders, the first one selected to be typed over, sets validation
    // and audience, and says what to create; the placeholders are refused until replaced.
    void idpPresets_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("issuer");
        QTest::addColumn<QString>("firstPlaceholder");
        QTest::addColumn<int>("validation");
        QTest::addColumn<QString>("audience"); // in the field afterwards
        const QString before = QStringLiteral("https://api.example.com, urn:b"); // sampleConfig's
        QTest::newRow("Keycloak") << "Keycloak"
                                  << "https://<keycloak-host>/realms/<realm>"
                                  << "<keycloak-host>" << int(TokenValidation::Introspect)
                                  << before;
        QTest::newRow("Auth0") << "Auth0"
                               << "https://<tenant>.auth0.com/"
                               << "<tenant>" << int(TokenValidation::Jwt) << before;
        QTest::newRow("Okta") << "Okta"
                              << "https://<org>.okta.com/oauth2/default"
                              << "<org>" << int(TokenValidation::JwtThenIntrospect)
                              << "api://default";
        QTest::newRow("Entra ID") << "Microsoft Entra ID"
                                  << "https://login.microsoftonline.com/<tenant-id>/v2.0"
                                  << "<tenant-id>" << int(TokenValidation::Jwt)
                                  << "<api-client-id>";
        QTest::newRow("Google") << "Google"
                                << "https://accounts.google.com" << QString()
                                << int(TokenValidation::Jwt)
                                << "<client-id>.apps.googleusercontent.com";
        // "G" picks Google first, then "Ge" Generic: Google's audience placeholder goes.
        QTest::newRow("generic") << "Generic"
                                 << "https://<idp-host>"
                                 << "<idp-host>" << int(TokenValidation::Introspect) << QString();
    }
    void idpPresets() {
        QFETCH(QString, name);
        QFETCH(QString, issuer);
        QFETCH(QString, firstPlaceholder);
        QFETCH(int, validation);
        QFETCH(QString, audience);
        IdpProbe probe;
        SettingsPage page(&probe);
        page.setConfig(sampleConfig());
        auto *preset = page.findChild<QComboBox *>(QStringLiteral("idp-preset"));
        auto *issuerEdit = page.findChild<QLineEdit *>(QStringLiteral("issuer"));
        auto *audienceEdit = page.findChild<QLineEdit *>(QStringLiteral("token-audience"));
        const auto *help = page.findChild<QLabel *>(QStringLiteral("idp-preset-help"));
        QVERIFY(preset && issuerEdit && audienceEdit && help);
        QVERIFY(help->isHidden());

        QTest::keyClicks(preset, name);
        QCOMPARE(issuerEdit->text(), issuer);
        QCOMPARE(issuerEdit->selectedText(), firstPlaceholder);
        QCOMPARE(audienceEdit->text(), audience);
        QCOMPARE(page.findChild<QComboBox *>(QStringLiteral("token-validation"))->currentData(),
                 QVariant(validation));
        QVERIFY(!help->isHidden());
        QVERIFY2(help->text().startsWith(name), qPrintable(help->text()));

        // Typed over, one placeholder after the other, until the page has no problem left.
        for (QLineEdit *edit : {issuerEdit, audienceEdit}) {
            for (int guard = 0; guard < 5 && edit->text().contains(u'<'); ++guard) {
                const qsizetype start = edit->text().indexOf(u'<');
                edit->setSelection(int(start), int(edit->text().indexOf(u'>') - start + 1));
                QVERIFY(page.fieldMessage(edit->objectName()).contains(u"replace <"));
                QTest::keyClicks(edit, QStringLiteral("mine"));
            }
            QVERIFY(!edit->text().contains(u'<'));
        }
        QVERIFY2(page.problems().isEmpty(), qPrintable(page.problems().join(u'\n')));
        const Config c = page.config();
        QCOMPARE(int(c.introspection.validation), validation);
        QCOMPARE(c.introspection.issuer, issuerEdit->text());
        QVERIFY(!c.introspection.issuer.contains(u'<'));
    }

    // "Which route takes a request?" judges the edited config (routes from a file included)
    // with the gateway's own router: typed in, pressed, read back.
    void whichRouteTakesARequest_data() {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("host");
        QTest::addColumn<QStringList>("expected"); // each must appear
        QTest::newRow("first match")
            << "GET"
            << "https://api.test/orders/1" << QString()
            << QStringList{u"Route 1 \"orders\""_qs, u"Forwarded to http://127.0.0.1:3001 as /1"_qs,
                           u"the scopes read write orders:read, else"_qs};
        QTest::newRow("method not allowed there")
            << "DELETE"
            << "https://api.test/orders/1" << QString()
            << QStringList{u"No route takes DELETE /orders/1 on host api.test: 404"_qs};
        QTest::newRow("public") << "GET"
                                << "https://api.test/health" << QString()
                                << QStringList{u"Route 3 \"health\""_qs, u"public"_qs};
        QTest::newRow("dot segments") << "GET"
                                      << "https://api.test/orders/%2e%2e/health" << QString()
                                      << QStringList{u"Route 3 \"health\""_qs};
        QTest::newRow("host given")
            << "GET"
            << "https://other.test/p/1"
            << "partners.test" << QStringList{u"Route 2 \"partners\""_qs, u"Destination header"_qs};
        QTest::newRow("host with a port")
            << "GET"
            << "https://other.test/p/1"
            << "partners.test:8443" << QStringList{u"Route 2 \"partners\""_qs};
        QTest::newRow("host from the URL")
            << "GET"
            << "https://other.test/p/1" << QString()
            << QStringList{u"No route takes GET /p/1 on host other.test"_qs};
        QTest::newRow("not a URL")
            << "GET"
            << "orders/1" << QString() << QStringList{u"Enter a whole URL"_qs};
    }
    void whichRouteTakesARequest() {
        QFETCH(QString, method);
        QFETCH(QString, url);
        QFETCH(QString, host);
        QFETCH(QStringList, expected);
        Config c = sampleConfig();
        RouteConfig orders;
        orders.name = QStringLiteral("orders");
        orders.pathPrefix = QStringLiteral("/orders/");
        orders.methods = {QStringLiteral("GET"), QStringLiteral("POST")};
        orders.upstreamUrl = QStringLiteral("http://127.0.0.1:3001");
        orders.stripPrefix = QStringLiteral("/orders");
        orders.requiredScopes = {QStringLiteral("orders:read")};
        RouteConfig partners;
        partners.name = QStringLiteral("partners");
        partners.hosts = {QStringLiteral("partners.test")};
        partners.pathPrefix = QStringLiteral("/p/");
        partners.destinationMode = true;
        partners.destinationAllow = QStringLiteral("*.partners.test");
        RouteConfig health;
        health.name = QStringLiteral("health");
        health.pathPrefix = QStringLiteral("/health");
        health.upstreamUrl = QStringLiteral("http://127.0.0.1:3002");
        health.authenticate = false;
        c.routes = {orders, partners, health};
        IdpProbe probe;
        SettingsPage page(&probe);
        page.setConfig(c);
        auto *methodBox = page.findChild<QComboBox *>(QStringLiteral("route-probe-method"));
        auto *urlEdit = page.findChild<QLineEdit *>(QStringLiteral("route-probe-url"));
        auto *hostEdit = page.findChild<QLineEdit *>(QStringLiteral("route-probe-host"));
        auto *run = page.findChild<QPushButton *>(QStringLiteral("route-probe-run"));
        const auto *result = page.findChild<QLabel *>(QStringLiteral("route-probe-result"));
        QVERIFY(methodBox && urlEdit && hostEdit && run && result);
        methodBox->lineEdit()->selectAll();
        QTest::keyClicks(methodBox->lineEdit(), method);
        QTest::keyClicks(urlEdit, url);
        QTest::keyClicks(hostEdit, host);
        QTest::mouseClick(run, Qt::LeftButton);
        for (const QString &line : expected)
            QVERIFY2(result->text().contains(line), qPrintable(result->text()));
        // The top-level scopes hold on every route that looks at tokens, none on a public one.
        if (result->text().contains(u"public"))
            QVERIFY2(!result->text().contains(u"read write"), qPrintable(result->text()));
        else if (result->text().contains(u"an active token"))
            QVERIFY2(result->text().contains(u"the scopes read write"), qPrintable(result->text()));
    }

    // With auth none every route is public, whatever the route says.
    void routeProbeFollowsTheGateway() {
        Config c = sampleConfig();
        RouteConfig r;
        r.name = QStringLiteral("api");
        r.pathPrefix = QStringLiteral("/api/");
        r.upstreamUrl = QStringLiteral("http://127.0.0.1:3001");
        r.stripPrefix = QStringLiteral("/api/");
        r.rewritePrefix = QStringLiteral("/v1");
        c.routes = {r};
        QString text = describeRouting(c, u"GET"_qs, u"https://a.test/api/1"_qs).join(u'\n');
        QVERIFY2(text.contains(u"as /v1/1."), qPrintable(text)); // the gateway's join
        QVERIFY2(text.contains(u"an active token"), qPrintable(text));
        QVERIFY2(text.contains(u"else 403 insufficient_scope"), qPrintable(text));
        // A pass_through route forwards a token failing its policy without identity.
        c.routes[0].passThrough = true;
        c.routes[0].audiences = {QStringLiteral("orders")};
        text = describeRouting(c, u"GET"_qs, u"https://a.test/api/1"_qs).join(u'\n');
        QVERIFY2(text.contains(u"the scopes read write, else forwarded without identity"),
                 qPrintable(text));
        QVERIFY2(text.contains(u"aud one of orders, else forwarded without identity"),
                 qPrintable(text));
        QVERIFY2(!text.contains(u"403"), qPrintable(text));
        c.routes[0].passThrough = false;
        c.auth = AuthMode::None;
        text = describeRouting(c, u"GET"_qs, u"https://a.test/api/1"_qs).join(u'\n');
        QVERIFY2(text.contains(u"public"), qPrintable(text));
        QVERIFY(!text.contains(u"an active token"));
        c.routes.clear();
        c.auth = AuthMode::Introspection;
        text = describeRouting(c, u"GET"_qs, u"https://a.test/x"_qs).join(u'\n');
        QVERIFY2(text.contains(u"the scopes read write"), qPrintable(text));
    }

    // Above Apply, what it would change against the settings in effect, secrets named only;
    // Revert takes the edits back.
    void applyShowsWhatItChanges() {
        IdpProbe probe;
        SettingsPage page(&probe);
        const Config c = sampleConfig();
        page.setConfig(c);
        page.setApplied(c);
        QVERIFY2(page.changes().startsWith(u"Nothing to apply"), qPrintable(page.changes()));
        auto *upstream = page.findChild<QLineEdit *>(QStringLiteral("upstream"));
        upstream->selectAll();
        QTest::keyClicks(upstream, QStringLiteral("http://127.0.0.1:3999"));
        auto *jwtSecret = page.findChild<QLineEdit *>(QStringLiteral("jwt-secret"));
        jwtSecret->selectAll();
        QTest::keyClicks(jwtSecret, QStringLiteral("another-jwt-secret-0123456789"));
        const QString changes = page.changes();
        QVERIFY2(changes.startsWith(u"Apply will change:"), qPrintable(changes));
        QVERIFY2(changes.contains(u"http://127.0.0.1:3000 → http://127.0.0.1:3999"),
                 qPrintable(changes));
        QVERIFY2(changes.contains(u"jwt.secret: changed"), qPrintable(changes));
        QVERIFY(!changes.contains(u"another-jwt-secret"));
        QVERIFY(!changes.contains(u"jwt-secret-value"));
        QCOMPARE(changes.count(u'\n'), 2);
        QPushButton *revert = nullptr;
        for (QPushButton *b : page.findChildren<QPushButton *>()) {
            if (b->text() == u"Revert")
                revert = b;
        }
        QVERIFY(revert);
        QTest::mouseClick(revert, Qt::LeftButton);
        QVERIFY2(page.changes().startsWith(u"Nothing to apply"), qPrintable(page.changes()));
    }

    void importDotEnv() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral(".env"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("# introspection-microgateway\n"
                   "SSO_INTROSPECTION=https://sso.example.com/oauth2/introspect\n"
                   "SSO_CLIENT_ID=microgateway\n"
                   "SSO_CLIENT_SECRET='from-dotenv'\n"
                   "JWT_HEADER_NAME=X-Auth-Jwt\n"
                   "JWT_SECRET=\"jwt-from-dotenv\"\n"
                   "TOKENGATE_UPSTREAM=http://127.0.0.1:4000\n"
                   "ALLOW_MISSING_AUTH_HEADER=true\n");
        file.close();
        IdpProbe probe;
        SettingsPage page(&probe);
        page.setConfig(Config());
        QCOMPARE(page.importDotEnv(path), QStringList());
        const Config c = page.config();
        QCOMPARE(c.introspection.url, u"https://sso.example.com/oauth2/introspect");
        QCOMPARE(c.introspection.clientId, u"microgateway");
        QCOMPARE(c.introspection.clientSecret, u"from-dotenv");
        QCOMPARE(c.jwt.headerName, u"X-Auth-Jwt");
        QCOMPARE(c.jwt.secret, u"jwt-from-dotenv");
        QCOMPARE(c.upstreamUrl, u"http://127.0.0.1:4000");
        QVERIFY(c.allowMissingToken);
        QVERIFY(!c.demo);
        // Microgateway mode listens on all interfaces; the desktop app stays on loopback.
        QCOMPARE(c.server.address, QHostAddress(QHostAddress::LocalHost));
        QVERIFY(page.problems().isEmpty());
    }

    // The HTTPS fields survive the page and the app's settings file.
    void httpsFieldsRoundTrip() {
        QTemporaryDir dir;
        QString error;
        const auto cert = DevCertificate::create(&error, dir.path());
        QVERIFY2(cert, qPrintable(error));
        const Config c = httpsConfig(*cert);
        IdpProbe probe;
        SettingsPage page(&probe);
        page.setConfig(c);
        compareEditable(page.config(), c);
        QVERIFY2(page.problems().isEmpty(), qPrintable(page.problems().join(u'\n')));
        const QString path = dir.filePath(QStringLiteral("t.conf"));
        {
            QSettings s(path, QSettings::IniFormat);
            ConfigSettings::save(s, c);
        }
        QSettings s(path, QSettings::IniFormat);
        compareEditable(ConfigSettings::load(s), c);
    }

    // A certificate file that cannot be used is said next to its field, and Apply waits.
    void httpsProblemsShowAtTheirFields() {
        QTemporaryDir dir;
        QString error;
        const auto cert = DevCertificate::create(&error, dir.path());
        QVERIFY2(cert, qPrintable(error));
        IdpProbe probe;
        SettingsPage page(&probe);
        page.setConfig(httpsConfig(*cert));
        auto *certFile = page.findChild<QLineEdit *>(QStringLiteral("tls-cert-file"));
        QVERIFY(certFile);
        certFile->setText(dir.filePath(QStringLiteral("missing.pem")));
        QVERIFY2(page.fieldMessage(QStringLiteral("tls.cert_file")).contains(u"missing.pem"),
                 qPrintable(page.fieldMessage(QStringLiteral("tls.cert_file"))));
        certFile->setText(cert->certFile);
        auto *clientCa = page.findChild<QLineEdit *>(QStringLiteral("tls-client-ca-file"));
        QVERIFY(clientCa);
        clientCa->setText(cert->keyFile); // a key, no certificate
        QVERIFY2(page.fieldMessage(QStringLiteral("tls.client_ca_file")).contains(u"no PEM"),
                 qPrintable(page.fieldMessage(QStringLiteral("tls.client_ca_file"))));
        QVERIFY(!page.problems().isEmpty());
    }

    // "Create a local development certificate": a certificate for localhost in the app's
    // data folder, its key readable by the user alone, filled into the fields with how to
    // trust it; the gateway then serves HTTPS that a client trusting it accepts.
    void localDevelopmentCertificate() {
        QStandardPaths::setTestModeEnabled(true);
        const QString folder = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                               QStringLiteral("/tls");
        QDir(folder).removeRecursively();
        IdpProbe probe;
        SettingsPage page(&probe);
        Config c = sampleConfig();
        c.server.port = 0;
        c.introspection.validation = TokenValidation::Introspect; // no keys to discover
        page.setConfig(c);
        auto *create = page.findChild<QPushButton *>(QStringLiteral("create-dev-certificate"));
        QVERIFY(create);
        QTest::mouseClick(create, Qt::LeftButton);
        const Config edited = page.config();
        QVERIFY(edited.server.tls.enabled);
        QCOMPARE(edited.tls.certFile, folder + QStringLiteral("/dev.crt"));
        QCOMPARE(edited.tls.keyFile, folder + QStringLiteral("/dev.key"));
        const QFile::Permissions key = QFile::permissions(edited.tls.keyFile);
        QVERIFY(key.testFlags(QFile::ReadOwner | QFile::WriteOwner));
        QVERIFY(!(key & (QFile::ReadGroup | QFile::WriteGroup | QFile::ExeGroup | QFile::ReadOther |
                         QFile::WriteOther | QFile::ExeOther)));
        const auto *trust = page.findChild<QLabel *>(QStringLiteral("dev-certificate-trust"));
        QVERIFY(trust && !trust->isHidden());
        QVERIFY(trust->text().contains(u"curl --cacert " + edited.tls.certFile));
        QVERIFY(trust->text().contains(u"update-ca-certificates"));
        const QList<QSslCertificate> chain = QSslCertificate::fromPath(edited.tls.certFile);
        QCOMPARE(chain.size(), 1);
        QVERIFY(
            chain.first().subjectAlternativeNames().values(QSsl::DnsEntry).contains(u"localhost"));
        QVERIFY(QSslCertificate::verify(chain, QStringLiteral("localhost")).size() >
                0); // not public
        QVERIFY2(page.problems().isEmpty(), qPrintable(page.problems().join(u'\n')));

        auto *tlsListen = page.findChild<QLineEdit *>(QStringLiteral("tls-listen"));
        QVERIFY(tlsListen);
        tlsListen->setText(QStringLiteral("127.0.0.1:0"));
        GatewayService service;
        QStringList errors;
        QVERIFY2(service.start(page.config(), &errors), qPrintable(errors.join(u'\n')));
        QSslSocket client;
        QSslConfiguration trusting = QSslConfiguration::defaultConfiguration();
        trusting.setCaCertificates(chain);
        client.setSslConfiguration(trusting);
        client.connectToHostEncrypted(QStringLiteral("localhost"), service.tlsPort());
        QVERIFY2(client.waitForEncrypted(10000), qPrintable(client.errorString()));
        client.write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        QByteArray answer;
        while (client.waitForReadyRead(10000))
            answer += client.readAll();
        // The sample lets requests without a token through, to an upstream that is not there.
        QVERIFY2(answer.startsWith("HTTP/1.1 502"), answer.constData());
        service.stop();
        QDir(folder).removeRecursively();
    }

    void importBadDotEnv() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("bad.env"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("SSO_INTROSPECTION=https://sso.example.com/i\nthis is not a setting\n"
                   "TOKENGATE_CACHE_TTL=soon\n");
        file.close();
        IdpProbe probe;
        SettingsPage page(&probe);
        const QStringList problems = page.importDotEnv(path);
        QCOMPARE(problems.size(), 2);
        QVERIFY2(page.outcome().contains(u"bad.env:2"), qPrintable(page.outcome()));
        QCOMPARE(page.config().introspection.url, u"https://sso.example.com/i");
    }
};

QTEST_MAIN(TestGuiSettings)
#include "tst_guisettings.moc"
