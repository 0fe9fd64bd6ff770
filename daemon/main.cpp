// SPDX-License-Identifier: Apache-2.0
// tokengated: the headless gateway. Exit codes: 0 stopped cleanly, 1 configuration or start
// error, 2 command-line usage error.
#include "core/config/configoptions.h"
#include "core/config/dotenv.h"
#include "core/devidp/demoidp.h"
#include "core/observe/accesslog.h"
#include "core/observe/eventhub.h"
#include "core/observe/logging.h"
#include "core/service/gatewayservice.h"
#include "daemon/signalwatcher.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QLoggingCategory>

#include <cstdio>

using namespace Tokengate;

namespace {

void printLines(FILE *to, const QStringList &lines) {
    for (const QString &line : lines)
        std::fprintf(to, "%s\n", qPrintable(line));
}

// LOG_LEVEL as introspection-microgateway knows it, applied to our logging categories.
void applyLogLevel(const QString &level) {
    QString rules = QStringLiteral("tokengate.*.debug=%1\n")
                        .arg(level == u"debug" ? QStringLiteral("true") : QStringLiteral("false"));
    if (level == u"warn" || level == u"error")
        rules += QStringLiteral("tokengate.*.info=false\n");
    if (level == u"error")
        rules += QStringLiteral("tokengate.*.warning=false\n");
    QLoggingCategory::setFilterRules(rules);
}

} // namespace

int main(int argc, char *argv[]) {
    // Qt's own poll()-based UNIX event dispatcher instead of glib's: every request toggles
    // socket notifiers, which glib makes several times dearer (bench/cache.sh: +25-35%
    // requests/s). The daemon needs no glib-based library. QT_NO_GLIB set to an empty value
    // keeps glib.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("tokengated"));
    QCoreApplication::setApplicationVersion(QStringLiteral(TOKENGATE_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Tokengate OAuth 2.0 token-introspection gateway. Every option can also be set "
        "in the environment as TOKENGATE_<OPTION> (e.g. TOKENGATE_UPSTREAM) or with the "
        "introspection-microgateway name shown, in ./.env, and as <NAME>_FILE naming a file "
        "that holds the value; the command line wins, then the environment, then .env."));
    parser.addHelpOption();
    parser.addVersionOption();
    for (const ConfigOption &o : configOptions()) {
        const QString envNames = (o.compatEnv + QStringList{o.env}).join(QStringLiteral(", "));
        parser.addOption(QCommandLineOption(commandLineName(o),
                                            o.description + QStringLiteral(" [") + envNames + u']',
                                            o.valueName));
    }
    if (!parser.parse(app.arguments())) {
        std::fprintf(stderr, "tokengated: %s\nTry tokengated --help.\n",
                     qPrintable(parser.errorText()));
        return 2;
    }
    if (parser.isSet(QStringLiteral("help")))
        parser.showHelp(0);
    if (parser.isSet(QStringLiteral("version")))
        parser.showVersion();
    if (!parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "tokengated: unexpected argument \"%s\"\n",
                     qPrintable(parser.positionalArguments().first()));
        return 2;
    }

    Config config;
    QStringList problems;
    const QProcessEnvironment env =
        withDotEnv(QProcessEnvironment::systemEnvironment(), QStringLiteral(".env"), &problems);
    problems << applyEnvironment(config, env);
    for (const ConfigOption &o : configOptions()) {
        const QString name = commandLineName(o);
        if (!parser.isSet(name))
            continue;
        const QString error =
            applyCommandLine(o, config, o.valueName.isEmpty() ? QString() : parser.value(name));
        if (!error.isEmpty())
            problems << QStringLiteral("--") + name + QStringLiteral(": ") + error;
    }
    problems << config.validate();
    if (!problems.isEmpty()) {
        std::fprintf(stderr, "tokengated: configuration problems:\n");
        printLines(stderr, problems);
        return 1;
    }
    applyLogLevel(config.logLevel);
    for (const QString &warning : config.warnings())
        qCWarning(lcConfig).noquote() << "insecure setting:" << warning;

    EventHub events;
    AccessLog accessLog;
    if (config.accessLog != u"off") {
        QString error;
        if (!accessLog.open(config.accessLog, &error)) {
            std::fprintf(stderr, "%s\n", qPrintable(error));
            return 1;
        }
        QObject::connect(&events, &EventHub::eventPublished, &accessLog, &AccessLog::write);
    }

    GatewayService service(&events);
    if (!service.start(config, &problems)) {
        std::fprintf(stderr, "tokengated: cannot start:\n");
        printLines(stderr, problems);
        return 1;
    }
    const QString upstream = service.upstreamUrl().isEmpty()
                                 ? QStringLiteral("the Destination header's URL")
                                 : service.upstreamUrl();
    std::fprintf(stderr, "tokengated %s: %s -> %s\n", TOKENGATE_VERSION,
                 qPrintable(service.listenUrl()), qPrintable(upstream));
    if (DemoIdp *idp = service.demoIdp()) {
        // The token is printed on purpose: the user asked for a demo token to paste.
        const QByteArray token =
            idp->mint(QStringLiteral("demo-user"), QStringLiteral("read write"), 3600);
        std::fprintf(stderr,
                     "Demo mode: built-in IdP at %s (client %s) and echo upstream.\n"
                     "Try (the token is valid for an hour):\n"
                     "  curl -i -H 'Authorization: Bearer %s' %s/hello?name=world\n"
                     "Without a token the gateway answers 401:\n"
                     "  curl -i %s/hello\n"
                     "Stop with Ctrl+C.\n",
                     qPrintable(idp->issuer()), idp->clientId().constData(), token.constData(),
                     qPrintable(service.listenUrl()), qPrintable(service.listenUrl()));
    }

    SignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &SignalWatcher::terminateRequested, &app, [&](int number) {
        std::fprintf(stderr, "tokengated: signal %d, draining (up to %d ms)\n", number,
                     config.drainTimeoutMs);
        service.stop();
        app.quit();
    });
    return app.exec();
}
