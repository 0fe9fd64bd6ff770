// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QProcessEnvironment>

namespace Tokengate {

// Reads a `.env` file (KEY=VALUE lines as introspection-microgateway and Docker Compose
// write them: `#` comments, optional `export `, single or double quotes) under `env`: a
// variable already in the environment wins. A missing file is not an error; each malformed
// line is reported as "path:line: why".
QProcessEnvironment withDotEnv(const QProcessEnvironment &env, const QString &path,
                               QStringList *problems);
// The same for a file's text already read; `path` names it in the problems.
QProcessEnvironment withDotEnvText(const QProcessEnvironment &env, const QByteArray &text,
                                   const QString &path, QStringList *problems);

} // namespace Tokengate
