// SPDX-License-Identifier: Apache-2.0
// tokengated: the headless gateway. Exit codes (README "Exit codes"): 0 stopped cleanly or
// --check-config found no problem, 1 configuration or start error, 2 command-line usage error.
#include "core/config/configdump.h"
#include "core/config/configloader.h"
#include "core/observe/logging.h"
#include "daemon/gatewaydaemon.h"
#include "daemon/importeg.h"
#include "daemon/logoutput.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>

using namespace Tokengate;

namespace {

enum ExitCode { ExitOk = 0, ExitConfig = 1, ExitUsage = 2 };

void printLines(FILE *to, const QStringList &lines) {
    for (const QString &line : lines)
        std::fprintf(to, "%s\n", qPrintable(line));
}

int usageError(const QString &message) {
    std::fprintf(stderr, "tokengated: %s\nTry tokengated --help.\n", qPrintable(message));
    return ExitUsage;
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
    if (app.arguments().value(1) == u"import-eg")
        return runImportEg(app.arguments().mid(2));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Tokengate OAuth 2.0 token-introspection gateway. Every option can also be set "
        "in the environment as TOKENGATE_<OPTION> (e.g. TOKENGATE_UPSTREAM) or with the "
        "introspection-microgateway name shown, in ./.env, and as <NAME>_FILE naming a file "
        "that holds the value; the command line wins, then the environment, then .env, then "
        "the --config file. SIGHUP reloads all of them; SIGTERM drains and exits.\n"
        "tokengated import-eg gateway.config.yml > tokengate.yml converts an Express Gateway "
        "configuration.\n"
        "Exit codes: 0 ok, 1 configuration or start error, 2 usage error."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption configFile(
        QStringLiteral("config"), QStringLiteral("YAML configuration file [TOKENGATE_CONFIG]."),
        QStringLiteral("file"));
    const QCommandLineOption checkConfig(
        QStringLiteral("check-config"),
        QStringLiteral("Validate the configuration from every source, print the problems or the "
                       "effective settings (secrets masked) and exit: 0 valid, 1 not."));
    parser.addOption(configFile);
    parser.addOption(checkConfig);
    for (const ConfigOption &o : configOptions()) {
        const QString envNames = (o.compatEnv + QStringList{o.env}).join(QStringLiteral(", "));
        parser.addOption(QCommandLineOption(commandLineName(o),
                                            o.description + QStringLiteral(" [") + envNames + u']',
                                            o.valueName));
    }
    if (!parser.parse(app.arguments()))
        return usageError(parser.errorText());
    if (parser.isSet(QStringLiteral("help")))
        parser.showHelp(ExitOk);
    if (parser.isSet(QStringLiteral("version")))
        parser.showVersion();
    if (!parser.positionalArguments().isEmpty())
        return usageError(
            QStringLiteral("unexpected argument \"%1\"").arg(parser.positionalArguments().first()));

    ConfigSources sources;
    sources.environment = QProcessEnvironment::systemEnvironment();
    sources.dotEnvPath = QStringLiteral(".env");
    sources.file = parser.isSet(configFile)
                       ? parser.value(configFile)
                       : sources.environment.value(QStringLiteral("TOKENGATE_CONFIG"));
    for (const ConfigOption &o : configOptions()) {
        const QString name = commandLineName(o);
        if (parser.isSet(name))
            sources.commandLine.append(
                {&o, o.valueName.isEmpty() ? QString() : parser.value(name)});
    }
    QStringList problems;
    Config config = loadConfig(sources, &problems);
    if (!problems.isEmpty()) {
        std::fprintf(stderr, "tokengated: configuration problems:\n");
        printLines(stderr, problems);
        return ExitConfig;
    }
    if (parser.isSet(checkConfig)) {
        // No discovery here: checking must not depend on the IdP being up.
        std::fprintf(stdout, "# configuration is valid\n");
        for (const QString &warning : config.warnings())
            std::fprintf(stdout, "# warning: %s\n", qPrintable(warning));
        std::fprintf(stdout, "%s", qPrintable(describeConfig(config)));
        return ExitOk;
    }

    installLogOutput(config.logFormat);
    applyLogLevel(config.logLevel);
    for (const QString &warning : config.warnings())
        qCWarning(lcConfig).noquote() << "insecure setting:" << warning;

    // Here, not earlier: import-eg, --check-config and reading the configuration (a *_FILE may
    // be a FIFO) keep the default actions, so Ctrl+C still ends them.
    SignalWatcher::blockInEveryThread();
    GatewayDaemon daemon(sources);
    if (!daemon.start(std::move(config)))
        return ExitConfig;
    return app.exec();
}
