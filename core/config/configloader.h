// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/configoptions.h"

namespace Tokengate {

// Where a Config comes from, in the README's order ("Precedence"; later wins): built-in defaults,
// the YAML file, .env in the working directory, the environment, the command line. The daemon
// assembles it at start and again on SIGHUP, so a reload sees exactly what a restart would.
struct ConfigSources {
    QString file;       // empty: none; else TOKENGATE_CONFIG or --config
    QString dotEnvPath; // empty: none
    QProcessEnvironment environment;
    struct Setting {
        const ConfigOption *option = nullptr;
        QString value; // empty for switches
    };
    QList<Setting> commandLine;
};

// Every problem of every source, then of the result (Config::validate()), in `problems`; the
// returned Config is only usable when there are none.
Config loadConfig(const ConfigSources &sources, QStringList *problems);

} // namespace Tokengate
