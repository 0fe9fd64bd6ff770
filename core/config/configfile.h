// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/config.h"
#include "core/config/secretref.h"

#include <QStringList>

namespace Tokengate {

// Reads a tokengate YAML config file (schema: resources/tokengate.example.yml) onto `config`:
// the file's settings replace the defaults; the environment and the command line are applied
// after it by the caller (README, "Precedence"). Every problem is reported as
// "<file>:<line>: <key.path>: message"; unknown keys are problems too, so a typo never goes
// unnoticed. Secrets are references only ("env:NAME", "file:/path", "keychain:NAME") and go
// through `resolve`; relative paths are relative to the file's directory. `config` is only
// changed when there is no problem; then its configFile names the file.
QStringList applyConfigFile(const QString &path, Config &config, const SecretResolver &resolve);

// The same for YAML text already read (the GUI's editor, importers); `path` names it in
// messages and anchors relative paths.
QStringList applyConfigText(const QByteArray &yaml, const QString &path, Config &config,
                            const SecretResolver &resolve);

} // namespace Tokengate
