// SPDX-License-Identifier: Apache-2.0
// tokengate: the desktop app, a window around the same GatewayService as tokengated.
#include "gui/allsettingspage.h"
#include "gui/cacheinspectorpage.h"
#include "gui/demotraffic.h"
#include "gui/endpointseditor.h"
#include "gui/gatewaycontroller.h"
#include "gui/mainwindow.h"
#include "gui/requestlogfilter.h"
#include "gui/requestlogmodel.h"
#include "gui/routeseditor.h"
#include "gui/secretstore.h"
#include "gui/settingspage.h"
#include "gui/testbenchpage.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QItemSelectionModel>
#include <QLoggingCategory>
#include <QSettings>
#include <QTableView>
#include <QTimer>

#include <cstdio>

using namespace Tokengate;

namespace {

// Selects the newest request that got through, so the details pane shows a full trace.
void selectNewestAllowed(MainWindow &window) {
    const RequestLogFilter *filter = window.logFilter();
    for (int r = filter->rowCount() - 1; r >= 0; --r) {
        const QModelIndex index = filter->index(r, RequestLogModel::Status);
        if (index.data().toInt() == 200) {
            window.logView()->selectionModel()->setCurrentIndex(
                index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
            return;
        }
    }
}

// The demo's example routes: what routes do, on the Routes page and in the live log.
QList<RouteConfig> exampleRoutes() {
    RouteConfig health;
    health.name = QStringLiteral("health");
    health.pathPrefix = QStringLiteral("/health");
    health.authenticate = false;
    RouteConfig api;
    api.name = QStringLiteral("api");
    api.pathPrefix = QStringLiteral("/api/");
    api.identityHeaders = {{QStringLiteral("X-User"), QStringLiteral("sub")}};
    RouteConfig rest;
    rest.name = QStringLiteral("rest");
    rest.pathPrefix = QStringLiteral("/");
    return {health, api, rest};
}

// The pages --page names.
QWidget *pageNamed(MainWindow &window, const QString &name) {
    const std::pair<const char *, QWidget *> pages[] = {
        {"bench", window.testBench()},           {"cache", window.cacheInspector()},
        {"settings", window.settingsPage()},     {"routes", window.routesEditor()},
        {"endpoints", window.endpointsEditor()}, {"all", window.allSettings()}};
    for (const auto &[n, page] : pages) {
        if (name == QLatin1StringView(n))
            return page;
    }
    return nullptr;
}

} // namespace

int main(int argc, char *argv[]) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Tokengate"));
    QApplication::setApplicationName(QStringLiteral("tokengate"));
    QApplication::setApplicationDisplayName(QStringLiteral("Tokengate"));
    QApplication::setApplicationVersion(QStringLiteral(TOKENGATE_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("io.tokengate.Tokengate"));

    // The window is the access log; the core's per-request info lines would only be noise on
    // a terminal. QT_LOGGING_RULES still overrides this.
    QLoggingCategory::setFilterRules(QStringLiteral("tokengate.*.info=false"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Tokengate desktop app: an OAuth 2.0 token-introspection gateway in "
                       "front of your local service, with a live request log."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption demo(QStringLiteral("demo"),
                                  QStringLiteral("Start at once in demo mode (built-in IdP and "
                                                 "echo upstream) with sample traffic."));
    const QCommandLineOption start(QStringLiteral("start"),
                                   QStringLiteral("Start the gateway with the saved settings."));
    const QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QStringLiteral("Save a picture of the window to <file> after --screenshot-delay seconds, "
                       "then quit (used by gui/screenshot.sh)."),
        QStringLiteral("file"));
    const QCommandLineOption delay(QStringLiteral("screenshot-delay"),
                                   QStringLiteral("Seconds before the screenshot (default 15)."),
                                   QStringLiteral("seconds"), QStringLiteral("15"));
    const QCommandLineOption page(
        QStringLiteral("page"),
        QStringLiteral("The page shown (and in the screenshot): live, bench, cache, settings, "
                       "routes, endpoints or all."),
        QStringLiteral("name"), QStringLiteral("live"));
    parser.addOptions({demo, start, screenshot, delay, page});
    parser.process(app);

    QSettings settings;
    GatewayController gateway;
    KeychainSecretStore secrets;
    MainWindow window(&gateway, &secrets, &settings);
    window.show();

    if (parser.isSet(demo)) {
        Config config;
        config.demo = true;
        config.server.port = 0; // beside whatever already listens on 8080
        config.cache.enabled = true;
        config.cache.ttlSecs = 30;
        config.routes = exampleRoutes();
        window.settingsPage()->setConfig(config);
        QStringList errors;
        if (!gateway.start(config, &errors)) {
            std::fprintf(stderr, "tokengate: cannot start the demo: %s\n",
                         qPrintable(errors.join(QStringLiteral("; "))));
            return 1;
        }
        window.setDemoTraffic(true);
    } else if (parser.isSet(start)) {
        // Secrets come from the keychain asynchronously; start once they are in.
        QObject::connect(&window, &MainWindow::secretsReady, &window,
                         [&window] { window.startGateway(); });
    }

    const QString pageName = parser.value(page);
    QWidget *shown = pageNamed(window, pageName);
    if (!shown && pageName != u"live") {
        std::fprintf(stderr, "tokengate: --page is live, bench, cache, settings, routes, "
                             "endpoints or all\n");
        return 2;
    }
    if (shown)
        window.tabs()->setCurrentWidget(shown);
    // The bench shows a demo token judged, as a user's first try would.
    if (pageName == u"bench" && window.testBench()->mintDemoToken())
        window.testBench()->check();

    if (parser.isSet(screenshot)) {
        window.demoTraffic()->setInterval(100);
        const int ms = qBound(1, parser.value(delay).toInt(), 120) * 1000;
        QTimer::singleShot(ms - 500, &window, [&window] {
            selectNewestAllowed(window);
            window.refreshCharts();
        });
        QTimer::singleShot(ms, &window, [&window, &app, file = parser.value(screenshot)] {
            const bool ok = window.grab().save(file);
            std::fprintf(stderr, "tokengate: %s %s\n", ok ? "saved" : "could not save",
                         qPrintable(file));
            app.exit(ok ? 0 : 1);
        });
    }
    return app.exec();
}
