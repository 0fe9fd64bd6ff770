// SPDX-License-Identifier: Apache-2.0
#include "gui/configdocument.h"

#include "core/config/configdump.h"
#include "core/config/configfile.h"
#include "gui/configsettings.h"
#include "gui/secretstore.h"

#include <QFile>
#include <QPointer>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSet>
#include <QTimer>

#include <memory>

namespace Tokengate {

namespace {

const QLatin1StringView KeychainPrefix("keychain:");

// env: and file: as the daemon reads them, keychain: from `keychain`. One the app cannot
// resolve (a server's variable, a file only the server has) leaves the secret empty here and
// is noted; the reference stays, so saving writes it back unchanged.
SecretResolver appResolver(const QHash<QString, QString> &keychain, QStringList *notes) {
    return
        [keychain, notes, daemon = daemonSecretResolver(QProcessEnvironment::systemEnvironment())](
            const QString &reference, QString *) -> std::optional<QString> {
            if (reference.startsWith(KeychainPrefix)) {
                const QString name = reference.mid(KeychainPrefix.size());
                if (!keychain.contains(name))
                    *notes << QStringLiteral("%1: not in the keychain; the secret is empty here")
                                  .arg(reference);
                return keychain.value(name);
            }
            QString why;
            if (const std::optional<QString> value = daemon(reference, &why))
                return value;
            *notes << QStringLiteral("%1: %2; the secret is empty here (the file keeps the "
                                     "reference)")
                          .arg(reference, why);
            return QString();
        };
}

} // namespace

ConfigDocument::ConfigDocument(SecretStore *secrets, QObject *parent)
    : QObject(parent)
    , m_secrets(secrets) {}

void ConfigDocument::open(const QString &path, OpenDone done) {
    // First pass: which keychain entries the file names (and whether it parses at all).
    QSet<QString> names;
    Config probe;
    const QStringList problems =
        applyConfigFile(path, probe, [&names](const QString &reference, QString *) {
            if (reference.startsWith(KeychainPrefix))
                names.insert(reference.mid(KeychainPrefix.size()));
            return std::optional<QString>(QString());
        });
    if (!problems.isEmpty()) {
        QTimer::singleShot(0, this, [done, problems] { done({false, {}, problems}); });
        return;
    }
    // Then the entries, one keychain call each, and the second pass with their values.
    struct Pending {
        QHash<QString, QString> values;
        QStringList failures;
        qsizetype left = 0;
    };
    auto pending = std::make_shared<Pending>();
    pending->left = names.size();
    const auto finish = [this, path, done, pending] {
        Opened opened;
        QStringList notes = pending->failures;
        opened.problems =
            applyConfigFile(path, opened.config, appResolver(pending->values, &notes));
        opened.ok = opened.problems.isEmpty();
        if (opened.ok) {
            m_path = path;
            m_opened = opened.config;
            opened.problems = notes;
        }
        done(opened);
    };
    if (names.isEmpty()) {
        QTimer::singleShot(0, this, finish);
        return;
    }
    for (const QString &name : names) {
        m_secrets->read(name, this, [pending, name, finish](const SecretStore::Result &r) {
            if (r.status == SecretStore::Status::Ok)
                pending->values.insert(name, r.value);
            else if (r.status != SecretStore::Status::NotFound)
                pending->failures << QStringLiteral("keychain:%1: %2").arg(name, r.error);
            if (--pending->left == 0)
                finish();
        });
    }
}

void ConfigDocument::save(const QString &path, const Config &edited, SaveDone done) {
    Config config = edited;
    // The app's secrets: kept by reference when unchanged since the file was read, else
    // (typed in the app) written to the keychain under the field's name.
    QList<std::pair<QString, QString>> toKeychain;
    Config opened = m_opened;
    for (const SecretField &f : secretFields()) {
        const QString &value = f.field(config);
        QString &reference = f.reference(config);
        const bool unchanged = value == f.field(opened) && reference == f.reference(opened);
        if (value.isEmpty()) {
            reference.clear();
        } else if (unchanged) {
            // As the file had it (a default the file left out stays out).
        } else if (reference.startsWith(KeychainPrefix)) {
            toKeychain.append({reference.mid(KeychainPrefix.size()), value});
        } else {
            reference = KeychainPrefix + f.key;
            toKeychain.append({f.key, value});
        }
    }
    struct Pending {
        QStringList failures;
        qsizetype left = 0;
    };
    auto pending = std::make_shared<Pending>();
    pending->left = toKeychain.size();
    const auto write = [this, path, config, done, pending] {
        if (!pending->failures.isEmpty()) {
            done(false, pending->failures);
            return;
        }
        QSaveFile file(path);
        const QByteArray yaml = describeConfig(config, ConfigDump::Changes).toUtf8();
        if (!file.open(QIODevice::WriteOnly) || file.write(yaml) != yaml.size() || !file.commit()) {
            done(false, {QStringLiteral("%1: %2").arg(path, file.errorString())});
            return;
        }
        m_path = path;
        m_opened = config;
        done(true, {});
    };
    if (toKeychain.isEmpty()) {
        QTimer::singleShot(0, this, write);
        return;
    }
    for (const auto &[key, value] : toKeychain) {
        m_secrets->write(key, value, this, [pending, key, write](const SecretStore::Result &r) {
            if (r.status != SecretStore::Status::Ok)
                pending->failures << QStringLiteral(
                                         "%1 cannot go to the keychain (%2): nothing was written; "
                                         "give it as env:NAME or file:/path in the file instead")
                                         .arg(key, r.error);
            if (--pending->left == 0)
                write();
        });
    }
}

QString ConfigDocument::exportForServer(Config config, QStringList *toSet) {
    QString yaml = describeConfig(config, ConfigDump::Changes);
    static const QRegularExpression keychain(QStringLiteral("keychain:([A-Za-z0-9._-]+)"));
    QSet<QString> seen;
    QString out;
    qsizetype last = 0;
    for (auto it = keychain.globalMatch(yaml); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        QString variable = QStringLiteral("TOKENGATE_") + m.captured(1).toUpper();
        variable.replace(QRegularExpression(QStringLiteral("[^A-Z0-9_]")), QStringLiteral("_"));
        out += QStringView(yaml).mid(last, m.capturedStart() - last);
        out += QStringLiteral("env:") + variable;
        last = m.capturedEnd();
        if (toSet && !seen.contains(variable)) {
            seen.insert(variable);
            *toSet << QStringLiteral("%1: the secret the app keeps as keychain:%2")
                          .arg(variable, m.captured(1));
        }
    }
    out += QStringView(yaml).mid(last);
    return out;
}

} // namespace Tokengate
