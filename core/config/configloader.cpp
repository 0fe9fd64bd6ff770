// SPDX-License-Identifier: Apache-2.0
#include "core/config/configloader.h"

#include "core/config/dotenv.h"

namespace Tokengate {

Config loadConfig(const ConfigSources &sources, QStringList *problems) {
    Config config;
    if (!sources.file.isEmpty()) {
        *problems << QStringLiteral("%1: configuration files are not supported by this build")
                         .arg(sources.file);
    }
    const QProcessEnvironment env =
        sources.dotEnvPath.isEmpty()
            ? sources.environment
            : withDotEnv(sources.environment, sources.dotEnvPath, problems);
    *problems << applyEnvironment(config, env);
    for (const ConfigSources::Setting &s : sources.commandLine) {
        const QString error = applyCommandLine(*s.option, config, s.value);
        if (!error.isEmpty())
            *problems << QStringLiteral("--") + commandLineName(*s.option) + QStringLiteral(": ") +
                             error;
    }
    config.configFile = sources.file;
    *problems << config.validate();
    return config;
}

} // namespace Tokengate
