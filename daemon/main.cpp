// SPDX-License-Identifier: Apache-2.0
// tokengated: the headless gateway. Exit codes: 0 stopped cleanly, 1 configuration or start
// error, 2 command-line usage error.
#include "core/config/configoptions.h"
#include "core/observe/accesslog.h"
#include "core/observe/eventhub.h"
#include "core/service/gatewayservice.h"
#include "daemon/signalwatcher.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>

using namespace Tokengate;

namespace {

void printLines(FILE *to, const QStringList &lines) {
    for (const QString &line : lines)
        std::fprintf(to, "%s\n", qPrintable(line));
}

} // namespace

int main(int argc, char *argv[]) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("tokengated"));
    QCoreApplication::setApplicationVersion(QStringLiteral(TOKENGATE_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Tokengate OAuth 2.0 token-introspection gateway. Every option can also be set "
        "in the environment as TOKENGATE_<OPTION> (e.g. TOKENGATE_UPSTREAM); the command "
        "line wins."));
    parser.addHelpOption();
    parser.addVersionOption();
    for (const ConfigOption &o : configOptions()) {
        parser.addOption(QCommandLineOption(
            o.name, o.description + QStringLiteral(" [") + o.env + u']', o.valueName));
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
    QStringList problems = applyEnvironment(config, QProcessEnvironment::systemEnvironment());
    for (const ConfigOption &o : configOptions()) {
        if (!parser.isSet(o.name))
            continue;
        const QString error =
            o.apply(config, o.valueName.isEmpty() ? QString() : parser.value(o.name));
        if (!error.isEmpty())
            problems << QStringLiteral("--") + o.name + QStringLiteral(": ") + error;
    }
    if (!problems.isEmpty()) {
        printLines(stderr, problems);
        return 1;
    }

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
    std::fprintf(stderr, "tokengated %s: %s -> %s\n", TOKENGATE_VERSION,
                 qPrintable(service.listenUrl()), qPrintable(service.upstreamUrl()));
    if (config.demo) {
        std::fprintf(stderr,
                     "Demo mode: built-in echo upstream, no authentication. Try:\n"
                     "  curl -i %s/hello?name=world\n"
                     "Stop with Ctrl+C.\n",
                     qPrintable(service.listenUrl()));
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
