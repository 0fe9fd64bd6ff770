// SPDX-License-Identifier: Apache-2.0
#include "core/config/configloader.h"

#include "core/config/configfile.h"
#include "core/config/dotenv.h"
#include "core/config/secretref.h"

namespace Tokengate {

Config loadConfig(const ConfigSources &sources, QStringList *problems) {
    Config config;
    const QProcessEnvironment env =
        sources.dotEnvPath.isEmpty()
            ? sources.environment
            : withDotEnv(sources.environment, sources.dotEnvPath, problems);
    // The file's env: references see .env too: it is where such variables usually live.
    if (!sources.file.isEmpty())
        *problems << applyConfigFile(sources.file, config, daemonSecretResolver(env));
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
