// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/config.h"

#include <QList>

class QSettings;

namespace Tokengate {

// One secret field of Config and its keychain entry name.
struct SecretField {
    QString key;   // keychain entry under the "Tokengate" service
    QString label; // for messages
    QString &(*field)(Config &);
    QString &(*reference)(Config &); // the config file's reference for it, if any
};
const QList<SecretField> &secretFields();

// The desktop app's Config in QSettings: only what is not secret. Secrets are left out on
// save and come back empty on load; they live in the keychain (SecretStore).
namespace ConfigSettings {
void save(QSettings &settings, const Config &config);
Config load(QSettings &settings);
// `config` with every secret field emptied (what may be written anywhere).
Config withoutSecrets(Config config);
// "127.0.0.1:8080", "[::1]:8080": the listener as parseListenAddress() reads it.
QString listenText(const ServerSettings &server);
QString listenText(const QHostAddress &address, quint16 port);
} // namespace ConfigSettings

} // namespace Tokengate
