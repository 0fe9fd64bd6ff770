// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/config.h"

#include <QObject>
#include <QStringList>

#include <functional>

namespace Tokengate {

class SecretStore;

// The YAML config file the app opens and saves: the daemon's own format (applyConfigFile,
// describeConfig), so every setting the file has survives a round trip, comments aside.
// Secrets stay references: keychain: ones are read from and written to `secrets`; env: and
// file: ones are read here when they can be and written back as they were. A secret typed
// in the app goes to the keychain and into the file as keychain:<its field>.
class ConfigDocument : public QObject {
    Q_OBJECT
public:
    struct Opened {
        bool ok = false;
        Config config;
        QStringList problems; // why it did not open (ok false) or what is missing (ok true)
    };
    using OpenDone = std::function<void(const Opened &)>;
    using SaveDone = std::function<void(bool ok, const QStringList &problems)>;

    explicit ConfigDocument(SecretStore *secrets, QObject *parent = nullptr);

    // Calls back once, later, in this thread.
    void open(const QString &path, OpenDone done);
    void save(const QString &path, const Config &config, SaveDone done);

    // `config` for tokengated, which has no keychain: every keychain:NAME reference becomes
    // env:TOKENGATE_NAME; `toSet` gets what to set there ("TOKENGATE_CLIENT_SECRET: the
    // client secret").
    static QString exportForServer(Config config, QStringList *toSet);

    QString path() const { return m_path; }

private:
    SecretStore *m_secrets;
    QString m_path;
    Config m_opened; // as the file gave it: a secret unchanged since keeps its reference
};

} // namespace Tokengate
