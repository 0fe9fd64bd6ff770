// SPDX-License-Identifier: Apache-2.0
#include "core/config/secretref.h"

#include "core/config/configoptions.h"

namespace Tokengate {

namespace {

bool hasPrefix(const QString &value, QLatin1StringView prefix) {
    return value.startsWith(prefix) && value.size() > prefix.size();
}

} // namespace

bool isSecretReference(const QString &value) {
    return hasPrefix(value, QLatin1StringView("env:")) ||
           hasPrefix(value, QLatin1StringView("file:")) ||
           hasPrefix(value, QLatin1StringView("keychain:"));
}

SecretResolver daemonSecretResolver(const QProcessEnvironment &env) {
    return [env](const QString &reference, QString *error) -> std::optional<QString> {
        if (reference.startsWith(u"env:")) {
            const QString name = reference.mid(4);
            if (!env.contains(name)) {
                *error = QStringLiteral("environment variable %1 is not set").arg(name);
                return std::nullopt;
            }
            return env.value(name);
        }
        if (reference.startsWith(u"file:"))
            return readSecretFile(reference.mid(5), error);
        if (reference.startsWith(u"keychain:")) {
            *error = QStringLiteral("keychain: references need the desktop app; use env:NAME or "
                                    "file:/path with tokengated");
            return std::nullopt;
        }
        *error = QStringLiteral("not a secret reference (env:NAME, file:/path or keychain:NAME)");
        return std::nullopt;
    };
}

} // namespace Tokengate
