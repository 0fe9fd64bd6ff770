// SPDX-License-Identifier: Apache-2.0
// The desktop app's window with a real gateway in this process: start/stop in demo mode with
// real requests over loopback showing in the log, the test bench, apply (reload or restart),
// the IdP-unreachable notice, and the IdP probe (discovery, test connection).
#include "core/devidp/demoidp.h"
#include "gui/allsettingspage.h"
#include "gui/cacheinspectorpage.h"
#include "gui/configdocument.h"
#include "gui/configfileactions.h"
#include "gui/configsettings.h"
#include "gui/demotraffic.h"
#include "gui/endpointseditor.h"
#include "gui/gatewaycontroller.h"
#include "gui/idpprobe.h"
#include "gui/mainwindow.h"
#include "gui/requestlogfilter.h"
#include "gui/requestlogmodel.h"
#include "gui/routeseditor.h"
#include "gui/secretstore.h"
#include "gui/settingsform.h"
#include "gui/settingspage.h"
#include "gui/testbenchpage.h"
#include "tests/support/accesstokenminter.h"
#include "tests/support/gatewayfixture.h"
#include "tests/support/jwsverifier.h"
#include "tests/support/rawclient.h"
#include "tests/support/widgettyping.h"

#include "core/auth/bearertoken.h"
#include "core/base/sha256.h"
#include "core/config/configdump.h"
#include "core/config/configfile.h"
#include "core/config/egimport.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QHttpServer>
#include <QHttpServerResponse>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTabBar>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>

#include <memory>

using namespace Tokengate;

namespace {

struct Reply {
    int status = 0;
    QByteArray body;
};

// One GET through the gateway, awaited.
Reply get(const QString &url, const QByteArray &token = {}) {
    QNetworkAccessManager network;
    network.setProxy(QNetworkProxy::NoProxy);
    QNetworkRequest request{QUrl(url)};
    if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token);
    request.setTransferTimeout(10'000);
    std::unique_ptr<QNetworkReply> reply(network.get(request));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    if (!finished.wait(15'000))
        return {};
    return {reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), reply->readAll()};
}

Config demoConfig() {
    Config c;
    c.demo = true;
    c.server.port = 0;
    c.server.workers = 1;
    c.drainTimeoutMs = 1000;
    c.jwt.secret.clear(); // as loaded from QSettings: the demo makes one up
    return c;
}

// A window over a fresh gateway, settings file and in-memory secret store.
struct App {
    QTemporaryDir dir;
    QSettings settings{dir.filePath(QStringLiteral("tokengate.conf")), QSettings::IniFormat};
    MemorySecretStore secrets;
    GatewayController gateway;
    MainWindow window{&gateway, &secrets, &settings};

    App() { window.logModel()->setFlushInterval(0); }
    bool startWith(const Config &config) {
        window.settingsPage()->setConfig(config);
        return window.startGateway();
    }
    QString url(const char *path) {
        return gateway.service().listenUrl() + QLatin1StringView(path);
    }
    // The row of the newest event with this target, or -1.
    int rowFor(const QByteArray &target) const {
        const RequestLogModel *m = window.logModel();
        for (int r = m->rowCount() - 1; r >= 0; --r) {
            if (m->event(r).target == target)
                return r;
        }
        return -1;
    }
};

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT

private slots:
    void startStopDemoWithTraffic() {
        App app;
        QTRY_VERIFY(app.window.secretsLoaded());
        QVERIFY(app.startWith(demoConfig()));
        QVERIFY(app.gateway.isRunning());
        QVERIFY2(app.window.statusText().contains(u"Running on http://127.0.0.1:"),
                 qPrintable(app.window.statusText()));
        QVERIFY(app.window.statusText().contains(u"[demo]"));

        const QByteArray token =
            app.gateway.demoIdp()->mint(QStringLiteral("log-user"), QStringLiteral("read"), 600);
        QCOMPARE(get(app.url("/allowed"), token).status, 200);
        QCOMPARE(get(app.url("/no-token")).status, 401);

        QTRY_VERIFY(app.rowFor("/allowed") >= 0 && app.rowFor("/no-token") >= 0);
        const RequestLogModel *log = app.window.logModel();
        const int allowed = app.rowFor("/allowed");
        QCOMPARE(log->index(allowed, RequestLogModel::Status).data().toString(), u"200");
        QCOMPARE(log->index(allowed, RequestLogModel::Subject).data().toString(), u"log-user");
        QCOMPARE(log->index(allowed, RequestLogModel::Token).data().toString().size(), 8);
        const int refused = app.rowFor("/no-token");
        QCOMPARE(log->index(refused, RequestLogModel::Reason).data().toString(), u"token_missing");

        // Selecting a row shows its decision trace.
        QTableView *view = app.window.logView();
        view->setCurrentIndex(app.window.logFilter()->mapFromSource(log->index(allowed, 0)));
        const QString details = app.window.detailsPane()->toPlainText();
        for (const char *stage : {"route", "token", "introspect", "decide", "forward"})
            QVERIFY2(details.contains(QLatin1StringView(stage)), qPrintable(details));

        // The filter narrows the view.
        app.window.logFilter()->setText(QStringLiteral("token_missing"));
        QCOMPARE(app.window.logFilter()->rowCount(), 1);
        QTemporaryDir dir;
        QString error;
        QVERIFY(app.window.exportLog(dir.filePath(QStringLiteral("x.jsonl")), &error));
        QFile exported(dir.filePath(QStringLiteral("x.jsonl")));
        QVERIFY(exported.open(QIODevice::ReadOnly));
        QCOMPARE(exported.readAll().count('\n'), 1);

        const QString url = app.url("/");
        app.window.stopGateway();
        QVERIFY(!app.gateway.isRunning());
        QVERIFY(app.window.statusText().contains(u"stopped"));
        QCOMPARE(get(url).status, 0); // nothing listens any more
    }

    void demoTrafficShowsEveryKind() {
        App app;
        QVERIFY(app.startWith(demoConfig()));
        app.window.demoTraffic()->setInterval(20);
        app.window.setDemoTraffic(true);
        // Sooner or later every kind: allowed, revoked or unknown token, no token.
        const auto seen = [&app](int status, const char *reason) {
            const RequestLogModel *log = app.window.logModel();
            for (int r = 0; r < log->rowCount(); ++r) {
                if (log->event(r).status == status &&
                    qstrcmp(reasonId(log->event(r).reason), reason) == 0)
                    return true;
            }
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(
            seen(200, "") && seen(401, "token_inactive") && seen(401, "token_missing"), 20'000);
        app.window.setDemoTraffic(false);
    }

    // Real requests fill the cache; the page lists them (fingerprints, never tokens) and its
    // buttons evict: the next request with an evicted token asks the demo IdP again.
    void cacheInspectorListsAndEvicts() {
        App app;
        QTRY_VERIFY(app.window.secretsLoaded());
        Config config = demoConfig();
        config.cache.enabled = true; // as the app's first start sets it
        QVERIFY(app.startWith(config));
        DemoIdp *idp = app.gateway.demoIdp();
        const QByteArray alice = idp->mint(QStringLiteral("alice"), QStringLiteral("read"), 600);
        const QByteArray alice2 = idp->mint(QStringLiteral("alice"), QStringLiteral("read"), 600);
        const QByteArray bob = idp->mint(QStringLiteral("bob"), QStringLiteral("read"), 600);
        const quint64 before = idp->introspectionCalls();
        for (const QByteArray &t : {alice, alice2, bob, alice})
            QCOMPARE(get(app.url("/cached"), t).status, 200);
        quint64 calls = idp->introspectionCalls();
        QCOMPARE(calls, before + 3);

        app.window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&app.window));
        auto *tabs = app.window.findChild<QTabWidget *>();
        const int index = tabs->indexOf(app.window.cacheInspector());
        QVERIFY(index >= 0);
        QTest::mouseClick(tabs->tabBar(), Qt::LeftButton, {},
                          tabs->tabBar()->tabRect(index).center());
        QCOMPARE(tabs->currentIndex(), index);
        auto *table = app.window.findChild<QTableWidget *>(QStringLiteral("cache-table"));
        QVERIFY(table);
        QTRY_COMPARE(table->rowCount(), 3);
        const auto rowOf = [table](const QByteArray &token) {
            for (int r = 0; r < table->rowCount(); ++r) {
                if (table->item(r, CacheInspectorPage::Fingerprint)->text().toLatin1() ==
                    tokenFingerprint(token))
                    return r;
            }
            return -1;
        };
        const int aliceRow = rowOf(alice);
        QVERIFY(aliceRow >= 0);
        QCOMPARE(table->item(aliceRow, CacheInspectorPage::Subject)->text(), u"alice"_qs);
        QCOMPARE(table->item(aliceRow, CacheInspectorPage::Hits)->text(), u"1"_qs);
        QCOMPARE(table->item(aliceRow, CacheInspectorPage::Source)->text(), u"idp"_qs);
        QCOMPARE(table->item(aliceRow, CacheInspectorPage::State)->text(), u"active"_qs);
        for (int r = 0; r < table->rowCount(); ++r)
            for (int c = 0; c < table->columnCount(); ++c)
                for (const QByteArray &t : {alice, alice2, bob})
                    QVERIFY(!table->item(r, c)->text().contains(QString::fromLatin1(t)));

        // Two entries, selected with the mouse (the second with Ctrl), kept selected across
        // the page's refresh.
        auto *evictSelected =
            app.window.findChild<QPushButton *>(QStringLiteral("cache-evict-selected"));
        QVERIFY(!evictSelected->isEnabled());
        const auto click = [table](int row, Qt::KeyboardModifiers modifiers) {
            QTest::mouseClick(table->viewport(), Qt::LeftButton, modifiers,
                              table->visualItemRect(table->item(row, 1)).center());
        };
        QVERIFY(rowOf(bob) >= 0 && rowOf(alice2) >= 0);
        click(rowOf(bob), {});
        click(rowOf(alice2), Qt::ControlModifier);
        app.window.cacheInspector()->refresh();
        QCOMPARE(table->selectionModel()->selectedRows().size(), 2);
        QVERIFY(evictSelected->isEnabled());
        QTest::mouseClick(evictSelected, Qt::LeftButton);
        QCOMPARE(table->rowCount(), 1);
        QCOMPARE(rowOf(alice), 0);
        QVERIFY2(app.window.cacheInspector()->outcome().contains(
                     QString::fromLatin1(tokenFingerprint(bob))),
                 qPrintable(app.window.cacheInspector()->outcome()));
        QCOMPARE(get(app.url("/cached"), alice).status, 200);
        QCOMPARE(idp->introspectionCalls(), calls);
        QCOMPARE(get(app.url("/cached"), bob).status, 200);
        QCOMPARE(idp->introspectionCalls(), ++calls);
        QCOMPARE(get(app.url("/cached"), alice2).status, 200);
        QCOMPARE(idp->introspectionCalls(), ++calls);

        // A subject's entries: typing filters the list, the button evicts them.
        auto *subject = app.window.findChild<QLineEdit *>(QStringLiteral("cache-subject"));
        QTest::keyClicks(subject, QStringLiteral("alice"));
        QCOMPARE(table->rowCount(), 2);
        QTest::mouseClick(
            app.window.findChild<QPushButton *>(QStringLiteral("cache-evict-subject")),
            Qt::LeftButton);
        QCOMPARE(table->rowCount(), 0);
        QVERIFY(app.window.cacheInspector()->outcome().contains(u"2 entries"));
        QCOMPARE(get(app.url("/cached"), alice2).status, 200);
        QCOMPARE(idp->introspectionCalls(), ++calls);
        subject->clear();
        QCOMPARE(table->rowCount(), 2); // bob and alice2

        QTest::mouseClick(app.window.findChild<QPushButton *>(QStringLiteral("cache-evict-all")),
                          Qt::LeftButton);
        QCOMPARE(table->rowCount(), 0);
        QCOMPARE(get(app.url("/cached"), bob).status, 200);
        QCOMPARE(idp->introspectionCalls(), ++calls);
        // Listed live: the timer brings the new entry in without a click.
        QTRY_COMPARE(table->rowCount(), 1);

        app.window.stopGateway();
        QTRY_COMPARE(table->rowCount(), 0);
        QVERIFY(
            !app.window.findChild<QPushButton *>(QStringLiteral("cache-evict-all"))->isEnabled());
    }

    // Open, edit, Save as, reopen, Export for the server: a hand-written file with two
    // endpoints and three routes (which the page does not show) survives; secrets stay
    // references (a typed-in one goes to an entry of the file's own, never to the one its
    // reference named, which another file may share); the export
    // loads in tokengated's way with the environment it lists.
    void configFileRoundTrip() {
        App app;
        QTRY_VERIFY(app.window.secretsLoaded());
        bool written = false;
        app.secrets.write(QStringLiteral("idp-secret"), QStringLiteral("secret-from-keychain"),
                          &app.window, [&](const SecretStore::Result &) { written = true; });
        QTRY_VERIFY(written);
        qunsetenv("TST_PARTNER_SECRET"); // a server's variable, not set on this desktop
        const QByteArray handWritten = R"(listen: "127.0.0.1:18181"
upstream:
  url: http://127.0.0.1:3000
introspection:
  - name: default
    url: https://idp.example.com/introspect
    client_id: gateway
    client_secret: keychain:idp-secret
  - name: partners
    url: https://partners.example.com/introspect
    auth_method: client_secret_post
    client_id: gateway
    client_secret: env:TST_PARTNER_SECRET
cache:
  ttl: 45
routes:
  - name: orders
    path_prefix: /orders/
    upstream: http://127.0.0.1:3001
  - name: partners
    path_prefix: /partners/
    introspection: partners
    destination: true
    destination_allow: ["*.partners.test"]
  - name: health
    path_prefix: /health
    methods: [GET]
    upstream: http://127.0.0.1:3002
    authenticate: false
)";
        const QString original = app.dir.filePath(QStringLiteral("hand.yml"));
        QFile file(original);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(handWritten);
        file.close();

        ConfigFileActions *files = app.window.configFiles();
        QSignalSpy opened(files, &ConfigFileActions::opened);
        // Asked first, with where each secret goes; declining reads none.
        QStringList asked;
        files->setConfirm([&asked](const QStringList &secrets) {
            asked = secrets;
            return false;
        });
        files->open(original);
        QVERIFY(opened.wait(10'000));
        QCOMPARE(opened.first().first().toBool(), false);
        QVERIFY(asked.contains(u"introspection.default.client_secret = keychain:idp-secret, sent "
                               "to https://idp.example.com/introspect"_qs));
        QVERIFY(asked.contains(u"introspection.partners.client_secret = env:TST_PARTNER_SECRET, "
                               "sent to https://partners.example.com/introspect"_qs));
        QVERIFY(app.window.settingsPage()->outcome().contains(u"not to be read"));
        QCOMPARE(app.window.settingsPage()->config().routes.size(), 0);
        files->setConfirm([](const QStringList &) { return true; });
        opened.clear();
        files->open(original);
        QVERIFY(opened.wait(10'000));
        QCOMPARE(opened.first().first().toBool(), true);
        // The server's variable is missing here: said, and the reference kept.
        QVERIFY2(app.window.settingsPage()->outcome().contains(u"env:TST_PARTNER_SECRET"),
                 qPrintable(app.window.settingsPage()->outcome()));
        QVERIFY(app.window.windowTitle().startsWith(u"hand.yml"));
        SettingsPage *page = app.window.settingsPage();
        auto *secret = page->findChild<QLineEdit *>(QStringLiteral("client-secret"));
        QCOMPARE(secret->text(), u"secret-from-keychain"_qs);
        QCOMPARE(page->config().routes.size(), 3);
        // Applied with the file open: its secrets are not copied into the app's own entries.
        QSignalSpy settingsSaved(&app.window, &MainWindow::settingsSaved);
        emit page->applyRequested(page->config());
        QTRY_COMPARE(settingsSaved.size(), 1);
        std::optional<SecretStore::Result> appEntry;
        app.secrets.read(u"client-secret"_qs, &app.window,
                         [&appEntry](const SecretStore::Result &r) { appEntry = r; });
        QTRY_VERIFY(appEntry.has_value());
        QCOMPARE(appEntry->status, SecretStore::Status::NotFound);

        // Edited as a user does: a new upstream and a new client secret, typed.
        auto *upstream = page->findChild<QLineEdit *>(QStringLiteral("upstream"));
        upstream->selectAll();
        QTest::keyClicks(upstream, QStringLiteral("http://127.0.0.1:3999"));
        secret->selectAll();
        QTest::keyClicks(secret, QStringLiteral("typed-new-secret"));
        auto *jwtSecret = page->findChild<QLineEdit *>(QStringLiteral("jwt-secret"));
        jwtSecret->selectAll();
        QTest::keyClicks(jwtSecret, QStringLiteral("typed-jwt-key-0123456789abcdef"));
        const QString saved = app.dir.filePath(QStringLiteral("saved.yml"));
        QSignalSpy savedSpy(files, &ConfigFileActions::saved);
        files->save(saved);
        QTRY_COMPARE_WITH_TIMEOUT(savedSpy.size(), 1, 10'000);
        QVERIFY2(savedSpy.first().first().toBool(), qPrintable(page->outcome()));
        QFile savedFile(saved);
        QVERIFY(savedFile.open(QIODevice::ReadOnly));
        const QByteArray text = savedFile.readAll();
        const QString clientEntry =
            ConfigDocument::entryName(saved, u"introspection.default.client_secret"_qs);
        const QString jwtEntry = ConfigDocument::entryName(saved, u"jwt.secret"_qs);
        QVERIFY2(clientEntry.startsWith(u"saved-"), qPrintable(clientEntry));
        QVERIFY2(text.contains(QByteArray("client_secret: keychain:" + clientEntry.toUtf8())),
                 text.constData());
        QVERIFY(text.contains("client_secret: env:TST_PARTNER_SECRET"));
        // Typed without a reference: this file's own keychain entry.
        QVERIFY2(text.contains(QByteArray("secret: keychain:" + jwtEntry.toUtf8())),
                 text.constData());
        QCOMPARE(page->config().jwt.secretRef, u"keychain:"_qs + jwtEntry);
        for (const QByteArray secretValue :
             {"typed-new-secret", "secret-from-keychain", "typed-jwt-key-0123456789abcdef"})
            QVERIFY2(!text.contains(secretValue), secretValue.constData());
        // The entry the file named keeps its value: another file may read it.
        for (const auto &[entry, value] :
             {std::pair{u"idp-secret"_qs, u"secret-from-keychain"_qs},
              std::pair{clientEntry, u"typed-new-secret"_qs},
              std::pair{jwtEntry, u"typed-jwt-key-0123456789abcdef"_qs}}) {
            std::optional<QString> stored;
            app.secrets.read(entry, &app.window,
                             [&stored](const SecretStore::Result &r) { stored = r.value; });
            QTRY_VERIFY(stored.has_value());
            QCOMPARE(*stored, value);
        }

        // Reopened, it is the hand-written file with the two edits: nothing else changed.
        const auto resolveEnv = [](const QString &reference, QString *) {
            return std::optional<QString>(reference.startsWith(u"env:")
                                              ? qEnvironmentVariable("TST_PARTNER_SECRET")
                                              : QStringLiteral("from-the-keychain"));
        };
        Config expected;
        QCOMPARE(applyConfigFile(original, expected, resolveEnv), QStringList());
        expected.upstreamUrl = QStringLiteral("http://127.0.0.1:3999");
        expected.jwt.secret = QStringLiteral("from-the-keychain");
        expected.jwt.secretRef = u"keychain:"_qs + jwtEntry;
        expected.introspection.clientSecretRef = u"keychain:"_qs + clientEntry;
        Config reopened;
        QCOMPARE(applyConfigFile(saved, reopened, resolveEnv), QStringList());
        const QStringList got = describeConfig(reopened).split(u'\n');
        const QStringList want = describeConfig(expected).split(u'\n');
        for (qsizetype i = 0; i < std::min(got.size(), want.size()); ++i)
            QCOMPARE(got[i], want[i]);
        QCOMPARE(got.size(), want.size());
        QCOMPARE(reopened.moreIntrospection.size(), 1);

        // The app's next start opens the file last saved.
        {
            MainWindow next(&app.gateway, &app.secrets, &app.settings);
            QTRY_COMPARE(next.settingsPage()->config().routes.size(), 3);
            QCOMPARE(next.configFiles()->path(), saved);
            QCOMPARE(next.settingsPage()->config().upstreamUrl, u"http://127.0.0.1:3999"_qs);
        }

        // For the server: no keychain there; every reference it needs is an env: one.
        QString message;
        const QString exported = app.dir.filePath(QStringLiteral("server.yml"));
        QVERIFY(files->exportForServer(exported, &message));
        // Named without the file path's digits.
        QVERIFY2(message.contains(u"TOKENGATE_SECRET_SAVED_INTROSPECTION_DEFAULT_CLIENT_SECRET"),
                 qPrintable(message));
        QVERIFY2(message.contains(u"TOKENGATE_SECRET_SAVED_JWT_SECRET"), qPrintable(message));
        QProcessEnvironment env;
        env.insert(QStringLiteral("TOKENGATE_SECRET_SAVED_INTROSPECTION_DEFAULT_CLIENT_SECRET"),
                   QStringLiteral("on-the-server"));
        env.insert(QStringLiteral("TOKENGATE_SECRET_SAVED_JWT_SECRET"), QStringLiteral("jwt-key"));
        env.insert(QStringLiteral("TST_PARTNER_SECRET"), QStringLiteral("partner"));
        Config server;
        QCOMPARE(applyConfigFile(exported, server, daemonSecretResolver(env)), QStringList());
        QCOMPARE(server.introspection.clientSecret, u"on-the-server"_qs);
        QCOMPARE(server.jwt.secret, u"jwt-key"_qs);
        QCOMPARE(server.routes.size(), 3);

        // Both endpoints renamed on the Endpoints page (the route naming one follows on the
        // Routes page): their secrets keep their references, the one not resolvable here too.
        app.window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&app.window));
        EndpointsEditor *endpoints = app.window.endpointsEditor();
        app.window.tabs()->setCurrentWidget(endpoints);
        endpoints->list()->setCurrentRow(0);
        QVERIFY(Test::typeInto(endpoints->form(), u"name"_qs, u"corp"_qs));
        endpoints->list()->setCurrentRow(1);
        QVERIFY(Test::typeInto(endpoints->form(), u"name"_qs, u"partner-b"_qs));
        RoutesEditor *routes = app.window.routesEditor();
        app.window.tabs()->setCurrentWidget(routes);
        routes->list()->setCurrentRow(1);
        QVERIFY(Test::typeInto(routes->form(), u"introspection"_qs, u"partner-b"_qs));
        QCOMPARE(page->config().routes[1].introspection, u"partner-b"_qs);
        savedSpy.clear();
        files->save(saved);
        QTRY_COMPARE_WITH_TIMEOUT(savedSpy.size(), 1, 10'000);
        QVERIFY2(savedSpy.first().first().toBool(), qPrintable(page->outcome()));
        QFile renamedFile(saved);
        QVERIFY(renamedFile.open(QIODevice::ReadOnly));
        const QByteArray renamed = renamedFile.readAll();
        QVERIFY2(renamed.contains("name: corp"), renamed.constData());
        QVERIFY(renamed.contains("name: partner-b"));
        QVERIFY2(renamed.contains(QByteArray("client_secret: keychain:" + clientEntry.toUtf8())),
                 renamed.constData());
        QVERIFY2(renamed.contains("client_secret: env:TST_PARTNER_SECRET"), renamed.constData());
        QVERIFY(!renamed.contains("keychain:saved.introspection"));
        QString renamedMessage;
        QVERIFY(files->exportForServer(exported, &renamedMessage));
        Config renamedServer;
        QCOMPARE(applyConfigFile(exported, renamedServer, daemonSecretResolver(env)),
                 QStringList());
        QCOMPARE(renamedServer.moreIntrospection.value(0).clientSecret, u"partner"_qs);

        // A file that does not parse is refused, and the page keeps what it had.
        QFile broken(app.dir.filePath(QStringLiteral("broken.yml")));
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write("routes: [\n  - name: x\n    bogus_key: 1\n");
        broken.close();
        opened.clear();
        files->open(broken.fileName());
        QVERIFY(opened.wait(10'000));
        QCOMPARE(opened.first().first().toBool(), false);
        QVERIFY(page->outcome().startsWith(u"Not opened"));
        QCOMPARE(page->config().upstreamUrl, u"http://127.0.0.1:3999"_qs);
    }

    // File > Import Express Gateway config: the daemon's importer fills the page, and what
    // it did not convert is listed under the buttons.
    // Three routes and two endpoints built from nothing on the app's pages, as a user types
    // them, then saved: the file means exactly what the same config written by hand means.
    // A typed secret never lands in an entry a kept reference names: an endpoint renamed
    // keeps its entry, and a new endpoint taking the old name gets one of its own.
    void typedSecretsNeverShareAnEntry() {
        App app;
        ConfigDocument document(&app.secrets);
        const QString path = app.dir.filePath(QStringLiteral("shared.yml"));
        const auto save = [&document, &path](const Config &c) {
            std::optional<Config> saved;
            document.save(path, c, [&saved](bool ok, const QStringList &, const Config &as) {
                if (ok)
                    saved = as;
            });
            (void)QTest::qWaitFor([&saved] { return saved.has_value(); }, 10'000);
            return saved;
        };
        Config c;
        IntrospectionConfig second;
        second.name = QStringLiteral("idp-2");
        second.url = QStringLiteral("https://two.example/introspect");
        second.clientId = QStringLiteral("gw");
        second.clientSecret = QStringLiteral("first-secret");
        c.moreIntrospection = {second};
        const std::optional<Config> first = save(c);
        QVERIFY(first);
        const QString firstRef = first->moreIntrospection[0].clientSecretRef;
        QCOMPARE(firstRef, u"keychain:"_qs + ConfigDocument::entryName(
                                                 path, u"introspection.idp-2.client_secret"_qs));
        Config renamed = *first;
        renamed.moreIntrospection[0].name = QStringLiteral("okta");
        second.clientSecret = QStringLiteral("second-secret");
        renamed.moreIntrospection << second; // takes the old name
        const std::optional<Config> again = save(renamed);
        QVERIFY(again);
        QCOMPARE(again->moreIntrospection[0].clientSecretRef, firstRef);
        const QString secondRef = again->moreIntrospection[1].clientSecretRef;
        QVERIFY2(!secondRef.isEmpty() && secondRef != firstRef, qPrintable(secondRef));
        for (const auto &[ref, value] :
             {std::pair{firstRef, u"first-secret"_qs}, std::pair{secondRef, u"second-secret"_qs}}) {
            std::optional<QString> stored;
            app.secrets.read(ref.mid(9), &app.window,
                             [&stored](const SecretStore::Result &r) { stored = r.value; });
            QTRY_VERIFY(stored.has_value());
            QCOMPARE(*stored, value);
        }

        // For the server, this file's own entries lose their path digits; a name the user
        // chose keeps its own, however much it looks like the app's.
        Config forServer = *again;
        IntrospectionConfig team;
        team.name = QStringLiteral("team");
        team.url = QStringLiteral("https://team.example/introspect");
        team.clientId = QStringLiteral("gw");
        team.clientSecretRef = QStringLiteral("keychain:team-1a2b3c4d.api");
        forServer.moreIntrospection << team;
        QStringList toSet, problems;
        const QString exported = document.exportForServer(forServer, &toSet, &problems);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u'\n')));
        const QString variables = toSet.join(u'\n');
        QVERIFY2(variables.contains(u"TOKENGATE_SECRET_SHARED_INTROSPECTION_IDP_2_CLIENT_SECRET "),
                 qPrintable(variables));
        QVERIFY2(variables.contains(u"TOKENGATE_SECRET_TEAM_1A2B3C4D_API "), qPrintable(variables));
        QVERIFY2(exported.contains(u"env:TOKENGATE_SECRET_TEAM_1A2B3C4D_API"),
                 qPrintable(exported));
    }

    void buildRoutesAndEndpointsInTheApp() {
        App app;
        QTRY_VERIFY(app.window.secretsLoaded());
        const QString keyFile = app.dir.filePath(QStringLiteral("partner.pem"));
        {
            QFile key(keyFile);
            QVERIFY(key.open(QIODevice::WriteOnly));
            key.write(Test::generatePrivateKeyPem("EC", 0, "P-256"));
        }
        const QString built = app.dir.filePath(QStringLiteral("built.yml"));
        const QString handWritten =
            QStringLiteral(R"(upstream:
  url: http://127.0.0.1:3000
introspection:
  - name: corp
    url: https://idp.example.com/introspect
    client_id: gateway
    client_secret: keychain:%2
  - name: partners
    url: https://partners.example.com/introspect
    auth_method: private_key_jwt
    client_id: gateway
    private_key_file: %1
    key_id: k1
routes:
  - name: orders
    path_prefix: /orders/
    upstream: http://127.0.0.1:3001
    required_scopes: [orders:read]
    identity_headers:
      X-User: sub
  - name: partners
    path_prefix: /partners/
    introspection: partners
    upstream: http://127.0.0.1:3002
    claims:
      - claim: client_id
        one_of: [alpha, beta]
  - name: health
    path_prefix: /health
    methods: [GET]
    upstream: http://127.0.0.1:3003
    authenticate: false
)")
                .arg(keyFile,
                     ConfigDocument::entryName(built, u"introspection.corp.client_secret"_qs));
        Config empty;
        empty.demo = false;
        SettingsPage *page = app.window.settingsPage();
        page->setConfig(empty);
        app.window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&app.window));

        app.window.tabs()->setCurrentWidget(page);
        QVERIFY(Test::typeInto(page, u"upstream"_qs, u"http://127.0.0.1:3000"_qs));

        EndpointsEditor *endpoints = app.window.endpointsEditor();
        app.window.tabs()->setCurrentWidget(endpoints);
        QWidget *form = endpoints->form();
        QCOMPARE(Test::typeAll(form, {{u"name"_qs, u"corp"_qs},
                                      {u"url"_qs, u"https://idp.example.com/introspect"_qs},
                                      {u"client_id"_qs, u"gateway"_qs},
                                      {u"client_secret"_qs, u"corp-secret"_qs}}),
                 QString());
        QTest::mouseClick(endpoints->findChild<QPushButton *>(u"endpoints-add"_qs), Qt::LeftButton);
        QCOMPARE(Test::typeAll(form, {{u"name"_qs, u"partners"_qs},
                                      {u"url"_qs, u"https://partners.example.com/introspect"_qs},
                                      {u"client_id"_qs, u"gateway"_qs},
                                      {u"private_key_file"_qs, keyFile},
                                      {u"key_id"_qs, u"k1"_qs}}),
                 QString());
        auto *method = form->findChild<QComboBox *>(u"auth_method"_qs);
        QTest::keyClicks(method, u"private_key_jwt"_qs);
        QCOMPARE(method->currentText(), u"private_key_jwt"_qs);

        RoutesEditor *routes = app.window.routesEditor();
        app.window.tabs()->setCurrentWidget(routes);
        auto *add = routes->findChild<QPushButton *>(u"routes-add"_qs);
        const auto table = [routes](const char *key) {
            return routes->form()->findChild<QTableWidget *>(QString::fromLatin1(key));
        };
        QTest::mouseClick(add, Qt::LeftButton);
        QCOMPARE(Test::typeAll(routes->form(), {{u"name"_qs, u"orders"_qs},
                                                {u"path_prefix"_qs, u"/orders/"_qs},
                                                {u"upstream"_qs, u"http://127.0.0.1:3001"_qs},
                                                {u"required_scopes"_qs, u"orders:read"_qs}}),
                 QString());
        QVERIFY(Test::typeInCell(table("identity_headers"), 0, 0, u"X-User"_qs));
        QVERIFY(Test::typeInCell(table("identity_headers"), 0, 1, u"sub"_qs));
        QTest::mouseClick(add, Qt::LeftButton);
        QCOMPARE(Test::typeAll(routes->form(), {{u"name"_qs, u"partners"_qs},
                                                {u"path_prefix"_qs, u"/partners/"_qs},
                                                {u"introspection"_qs, u"partners"_qs},
                                                {u"upstream"_qs, u"http://127.0.0.1:3002"_qs}}),
                 QString());
        QVERIFY(Test::typeInCell(table("claims"), 0, 0, u"client_id"_qs));
        QVERIFY(Test::typeInCell(table("claims"), 0, 1, u"one_of"_qs));
        QVERIFY(Test::typeInCell(table("claims"), 0, 2, u"alpha, beta"_qs));
        QTest::mouseClick(add, Qt::LeftButton);
        QCOMPARE(Test::typeAll(routes->form(), {{u"name"_qs, u"health"_qs},
                                                {u"path_prefix"_qs, u"/health"_qs},
                                                {u"methods"_qs, u"GET"_qs},
                                                {u"upstream"_qs, u"http://127.0.0.1:3003"_qs}}),
                 QString());
        auto *authenticate = routes->form()->findChild<QCheckBox *>(u"authenticate"_qs);
        QVERIFY(authenticate->isChecked());
        QTest::keyClick(authenticate, Qt::Key_Space);
        QVERIFY2(page->problems().isEmpty(), qPrintable(page->problems().join(u'\n')));

        ConfigFileActions *files = app.window.configFiles();
        QSignalSpy saved(files, &ConfigFileActions::saved);
        files->save(built);
        QTRY_COMPARE_WITH_TIMEOUT(saved.size(), 1, 10'000);
        QVERIFY2(saved.first().first().toBool(), qPrintable(page->outcome()));
        QFile builtFile(built);
        QVERIFY(builtFile.open(QIODevice::ReadOnly));
        QVERIFY(!builtFile.readAll().contains("corp-secret"));

        const QString hand = app.dir.filePath(QStringLiteral("hand.yml"));
        QFile handFile(hand);
        QVERIFY(handFile.open(QIODevice::WriteOnly));
        handFile.write(handWritten.toUtf8());
        handFile.close();
        // The typed secret is in the keychain, under the name the hand-written file gives.
        std::optional<QString> stored;
        app.secrets.read(ConfigDocument::entryName(built, u"introspection.corp.client_secret"_qs),
                         &app.window, [&](const SecretStore::Result &r) { stored = r.value; });
        QTRY_VERIFY(stored.has_value());
        QCOMPARE(*stored, u"corp-secret"_qs);
        const auto keychain = [&stored](const QString &, QString *) { return stored; };
        Config fromHand;
        QCOMPARE(applyConfigFile(hand, fromHand, keychain), QStringList());
        Config fromApp;
        QCOMPARE(applyConfigFile(built, fromApp, keychain), QStringList());
        const QStringList got = describeConfig(fromApp).split(u'\n');
        const QStringList want = describeConfig(fromHand).split(u'\n');
        for (qsizetype i = 0; i < std::min(got.size(), want.size()); ++i)
            QCOMPARE(got[i], want[i]);
        QCOMPARE(got.size(), want.size());
        QCOMPARE(fromApp.routes.size(), 3);
        QCOMPARE(fromApp.moreIntrospection.size(), 1);

        // Reopened in the app (saved by it: not asked about), the same settings again.
        page->setConfig(empty);
        QSignalSpy opened(files, &ConfigFileActions::opened);
        files->open(built);
        QVERIFY(opened.wait(10'000));
        QVERIFY2(opened.first().first().toBool(), qPrintable(page->outcome()));
        QCOMPARE(page->config().routes, fromHand.routes);
        QCOMPARE(page->config().introspection, fromHand.introspection);
        QCOMPARE(page->config().moreIntrospection, fromHand.moreIntrospection);
        QCOMPARE(endpoints->list()->count(), 2);
    }

    void importExpressGatewayConfig() {
        App app;
        QTRY_VERIFY(app.window.secretsLoaded());
        const QString path = QStringLiteral(TOKENGATE_SOURCE_DIR "/tests/data/eg/two-idps.yml");
        QVERIFY(app.window.configFiles()->importExpressGateway(path));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const EgImport direct = importExpressGateway(file.readAll());
        QVERIFY(!direct.notConverted.isEmpty());
        Config expected;
        QCOMPARE(applyConfigText(
                     direct.tokengateYaml, path, expected,
                     [](const QString &, QString *) { return std::optional<QString>(QString()); }),
                 QStringList());
        const Config shown = app.window.settingsPage()->config();
        QVERIFY(!shown.routes.isEmpty());
        QCOMPARE(describeConfig(shown), describeConfig(expected));
        const QString outcome = app.window.settingsPage()->outcome();
        QVERIFY2(outcome.contains(u"Not converted"), qPrintable(outcome));
        for (const QString &item : direct.notConverted)
            QVERIFY2(outcome.contains(item), qPrintable(item));

        QVERIFY(!app.window.configFiles()->importExpressGateway(app.dir.filePath(u"none.yml"_qs)));
        QVERIFY(app.window.settingsPage()->outcome().startsWith(u"Not imported"));
        QCOMPARE(app.window.settingsPage()->config().routes.size(), shown.routes.size());
    }

    // Routes built in the Routes tab with the mouse and keyboard, applied to the running
    // gateway: traffic follows them; reordering (as a drag moves the row) and removing too.
    // A route's header map and claim rules typed into their tables reach the gateway: only
    // alice passes, and the upstream hears who she is under the header chosen.
    void routeHeaderMapsAndClaimRules() {
        App app;
        QTRY_VERIFY(app.window.secretsLoaded());
        QVERIFY(app.startWith(demoConfig()));
        app.window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&app.window));
        RoutesEditor *editor = app.window.routesEditor();
        app.window.tabs()->setCurrentWidget(editor);
        QTest::mouseClick(editor->findChild<QPushButton *>(QStringLiteral("routes-add")),
                          Qt::LeftButton);
        QVERIFY(Test::typeInto(editor->form(), u"name"_qs, u"alice-only"_qs));
        // The demo's echo upstream: a route names its own.
        QVERIFY(Test::typeInto(editor->form(), u"upstream"_qs,
                               app.gateway.runningConfig().upstreamUrl));

        auto *claims = editor->form()->findChild<QTableWidget *>(QStringLiteral("claims"));
        QVERIFY(claims);
        QCOMPARE(claims->rowCount(), 1); // the empty row to type into
        QVERIFY(Test::typeInCell(claims, 0, 0, u"sub"_qs));
        // A rule without its value is refused, and says so under the table.
        QVERIFY(editor->form()->problem(u"claims"_qs).contains(u"give a value"));
        QVERIFY(Test::typeInCell(claims, 0, 1, u"equals"_qs));
        QVERIFY(Test::typeInCell(claims, 0, 2, u"alice"_qs));
        QCOMPARE(editor->form()->problem(u"claims"_qs), QString());
        QCOMPARE(claims->rowCount(), 2); // a new empty row
        // A test that does not exist is refused and leaves the applied rules alone.
        QVERIFY(Test::typeInCell(claims, 0, 1, u"like"_qs));
        QVERIFY(editor->form()->problem(u"claims"_qs).contains(u"not \"like\""));
        QCOMPARE(app.window.settingsPage()->config().routes[0].claimRules.size(), 1);
        QVERIFY(Test::typeInCell(claims, 0, 1, u"equals"_qs));

        auto *headers =
            editor->form()->findChild<QTableWidget *>(QStringLiteral("identity_headers"));
        QVERIFY(headers);
        QVERIFY(Test::typeInCell(headers, 0, 0, u"Bad Header"_qs));
        QVERIFY(Test::typeInCell(headers, 0, 1, u"sub"_qs));
        QVERIFY(editor->form()->problem(u"identity_headers"_qs).contains(u"not a valid header"));
        QVERIFY(Test::typeInCell(headers, 0, 0, u"X-Who"_qs));
        QCOMPARE(editor->form()->problem(u"identity_headers"_qs), QString());

        const Config edited = app.window.settingsPage()->config();
        QCOMPARE(edited.routes.size(), 1);
        const QList<ClaimRule> expected{{u"sub"_qs, ClaimRule::Op::Equals, {u"alice"_qs}}};
        QCOMPARE(edited.routes[0].claimRules, expected);
        QCOMPARE(edited.routes[0].identityHeaders,
                 (QMap<QString, QString>{{u"X-Who"_qs, u"sub"_qs}}));
        QVERIFY2(app.window.settingsPage()->problems().isEmpty(),
                 qPrintable(app.window.settingsPage()->problems().join(u'\n')));
        emit app.window.settingsPage()->applyRequested(edited);
        QCOMPARE(app.gateway.runningConfig().routes.size(), 1);

        DemoIdp *idp = app.gateway.demoIdp();
        const QByteArray alice = idp->mint(u"alice"_qs, u"read"_qs, 600);
        const QByteArray bob = idp->mint(u"bob"_qs, u"read"_qs, 600);
        const Reply passed = get(app.url("/x"), alice);
        QCOMPARE(passed.status, 200);
        const QJsonObject echoed = QJsonDocument::fromJson(passed.body).object();
        QVERIFY2(QJsonDocument(echoed).toJson().contains("\"alice\""), passed.body.constData());
        QVERIFY2(passed.body.toLower().contains("x-who"), passed.body.constData());
        QCOMPARE(get(app.url("/x"), bob).status, 403);

        // Emptying the claim's name removes the rule: bob passes again once applied.
        QVERIFY(Test::typeInCell(claims, 0, 0, QString()));
        QVERIFY(Test::typeInCell(claims, 0, 1, QString()));
        QVERIFY(Test::typeInCell(claims, 0, 2, QString()));
        QVERIFY(app.window.settingsPage()->config().routes[0].claimRules.isEmpty());
        emit app.window.settingsPage()->applyRequested(app.window.settingsPage()->config());
        QCOMPARE(get(app.url("/x"), bob).status, 200);

        // In the demo a route without an upstream goes to the echo upstream; a file has no
        // demo, so such a config is not saved as one.
        QTest::mouseClick(editor->findChild<QPushButton *>(QStringLiteral("routes-add")),
                          Qt::LeftButton);
        QVERIFY2(app.window.settingsPage()->problems().isEmpty(),
                 qPrintable(app.window.settingsPage()->problems().join(u'\n')));
        QSignalSpy saved(app.window.configFiles(), &ConfigFileActions::saved);
        app.window.configFiles()->save(app.dir.filePath(QStringLiteral("demo.yml")));
        QTRY_COMPARE(saved.size(), 1);
        QCOMPARE(saved.first().first().toBool(), false);
        QVERIFY2(app.window.settingsPage()->outcome().contains(u"no upstream"),
                 qPrintable(app.window.settingsPage()->outcome()));
        QVERIFY(!QFile::exists(app.dir.filePath(QStringLiteral("demo.yml"))));
    }

    // Edits on the Settings, Routes and All settings pages are undone one step at a time,
    // whatever page made them; typing into one field is one step; Revert is a step too.
    void undoRedoAcrossPages() {
        App app;
        QTRY_VERIFY(app.window.secretsLoaded());
        app.window.settingsPage()->setConfig(demoConfig());
        app.window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&app.window));
        QAction *undo = app.window.undoAction();
        QAction *redo = app.window.redoAction();
        QCOMPARE(undo->shortcut(), QKeySequence(QKeySequence::Undo));
        QVERIFY(!undo->isEnabled());
        QVERIFY(!redo->isEnabled());
        SettingsPage *page = app.window.settingsPage();
        const Config start = page->config();

        app.window.tabs()->setCurrentWidget(page);
        QVERIFY(Test::typeInto(page, u"jwt-header"_qs, u"X-Gateway-JWT"_qs));
        QCOMPARE(page->config().jwt.headerName, u"X-Gateway-JWT"_qs);
        QVERIFY(undo->isEnabled());
        QVERIFY2(undo->text().contains(u"jwt.header"), qPrintable(undo->text()));

        RoutesEditor *routes = app.window.routesEditor();
        app.window.tabs()->setCurrentWidget(routes);
        QTest::mouseClick(routes->findChild<QPushButton *>(QStringLiteral("routes-add")),
                          Qt::LeftButton);
        QVERIFY(Test::typeInto(routes->form(), u"path_prefix"_qs, u"/a/"_qs));
        QCOMPARE(page->config().routes.size(), 1);

        AllSettingsPage *all = app.window.allSettings();
        app.window.tabs()->setCurrentWidget(all);
        const QString ttlShown = all->findChild<QLineEdit *>(u"cache.ttl"_qs)->text();
        QVERIFY(Test::typeInto(all, u"cache.ttl"_qs, u"45"_qs));
        QCOMPARE(page->config().cache.ttlSecs, 45);

        undo->trigger(); // cache.ttl
        QCOMPARE(page->config().cache.ttlSecs, start.cache.ttlSecs);
        QCOMPARE(all->findChild<QLineEdit *>(u"cache.ttl"_qs)->text(), ttlShown);
        undo->trigger(); // path_prefix
        QCOMPARE(page->config().routes.size(), 1);
        QCOMPARE(page->config().routes[0].pathPrefix, u"/"_qs);
        undo->trigger(); // the route added
        QCOMPARE(page->config().routes.size(), 0);
        app.window.tabs()->setCurrentWidget(routes);
        QCOMPARE(routes->list()->count(), 0);
        undo->trigger(); // the whole header name typed, in one step
        QCOMPARE(page->config().jwt.headerName, start.jwt.headerName);
        QCOMPARE(page->findChild<QLineEdit *>(u"jwt-header"_qs)->text(), start.jwt.headerName);
        QVERIFY(!undo->isEnabled());
        QCOMPARE(page->config(), start);

        redo->trigger();
        redo->trigger();
        QCOMPARE(page->config().jwt.headerName, u"X-Gateway-JWT"_qs);
        QCOMPARE(routes->list()->count(), 1);
        QCOMPARE(page->config().routes[0].pathPrefix, u"/"_qs);
        QVERIFY(redo->isEnabled());
        // A new edit: what was undone cannot be redone any more.
        app.window.tabs()->setCurrentWidget(page);
        QVERIFY(Test::typeInto(page, u"jwt-header"_qs, u"X-Other"_qs));
        QVERIFY(!redo->isEnabled());

        // Revert goes back to what was loaded, and is undone like any edit.
        QPushButton *revert = nullptr;
        for (QPushButton *b : page->findChildren<QPushButton *>()) {
            if (b->text() == u"Revert")
                revert = b;
        }
        QVERIFY(revert);
        QTest::mouseClick(revert, Qt::LeftButton);
        QCOMPARE(page->config(), start);
        undo->trigger();
        QCOMPARE(page->config().jwt.headerName, u"X-Other"_qs);
        QCOMPARE(page->config().routes.size(), 1);

        // Revert right after typing is a step of its own: Undo brings the typing back.
        page->setConfig(start);
        app.window.tabs()->setCurrentWidget(page);
        QVERIFY(Test::typeInto(page, u"jwt-header"_qs, u"X-Third"_qs));
        QTest::mouseClick(revert, Qt::LeftButton);
        QCOMPARE(page->config().jwt.headerName, start.jwt.headerName);
        undo->trigger();
        QCOMPARE(page->config().jwt.headerName, u"X-Third"_qs);

        // Loading a config starts a new history.
        page->setConfig(start);
        QVERIFY(!undo->isEnabled());
        QVERIFY(!redo->isEnabled());
    }

    void routesEditorDrivesTraffic() {
        QString error;
        const auto echo = Test::startEchoUpstream(&error);
        QVERIFY2(echo, qPrintable(error));
        const QString echoUrl = Test::loopbackUrl(*echo);
        App app;
        QTRY_VERIFY(app.window.secretsLoaded());
        Config c;
        c.server.port = 0;
        c.server.workers = 1;
        c.auth = AuthMode::None;
        c.upstreamUrl = echoUrl;
        QVERIFY(app.startWith(c));
        QCOMPARE(get(app.url("/anything")).status, 200); // no routes: all to the upstream

        app.window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&app.window));
        RoutesEditor *editor = app.window.routesEditor();
        app.window.tabs()->setCurrentWidget(editor);
        auto *add = editor->findChild<QPushButton *>(QStringLiteral("routes-add"));
        const auto type = [editor](const char *key, const QString &text) {
            return Test::typeInto(editor->form(), QString::fromLatin1(key), text);
        };
        // "open" takes /open/; "fallback" takes everything else to a port nothing listens on.
        QTest::mouseClick(add, Qt::LeftButton);
        QVERIFY(type("name", u"open"_qs));
        QVERIFY(type("path_prefix", u"/open/"_qs));
        // The core's problem with the route shows under the field it is about.
        QVERIFY2(editor->form()->problem(u"upstream"_qs).contains(u"no upstream"),
                 qPrintable(editor->findChild<QLabel *>(u"routes-problems"_qs)->text()));
        QVERIFY(type("upstream", echoUrl));
        QCOMPARE(editor->form()->problem(u"upstream"_qs), QString());
        QTest::mouseClick(add, Qt::LeftButton);
        QVERIFY(type("name", u"fallback"_qs));
        QVERIFY(type("path_prefix", u"/"_qs));
        QVERIFY(type("upstream",
                     QStringLiteral("http://127.0.0.1:%1").arg(Test::closedLoopbackPort())));
        QVERIFY(type("methods", u"GET, POST"_qs));
        QCOMPARE(editor->list()->count(), 2);
        QCOMPARE(editor->list()->item(0)->text(), u"open"_qs);
        // A refused value says why under its field and changes nothing.
        QVERIFY(type("path_prefix", u"no-slash"_qs));
        QVERIFY(!editor->form()->problem(u"path_prefix"_qs).isEmpty());
        QCOMPARE(app.window.settingsPage()->config().routes[1].pathPrefix, u"/"_qs);

        QVERIFY2(app.window.settingsPage()->problems().isEmpty(),
                 qPrintable(app.window.settingsPage()->problems().join(u'\n')));
        QVERIFY(app.window.settingsPage()->changes().contains(u"routes.open: added"));
        emit app.window.settingsPage()->applyRequested(app.window.settingsPage()->config());
        QCOMPARE(app.gateway.runningConfig().routes.size(), 2);
        QCOMPARE(get(app.url("/open/x")).status, 200);
        QCOMPARE(get(app.url("/elsewhere")).status, 502);
        QCOMPARE(get(app.url("/open/x")).status, 200);

        // Reordered as a drag does (the list model moves the row): the fallback comes first
        // and takes /open/ too once applied.
        QVERIFY(editor->list()->model()->moveRow(QModelIndex(), 1, QModelIndex(), 0));
        QCOMPARE(app.window.settingsPage()->config().routes[0].name, u"fallback"_qs);
        QVERIFY(app.window.settingsPage()->changes().contains(u"routes: order open, fallback → "
                                                              "fallback, open"));
        // The Routes page's own "Which route takes a request?" follows the edited order.
        auto *probeUrl = editor->findChild<QLineEdit *>(u"route-probe-url"_qs);
        QVERIFY(probeUrl);
        QTest::keyClicks(probeUrl, u"http://127.0.0.1/open/x"_qs);
        QTest::mouseClick(editor->findChild<QPushButton *>(u"route-probe-run"_qs), Qt::LeftButton);
        const QString probed = editor->findChild<QLabel *>(u"route-probe-result"_qs)->text();
        QVERIFY2(probed.contains(u"fallback"), qPrintable(probed));
        emit app.window.settingsPage()->applyRequested(app.window.settingsPage()->config());
        QCOMPARE(get(app.url("/open/x")).status, 502);
        // Removed: the selected one.
        editor->list()->setCurrentRow(0);
        QTest::mouseClick(editor->findChild<QPushButton *>(QStringLiteral("routes-remove")),
                          Qt::LeftButton);
        QCOMPARE(app.window.settingsPage()->config().routes.size(), 1);
        QCOMPARE(app.window.settingsPage()->config().routes[0].name, u"open"_qs);
        emit app.window.settingsPage()->applyRequested(app.window.settingsPage()->config());
        QCOMPARE(app.gateway.runningConfig().routes.size(), 1);
        QCOMPARE(get(app.url("/open/x")).status, 200);
        QCOMPARE(get(app.url("/elsewhere")).status, 404);

        // A config loaded meanwhile (a file opened, say) replaces the editor's copy: an edit
        // after it does not bring the old routes back.
        Config loaded = app.window.settingsPage()->config();
        loaded.routes.clear();
        app.window.settingsPage()->setConfig(loaded);
        QCOMPARE(editor->list()->count(), 0);
        QTest::mouseClick(add, Qt::LeftButton);
        QCOMPARE(app.window.settingsPage()->config().routes.size(), 1);
        QCOMPARE(app.window.settingsPage()->config().routes[0].name, u"route-1"_qs);
        QTest::mouseClick(editor->findChild<QPushButton *>(QStringLiteral("routes-remove")),
                          Qt::LeftButton);

        // A setting no other page shows, in All settings: applied, or refused with why.
        AllSettingsPage *all = app.window.allSettings();
        app.window.tabs()->setCurrentWidget(all);
        auto *maxConnections =
            all->form()->findChild<QLineEdit *>(QStringLiteral("limits.max_connections"));
        QVERIFY(maxConnections);
        maxConnections->selectAll();
        QTest::keyClicks(maxConnections, QStringLiteral("123"));
        QTest::keyClick(maxConnections, Qt::Key_Return);
        QCOMPARE(app.window.settingsPage()->config().server.limits.maxConnections, 123);
        maxConnections->selectAll();
        QTest::keyClicks(maxConnections, QStringLiteral("-5"));
        QTest::keyClick(maxConnections, Qt::Key_Return);
        QVERIFY(!all->form()->problem(u"limits.max_connections"_qs).isEmpty());
        QCOMPARE(app.window.settingsPage()->config().server.limits.maxConnections, 123);
        QVERIFY(app.window.settingsPage()->changes().contains(u"limits.max_connections:"));
    }

    void testBench_data() {
        QTest::addColumn<QStringList>("requiredScopes");
        QTest::addColumn<bool>("revoke");
        QTest::addColumn<bool>("allowed");
        QTest::addColumn<QString>("decision");
        QTest::newRow("allowed") << QStringList() << false << true << "allowed";
        QTest::newRow("revoked") << QStringList() << true << false << "token_inactive";
        QTest::newRow("missing scope")
            << QStringList{QStringLiteral("admin")} << false << false << "scope_insufficient";
    }
    void testBench() {
        QFETCH(QStringList, requiredScopes);
        QFETCH(bool, revoke);
        QFETCH(bool, allowed);
        QFETCH(QString, decision);
        App app;
        Config c = demoConfig();
        c.requiredScopes = requiredScopes;
        QVERIFY(app.startWith(c));
        TestBenchPage *bench = app.window.testBench();
        QVERIFY(bench->mintDemoToken());
        QByteArray token;
        if (revoke) {
            token =
                app.gateway.demoIdp()->mint(QStringLiteral("gone"), QStringLiteral("read"), 600);
            app.gateway.demoIdp()->revoke(token);
            bench->setToken(token);
        }
        QSignalSpy checked(bench, &TestBenchPage::checked);
        bench->check();
        QVERIFY(checked.wait(15'000));
        const TestBenchReport &r = bench->report();
        QCOMPARE(r.allowed, allowed);
        QVERIFY2(r.decision.contains(decision), qPrintable(r.decision));
        QVERIFY(r.introspection.contains(u"\"active\""));
        QVERIFY(r.curl.startsWith(u"curl -i --path-as-is -g -H 'Authorization: Bearer "));
        QVERIFY(r.curl.contains(app.gateway.service().listenUrl()));
        if (allowed) {
            QVERIFY2(r.jwtPayload.contains(u"\"sub\": \"demo-user\""), qPrintable(r.jwtPayload));
            QVERIFY(r.jwtHeader.contains(u"HS256"));
            // The JWT is what the upstream really gets: the demo echo shows it.
            const QByteArray tokenInCurl =
                r.curl.section(QStringLiteral("Bearer "), 1).section(u'\'', 0, 0).toLatin1();
            const Reply echoed = get(app.url("/echo"), tokenInCurl);
            QCOMPARE(echoed.status, 200);
            QVERIFY(echoed.body.contains(r.jwt.split('.').first()));
        } else {
            QVERIFY(r.jwt.isEmpty());
        }
    }

    // A pasted JWT under `validation: jwt`: decoded, judged with the running gateway's keys
    // and rules, the failing check named; typed and clicked as a user would.
    void testBenchJudgesJwts_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<bool>("allowed");
        QTest::addColumn<QString>("says");
        QTest::newRow("valid") << u"valid"_qs << true << u"valid locally"_qs;
        QTest::newRow("other audience") << u"audience"_qs << false << u"token_invalid (aud"_qs;
        QTest::newRow("expired") << u"expired"_qs << false << u"token_expired"_qs;
        QTest::newRow("forged") << u"forged"_qs << false << u"signature does not verify"_qs;
        QTest::newRow("unknown key") << u"kid"_qs << false << u"publishes no key"_qs;
        QTest::newRow("alg none") << u"none"_qs << false << u"not accepted"_qs;
        QTest::newRow("revoked here") << u"revoked"_qs << false << u"token_revoked"_qs;
        QTest::newRow("opaque") << u"opaque"_qs << false << u"JWTs only"_qs;
    }
    void testBenchJudgesJwts() {
        QFETCH(QString, kind);
        QFETCH(bool, allowed);
        QFETCH(QString, says);
        const Test::TestIssuerKey key("ES256", QStringLiteral("bench-key"));
        QHttpServer issuer;
        issuer.route(QStringLiteral("/jwks"), [&key] {
            return QHttpServerResponse("application/json", Test::jwksOf({key.publicJwk()}));
        });
        const quint16 port = issuer.listen(QHostAddress::LocalHost, 0);
        QVERIFY(port);
        const QString issuerUrl = QStringLiteral("http://127.0.0.1:%1").arg(port);
        const QString audience = QStringLiteral("https://api.test");

        App app;
        Config c = demoConfig();
        c.demo = false;
        c.upstreamUrl = QStringLiteral("http://127.0.0.1:9");
        c.auth = AuthMode::Introspection;
        c.introspection.issuer = issuerUrl;
        c.introspection.jwksUri = issuerUrl + QStringLiteral("/jwks");
        c.introspection.validation = TokenValidation::Jwt;
        c.introspection.audiences = {audience};
        QVERIFY(app.startWith(c));
        QTRY_VERIFY_WITH_TIMEOUT(app.gateway.service().issuerKeys() != nullptr, 10'000);

        const qint64 now = QDateTime::currentSecsSinceEpoch();
        QJsonObject claims = Test::accessTokenClaims(issuerUrl, audience, now, 600);
        QJsonObject header = key.header();
        if (kind == u"audience")
            claims.insert(u"aud", u"https://elsewhere.test"_qs);
        if (kind == u"expired")
            claims = Test::accessTokenClaims(issuerUrl, audience, now - 3600, 600);
        if (kind == u"kid")
            header.insert(u"kid", u"rotated-away"_qs);
        QByteArray token = key.sign(header, claims);
        if (kind == u"forged") {
            const Test::TestIssuerKey impostor("ES256", QStringLiteral("bench-key"));
            token = impostor.sign(header, claims);
        }
        if (kind == u"none") {
            const QList<QByteArray> parts = token.split('.');
            token = QJsonDocument(QJsonObject{{u"alg"_qs, u"none"_qs}})
                        .toJson(QJsonDocument::Compact)
                        .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals) +
                    '.' + parts[1] + '.';
        }
        if (kind == u"opaque")
            token = "an-opaque-token";
        if (kind == u"revoked") {
            QString error;
            QVERIFY(app.gateway.service().revocations().add(
                {RevocationList::Kind::Jti, claims.value(u"jti").toString().toUtf8(), now,
                 now + 600},
                now, &error));
        }

        TestBenchPage *bench = app.window.testBench();
        auto *field = bench->findChild<QLineEdit *>(QStringLiteral("benchToken"));
        auto *checkButton = bench->findChild<QPushButton *>(QStringLiteral("benchCheck"));
        auto *decision = bench->findChild<QLabel *>(QStringLiteral("benchDecision"));
        auto *decoded = bench->findChild<QPlainTextEdit *>(QStringLiteral("benchDecoded"));
        QVERIFY(field && checkButton && decision && decoded);
        QVERIFY(checkButton->isEnabled());
        field->clear();
        QTest::keyClicks(field, QString::fromLatin1(token));
        QSignalSpy checked(bench, &TestBenchPage::checked);
        QTest::mouseClick(checkButton, Qt::LeftButton);
        QVERIFY(checked.count() == 1 || checked.wait(10'000));

        const TestBenchReport &r = bench->report();
        QCOMPARE(r.allowed, allowed);
        QVERIFY2(decision->text().contains(says), qPrintable(decision->text()));
        QVERIFY2(decision->text().startsWith(u"JWT check: "), qPrintable(decision->text()));
        if (kind == u"opaque") {
            QVERIFY(decoded->toPlainText().startsWith(u"Not a JWT"));
        } else {
            QVERIFY2(decoded->toPlainText().contains(u"\"sub\": \"alice\""),
                     qPrintable(decoded->toPlainText()));
            QVERIFY2(decoded->toPlainText().contains(kind == u"expired" ? u" ago)"_qs : u"(in "_qs),
                     qPrintable(decoded->toPlainText()));
        }
        QVERIFY(!decision->text().contains(QString::fromLatin1(token)));
    }

    // The bench judges a token by the route its request takes, as the data path does: typed
    // method and path, the gateway's normalisation, each route's scopes, policy, public routes
    // and pass_through. The demo token has the scopes "read write".
    // Each row's request also goes through the running gateway as typed, token where the
    // route looks for it: the status it answers must be the one the bench foretells (2xx from
    // the echo upstream when allowed or forwarded by pass_through).
    void testBenchJudgesByRoute_data() {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<bool>("allowed");
        QTest::addColumn<QString>("says");
        QTest::addColumn<int>("status");
        QTest::newRow("orders") << u"GET"_qs << u"/orders/7"_qs << true << u"route 2 \"orders\""_qs
                                << 200;
        QTest::newRow("head") << u"HEAD"_qs << u"/orders/7"_qs << true << u"route 2"_qs << 200;
        QTest::newRow("delete needs admin")
            << u"DELETE"_qs << u"/orders/7"_qs << false << u"scope_insufficient"_qs << 403;
        QTest::newRow("override to delete") << u"GET"_qs << u"/orders/7?_method=DELETE"_qs << false
                                            << u"400 method_override"_qs << 400;
        QTest::newRow("admin") << u"GET"_qs << u"/admin/users"_qs << false
                               << u"scope_insufficient"_qs << 403;
        QTest::newRow("dot segments reach admin") << u"GET"_qs << u"/orders/../admin/users"_qs
                                                  << false << u"scope_insufficient"_qs << 403;
        QTest::newRow("audience") << u"GET"_qs << u"/partner"_qs << false << u"aud"_qs << 403;
        QTest::newRow("public") << u"GET"_qs << u"/public/x"_qs << true << u"is public"_qs << 200;
        QTest::newRow("pass_through")
            << u"GET"_qs << u"/lenient"_qs << false << u"pass_through forwards"_qs << 200;
        QTest::newRow("cookie") << u"GET"_qs << u"/cookie"_qs << true << u"route 7"_qs << 200;
        QTest::newRow("query") << u"GET"_qs << u"/query?page=2"_qs << true << u"route 8"_qs << 200;
        QTest::newRow("query typed twice") << u"GET"_qs << u"/query?access_token=typed"_qs << false
                                           << u"token_malformed"_qs << 401;
        QTest::newRow("space in the path")
            << u"GET"_qs << u"/orders 7"_qs << false << u"%20 for a space"_qs << 400;
        QTest::newRow("not ASCII")
            << u"GET"_qs << u"/caf\u00e9"_qs << false << u"percent-encoded"_qs << 400;
        QTest::newRow("no route") << u"GET"_qs << u"/elsewhere"_qs << false
                                  << u"404 route_not_found"_qs << 404;
    }
    void testBenchJudgesByRoute() {
        QFETCH(QString, method);
        QFETCH(QString, path);
        QFETCH(bool, allowed);
        QFETCH(QString, says);
        QFETCH(int, status);
        App app;
        Config c = demoConfig();
        const auto route = [](const QString &name, const QString &prefix) {
            RouteConfig r; // no upstream: the demo's echo
            r.name = name;
            r.pathPrefix = prefix;
            return r;
        };
        RouteConfig deletes = route(u"deletes"_qs, u"/orders"_qs);
        deletes.methods = {u"DELETE"_qs};
        deletes.requiredScopes = {u"admin"_qs};
        RouteConfig orders = route(u"orders"_qs, u"/orders"_qs);
        orders.requiredScopes = {u"read"_qs};
        RouteConfig admin = route(u"admin"_qs, u"/admin"_qs);
        admin.requiredScopes = {u"admin"_qs};
        RouteConfig partner = route(u"partner"_qs, u"/partner"_qs);
        partner.audiences = {u"https://partner.test"_qs};
        RouteConfig open = route(u"public"_qs, u"/public"_qs);
        open.authenticate = false;
        RouteConfig lenient = route(u"lenient"_qs, u"/lenient"_qs);
        lenient.requiredScopes = {u"admin"_qs};
        lenient.passThrough = true;
        RouteConfig cookie = route(u"cookie"_qs, u"/cookie"_qs);
        cookie.tokenSources = {{TokenSource::Kind::Cookie, u"session"_qs}};
        RouteConfig query = route(u"query"_qs, u"/query"_qs);
        query.tokenSources = {{TokenSource::Kind::Query, {}}};
        c.routes = {deletes, orders, admin, partner, open, lenient, cookie, query};
        QVERIFY(app.startWith(c));

        TestBenchPage *bench = app.window.testBench();
        QVERIFY(bench->mintDemoToken());
        auto *tokenField = bench->findChild<QLineEdit *>(QStringLiteral("benchToken"));
        auto *methodBox = bench->findChild<QComboBox *>(QStringLiteral("benchMethod"));
        auto *pathField = bench->findChild<QLineEdit *>(QStringLiteral("benchPath"));
        auto *checkButton = bench->findChild<QPushButton *>(QStringLiteral("benchCheck"));
        QVERIFY(tokenField && methodBox && pathField && checkButton);
        methodBox->setCurrentText(method);
        pathField->clear();
        if (path.toLatin1() == path.toUtf8())
            QTest::keyClicks(pathField, path);
        else
            pathField->setText(path); // QTest types ASCII only
        QSignalSpy checked(bench, &TestBenchPage::checked);
        QTest::mouseClick(checkButton, Qt::LeftButton);
        QVERIFY(checked.count() == 1 || checked.wait(15'000));
        const TestBenchReport &r = bench->report();
        QVERIFY2(r.decision.contains(says), qPrintable(r.decision));
        QCOMPARE(r.allowed, allowed);
        QCOMPARE(r.jwt.isEmpty(), !allowed || path.startsWith(u"/public"));
        const bool sendable = std::all_of(path.cbegin(), path.cend(), [](QChar ch) {
            return ch.unicode() > 0x20 && ch.unicode() < 0x7f;
        });
        QCOMPARE(r.curl.isEmpty(), !sendable); // curl could not send it as typed
        QCOMPARE(r.curl.contains(u"-X 'DELETE'"), method == u"DELETE");
        QCOMPARE(r.curl.contains(u" -I "), method == u"HEAD");
        QCOMPARE(r.curl.contains(u"--path-as-is"), sendable);
        // The curl line puts the token where the route looks for it.
        const QByteArray token = tokenField->text().toLatin1();
        const bool byCookie = path == u"/cookie";
        const bool byQuery = path.startsWith(u"/query");
        QCOMPARE(r.curl.contains(u" -b 'session=" + QString::fromLatin1(token) + u'\''), byCookie);
        QCOMPARE(r.curl.contains(u"Authorization: Bearer " + QString::fromLatin1(token)),
                 sendable && !byCookie && !byQuery);
        const QByteArray target =
            path.toUtf8() +
            (byQuery ? QByteArray(path.contains(u'?') ? "&" : "?") +
                           "access_token=" + QUrl::toPercentEncoding(QString::fromLatin1(token))
                     : QByteArray());
        QVERIFY2(!sendable || r.curl.endsWith(QString::fromUtf8(target) + u'\''),
                 qPrintable(r.curl));

        // What the gateway answers to that very request.
        Test::RawClient client;
        QVERIFY(client.connectTo(app.gateway.service().port()));
        const QByteArray credential = byCookie  ? "Cookie: session=" + token + "\r\n"
                                      : byQuery ? QByteArray()
                                                : "Authorization: Bearer " + token + "\r\n";
        client.send(method.toLatin1() + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                    credential + "Connection: close\r\n\r\n");
        const auto answer = client.readResponse(10'000, method == u"HEAD");
        QVERIFY(answer);
        QCOMPARE(answer->status, status);
        QCOMPARE(r.status, answer->status); // what the bench foretold
    }

    // What the gateway refuses before it looks at any token, the bench refuses too, with the
    // status: a route requiring a client certificate (the bench shows none), CONNECT, a Host
    // that is not one.
    void benchRouteRefusesBeforeTheToken() {
        Config c = demoConfig();
        RouteConfig mtls;
        mtls.pathPrefix = u"/mtls"_qs;
        mtls.clientCertificateRequired = true;
        RouteConfig rest;
        rest.pathPrefix = u"/"_qs;
        c.routes = {mtls, rest};
        BenchRequest request;
        request.listenUrl = u"http://127.0.0.1:8080"_qs;
        request.target = u"/mtls/x"_qs;
        BenchRoute route = benchRoute(c, request);
        QVERIFY(!route.routed);
        QCOMPARE(route.refusal, Reason::ClientCertificateRequired);
        QCOMPARE(evaluateWithoutToken(route, request, "t").status, 403);
        request.target = u"/elsewhere"_qs;
        QVERIFY(benchRoute(c, request).routed);
        request.method = u"CONNECT"_qs;
        QCOMPARE(benchRoute(c, request).refusal, Reason::MethodNotAllowed);
        request.method = u"GET"_qs;
        request.host = u"a b"_qs;
        route = benchRoute(c, request);
        QVERIFY(!route.routed);
        QCOMPARE(evaluateWithoutToken(route, request, "t").status, 400);
        request.host = u"[::1]:8080"_qs;
        QVERIFY(benchRoute(c, request).routed);
    }

    // A route naming another introspection endpoint is judged by that IdP (outside demo mode,
    // which points every endpoint at the demo IdP).
    void testBenchAsksTheRoutesEndpoint() {
        const auto idp = [](QHttpServer &server, const QByteArray &answer) {
            server.route(QStringLiteral("/introspect"),
                         [answer] { return QHttpServerResponse("application/json", answer); });
            return QStringLiteral("http://127.0.0.1:%1/introspect")
                .arg(server.listen(QHostAddress::LocalHost, 0));
        };
        QHttpServer knowsIt, knowsNothing;
        Config c = demoConfig();
        c.demo = false;
        c.upstreamUrl = QStringLiteral("http://127.0.0.1:9");
        c.auth = AuthMode::Introspection;
        c.introspection.url = idp(knowsIt, R"({"active":true,"sub":"alice","scope":"read"})");
        c.introspection.clientId = u"bench"_qs;
        c.introspection.clientSecret = u"bench-secret"_qs;
        IntrospectionConfig partner = c.introspection;
        partner.name = u"partner"_qs;
        partner.url = idp(knowsNothing, R"({"active":false})");
        c.moreIntrospection = {partner};
        RouteConfig viaPartner;
        viaPartner.pathPrefix = u"/partner"_qs;
        viaPartner.upstreamUrl = c.upstreamUrl;
        viaPartner.introspection = partner.name;
        RouteConfig everything;
        everything.pathPrefix = u"/"_qs;
        everything.upstreamUrl = c.upstreamUrl;
        c.routes = {viaPartner, everything};
        App app;
        QVERIFY(app.startWith(c));
        TestBenchPage *bench = app.window.testBench();
        bench->setToken("an-opaque-token");
        auto *pathField = bench->findChild<QLineEdit *>(QStringLiteral("benchPath"));
        QVERIFY(pathField);
        for (const auto &[path, says] :
             {std::pair{u"/orders"_qs, u"allowed"_qs},
              std::pair{u"/partner/x"_qs, u"refused: token_inactive"_qs}}) {
            pathField->setText(path);
            QSignalSpy checked(bench, &TestBenchPage::checked);
            bench->check();
            QVERIFY(checked.count() == 1 || checked.wait(15'000));
            QVERIFY2(bench->report().decision.startsWith(says),
                     qPrintable(bench->report().decision));
        }
    }

    void applyReloadsOrRestarts() {
        App app;
        QVERIFY(app.startWith(demoConfig()));
        const quint16 port = app.gateway.service().port();
        Config c = app.window.settingsPage()->config();
        c.cache.enabled = true;
        app.window.settingsPage()->setConfig(c);
        emit app.window.settingsPage()->applyRequested(app.window.settingsPage()->config());
        QVERIFY2(app.window.settingsPage()->outcome().contains(u"applied to the running"),
                 qPrintable(app.window.settingsPage()->outcome()));
        QCOMPARE(app.gateway.service().port(), port);
        QVERIFY(app.gateway.runningConfig().cache.enabled);
        // Demo mode is kept across the reload: the same IdP and echo upstream serve.
        const QByteArray token =
            app.gateway.demoIdp()->mint(QStringLiteral("kept"), QStringLiteral("read"), 600);
        QCOMPARE(get(app.url("/reloaded"), token).status, 200);

        c.server.workers = 2; // the listener's settings need a restart
        app.window.settingsPage()->setConfig(c);
        emit app.window.settingsPage()->applyRequested(app.window.settingsPage()->config());
        QVERIFY2(app.window.settingsPage()->outcome().contains(u"restarted"),
                 qPrintable(app.window.settingsPage()->outcome()));
        QVERIFY(app.gateway.isRunning());
        QCOMPARE(app.gateway.runningConfig().server.workers, 2);
        // A restart brings a fresh demo IdP, which knows none of the old one's tokens.
        QCOMPARE(get(app.url("/restarted"), token).status, 401);
        const QByteArray fresh =
            app.gateway.demoIdp()->mint(QStringLiteral("kept"), QStringLiteral("read"), 600);
        QCOMPARE(get(app.url("/restarted"), fresh).status, 200);

        // Saved: non-secrets to QSettings, secrets to the store.
        QSettings reread(app.settings.fileName(), QSettings::IniFormat);
        QVERIFY(ConfigSettings::load(reread).cache.enabled);
    }

    void secretsGoToTheStore() {
        App app;
        QTRY_VERIFY(app.window.secretsLoaded());
        Config c = demoConfig();
        c.demo = false;
        c.upstreamUrl = QStringLiteral("http://127.0.0.1:3000");
        c.introspection.url = QStringLiteral("http://127.0.0.1:9/introspect");
        c.introspection.clientId = QStringLiteral("app");
        c.introspection.clientSecret = QStringLiteral("store-me-1234");
        app.window.settingsPage()->setConfig(c);
        QSignalSpy saved(&app.window, &MainWindow::settingsSaved);
        emit app.window.settingsPage()->applyRequested(app.window.settingsPage()->config());
        QVERIFY(saved.wait(5000));
        QVERIFY(saved.first().first().toBool());
        QString value;
        bool done = false;
        app.secrets.read(QStringLiteral("client-secret"), &app.window,
                         [&](const SecretStore::Result &r) {
                             value = r.value;
                             done = true;
                         });
        QTRY_VERIFY(done);
        QCOMPARE(value, u"store-me-1234");
        QFile file(app.settings.fileName());
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(!file.readAll().contains("store-me-1234"));
    }

    void startRefusesBadSettings() {
        App app;
        Config c = demoConfig();
        c.demo = false;
        c.upstreamUrl = QStringLiteral("http://127.0.0.1:3000");
        QVERIFY(!app.startWith(c)); // no introspection endpoint
        QVERIFY(!app.gateway.isRunning());
        QVERIFY(app.window.settingsPage()->outcome().contains(u"introspection-url"));
        QCOMPARE(app.window.tabs()->currentWidget(), app.window.settingsPage());
    }

    void idpUnreachableIsReported() {
        QString why;
        const auto echo = Test::startEchoUpstream(&why);
        QVERIFY2(echo, qPrintable(why));
        App app;
        Config c = demoConfig();
        c.demo = false;
        c.upstreamUrl = QStringLiteral("http://127.0.0.1:%1").arg(echo->port());
        c.introspection.url =
            QStringLiteral("http://127.0.0.1:%1/introspect").arg(Test::closedLoopbackPort());
        c.introspection.clientId = QStringLiteral("app");
        c.introspection.clientSecret = QStringLiteral("x");
        QVERIFY(app.startWith(c));
        QSignalSpy unreachable(&app.gateway, &GatewayController::idpUnreachable);
        QCOMPARE(get(app.url("/"), "some-token").status, 503);
        QTRY_COMPARE(unreachable.size(), 1);
        QCOMPARE(unreachable.first().first().toString(), u"idp_unreachable");
        QVERIFY(app.window.statusText().contains(u"unreachable"));
        // Once only, not per request.
        QCOMPARE(get(app.url("/"), "some-token").status, 503);
        QTRY_COMPARE(app.window.logModel()->rowCount(), 2);
        QCOMPARE(unreachable.size(), 1);
    }

    // The settings page's buttons: Discover fills the endpoint, Test connection reports.
    void discoverAndTestFromSettings() {
        DemoIdp idp;
        idp.setClient("page-client", "page-secret");
        QString why;
        QVERIFY2(idp.start(0, &why), qPrintable(why));
        IdpProbe probe;
        SettingsPage page(&probe);
        Config c;
        c.demo = false;
        c.upstreamUrl = QStringLiteral("http://127.0.0.1:3000");
        c.introspection.issuer = idp.issuer();
        c.introspection.clientId = QStringLiteral("page-client");
        c.introspection.clientSecret = QStringLiteral("page-secret");
        page.setConfig(c);
        // An issuer alone is valid: the endpoint is discovered when the gateway starts.
        QCOMPARE(page.fieldMessage(QStringLiteral("introspection-url")), QString());
        GatewayController gateway;
        QStringList errors;
        QVERIFY2(gateway.start(page.config(), &errors), qPrintable(errors.join(u'\n')));
        QCOMPARE(gateway.service().config().introspection.url, idp.introspectionUrl());
        gateway.stop();
        page.findChild<QPushButton *>(QStringLiteral("discover"))->click();
        QTRY_COMPARE(page.config().introspection.url, idp.introspectionUrl());
        QCOMPARE(page.fieldMessage(QStringLiteral("introspection-url")), QString());
        page.findChild<QPushButton *>(QStringLiteral("test-connection"))->click();
        auto *result = page.findChild<QLabel *>(QStringLiteral("probe-result"));
        QTRY_VERIFY2(result->text().startsWith(u"OK"), qPrintable(result->text()));
    }

    void remembersGeometry() {
        QTemporaryDir dir;
        QSettings settings(dir.filePath(QStringLiteral("g.conf")), QSettings::IniFormat);
        MemorySecretStore secrets;
        GatewayController gateway;
        {
            MainWindow window(&gateway, &secrets, &settings);
            window.resize(900, 640);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            window.close();
        }
        MainWindow again(&gateway, &secrets, &settings);
        QCOMPARE(again.size(), QSize(900, 640));
    }

    void probeAgainstDemoIdp() {
        DemoIdp idp;
        idp.setClient("probe-client", "probe-secret");
        QString why;
        QVERIFY2(idp.start(0, &why), qPrintable(why));
        IdpProbe probe;

        std::optional<IdpProbe::Discovery> found;
        probe.discover(idp.issuer(), UpstreamSettings(),
                       [&](const IdpProbe::Discovery &d) { found = d; });
        QTRY_VERIFY_WITH_TIMEOUT(found.has_value(), 10'000);
        QCOMPARE(found->introspectionUrl, idp.introspectionUrl());

        Config c;
        c.introspection.url = idp.introspectionUrl();
        c.introspection.clientId = QStringLiteral("probe-client");
        c.introspection.clientSecret = QStringLiteral("probe-secret");
        std::optional<std::pair<bool, QString>> tested;
        probe.testConnection(c, [&](bool ok, const QString &m) { tested = {ok, m}; });
        QTRY_VERIFY_WITH_TIMEOUT(tested.has_value(), 10'000);
        QVERIFY2(tested->first, qPrintable(tested->second));

        c.introspection.clientSecret = QStringLiteral("wrong");
        tested.reset();
        probe.testConnection(c, [&](bool ok, const QString &m) { tested = {ok, m}; });
        QTRY_VERIFY_WITH_TIMEOUT(tested.has_value(), 10'000);
        QVERIFY(!tested->first);
        QVERIFY2(tested->second.contains(u"rejected"), qPrintable(tested->second));

        const quint16 closed = Test::closedLoopbackPort();
        found.reset();
        probe.discover(QStringLiteral("http://127.0.0.1:%1").arg(closed), UpstreamSettings(),
                       [&](const IdpProbe::Discovery &d) { found = d; });
        QTRY_VERIFY_WITH_TIMEOUT(found.has_value(), 10'000);
        QVERIFY(found->introspectionUrl.isEmpty());
        QVERIFY(!found->error.isEmpty());
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
