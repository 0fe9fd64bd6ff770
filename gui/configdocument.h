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
// file: ones are read here when they can be, and written back as they were. A secret typed in
// the app goes to the keychain under a name of this file's own (entryName()).
class ConfigDocument : public QObject {
    Q_OBJECT
public:
    struct Opened {
        bool ok = false;
        Config config;
        QStringList problems; // why it did not open (ok false) or what is missing (ok true)
    };
    using OpenDone = std::function<void(const Opened &)>;
    using SaveDone = std::function<void(bool ok, const QStringList &problems, const Config &)>;
    // Shown the secrets a file reads and where each goes, before any is read; false: the
    // file is not opened. A hostile file could otherwise read the app's keychain entries or
    // the user's files and send them to a server of its choosing.
    using Confirm = std::function<bool(const QStringList &secretsAndDestinations)>;

    explicit ConfigDocument(SecretStore *secrets, QObject *parent = nullptr);

    // Calls back once, later, in this thread; a later open() or save() wins over it.
    void open(const QString &path, const Confirm &confirm, OpenDone done);
    // `done` gets the config as saved: its secrets' references are the file's now.
    void save(const QString &path, const Config &config, SaveDone done);

    // An Express Gateway gateway.config.yml through the daemon's importer (import-eg): the
    // config it comes to, with what was not converted in `problems` (never silent). Not tied
    // to a file until saved.
    static Opened importExpressGateway(const QString &path);

    // `config` for tokengated, which has no keychain: each keychain:NAME reference becomes
    // env:TOKENGATE_SECRET_NAME; `toSet` gets what to set there. Empty (and `problems`) when
    // a secret cannot be exported.
    QString exportForServer(const Config &config, QStringList *toSet, QStringList *problems) const;

    QString path() const { return m_path; }

    // The keychain entry a secret typed in for the file at `path` goes to: the file's name,
    // digits of its whole path (two "tokengate.yml" never share one) and the setting, as
    // secretSettings() names it: "staging-1a2b3c4d.jwt.secret".
    static QString entryName(const QString &path, const QString &setting);

private:
    // References for every secret of `config` as saving to `path` gives them; the secrets
    // that must go to the keychain (name, value) in `toKeychain`.
    QStringList assignReferences(Config &config, const QString &path,
                                 QList<std::pair<QString, QString>> *toKeychain) const;

    SecretStore *m_secrets;
    QString m_path;
    quint64 m_generation = 0;
};

} // namespace Tokengate
