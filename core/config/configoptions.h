// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/config.h"

#include <QList>
#include <QProcessEnvironment>

#include <functional>

namespace Tokengate {

// One setting reachable from the command line (--name) and the environment (env). The table
// is the single place options are declared: the daemon builds its parser and --help from
// it, and the README's option list mirrors it.
struct ConfigOption {
    QString name;
    QString env;
    QString valueName; // empty: a switch without value
    QString description;
    // Applies a value; returns an error message, empty on success.
    std::function<QString(Config &, const QString &)> apply;
};

const QList<ConfigOption> &configOptions();

// Applies every option set in `env`; returns one message per bad value.
QStringList applyEnvironment(Config &config, const QProcessEnvironment &env);

// "127.0.0.1:8080", "[::1]:8080", "8080" (loopback), "*:8080" (all interfaces).
bool parseListenAddress(const QString &text, QHostAddress *address, quint16 *port);

} // namespace Tokengate
