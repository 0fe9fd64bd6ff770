// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/config.h"
#include "core/config/settingvalue.h"

#include <QList>
#include <QProcessEnvironment>

#include <functional>
#include <optional>

namespace Tokengate {

// One setting reachable from the command line (--name) and the environment (env), made from a
// row of configSettings() that names an option: the daemon builds its parser and --help from
// these, and the README's option list mirrors them.
struct ConfigOption {
    QString name;
    QString env;
    QString valueName; // empty: a switch without value
    QString description;
    // introspection-microgateway's names for the same setting; TOKENGATE_* wins over them.
    QStringList compatEnv;
    // A secret is never taken from the command line (other users see it in `ps`): there it
    // is --<name>-file. Every environment name also works as <NAME>_FILE.
    bool secret = false;
    // Applies a value (for a switch: its variable's, or "true" from the command line); returns
    // an error message, empty on success.
    std::function<QString(Config &, const QString &)> apply;
};

const QList<ConfigOption> &configOptions();

// Applies every option set in `env`; returns one message per bad value. Also PORT: in the
// environment mode of introspection-microgateway (SSO_INTROSPECTION or PORT set, no
// TOKENGATE_LISTEN) tokengated listens on all interfaces like the original.
QStringList applyEnvironment(Config &config, const QProcessEnvironment &env);

// The command-line name of an option: --<name>, or --<name>-file for secrets.
QString commandLineName(const ConfigOption &option);
// Applies a command-line value (for secrets: reads the file it names).
QString applyCommandLine(const ConfigOption &option, Config &config, const QString &value);

// A secret file's content without its trailing newline; nullopt with `error` if unreadable.
std::optional<QString> readSecretFile(const QString &path, QString *error);

} // namespace Tokengate
