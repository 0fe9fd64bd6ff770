// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QProcessEnvironment>
#include <QString>

#include <functional>
#include <optional>

namespace Tokengate {

// Turns a secret reference from the config file into the secret: "env:NAME" (an environment
// variable), "file:/path" (a file's content without its trailing newline) or "keychain:NAME"
// (the OS keychain, only the desktop app has one). Returns nullopt with `error` set when the
// reference cannot be resolved. The daemon and the GUI each supply their own.
using SecretResolver =
    std::function<std::optional<QString>(const QString &reference, QString *error)>;

// True for "env:", "file:" and "keychain:" followed by a name or path.
bool isSecretReference(const QString &value);

// The daemon's resolver: env: from `env`, file: from disk; keychain: is refused.
SecretResolver daemonSecretResolver(const QProcessEnvironment &env);

} // namespace Tokengate
