// SPDX-License-Identifier: Apache-2.0
#include "gui/configdocument.h"

#include "core/base/sha256.h"
#include "core/config/configdump.h"
#include "core/config/configfile.h"
#include "core/config/configsecrets.h"
#include "core/config/egimport.h"
#include "gui/configsettings.h"
#include "gui/secretstore.h"

#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSet>
#include <QTimer>
#include <QUrl>

#include <memory>

namespace Tokengate {

namespace {

const QLatin1StringView KeychainPrefix("keychain:");

// env: and file: as the daemon reads them, keychain: from `keychain`. One the app cannot
// resolve (a server's variable, a file only the server has) leaves the secret empty here and
// is noted; the reference stays, so saving writes it back unchanged.
SecretResolver appResolver(const QHash<QString, QString> &keychain, QStringList *notes) {
    return [keychain, notes,
            daemon = daemonSecretResolver(QProcessEnvironment::systemEnvironment())](
               const QString &reference, QString *) -> std::optional<QString> {
        if (reference.startsWith(KeychainPrefix)) {
            const QString name = reference.mid(KeychainPrefix.size());
            if (!keychain.contains(name))
                *notes << QStringLiteral("%1: not in the keychain; the secret is empty here (the "
                                         "file keeps the reference)")
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

// URLs whose password describeConfig() would drop: refused rather than lost.
QStringList urlPasswords(const Config &c) {
    QStringList out;
    const auto check = [&out](const QString &what, const QString &url) {
        if (!QUrl(url).password().isEmpty())
            out << QStringLiteral("%1: the file cannot keep a password in a URL; give it as its "
                                  "own setting with a reference (e.g. cache.redis.password: "
                                  "env:NAME)")
                       .arg(what);
    };
    check(QStringLiteral("upstream"), c.upstreamUrl);
    check(QStringLiteral("cache.redis.url"), c.cache.redis.url);
    for (const RouteConfig &r : c.routes)
        check(QStringLiteral("routes \"%1\" upstream").arg(r.name), r.upstreamUrl);
    return out;
}

} // namespace

namespace {

// The first part of a file's keychain entries: its name, made safe.
QString entryStem(const QString &path) {
    QString stem = QFileInfo(path).completeBaseName();
    stem.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9_-]")), QStringLiteral("_"));
    return stem.isEmpty() ? QStringLiteral("tokengate") : stem;
}

} // namespace

QString ConfigDocument::entryName(const QString &path, const QString &setting) {
    const QByteArray where = sha256(QFileInfo(path).absoluteFilePath().toUtf8()).toHex().left(8);
    return entryStem(path) + u'-' + QString::fromLatin1(where) + u'.' + setting;
}

ConfigDocument::ConfigDocument(SecretStore *secrets, QObject *parent)
    : QObject(parent)
    , m_secrets(secrets) {}

void ConfigDocument::open(const QString &path, const Confirm &confirm, OpenDone done) {
    const quint64 generation = ++m_generation;
    // First pass: parse without reading a secret, to see what the file would read.
    Config probe;
    QStringList problems = applyConfigFile(
        path, probe, [](const QString &, QString *) { return std::optional<QString>(QString()); });
    QSet<QString> names;
    QStringList shown;
    for (const SecretSetting &s : secretSettings(probe)) {
        if (s.reference->isEmpty())
            continue;
        if (s.reference->startsWith(KeychainPrefix))
            names.insert(s.reference->mid(KeychainPrefix.size()));
        shown << QStringLiteral("%1 = %2%3")
                     .arg(s.path, *s.reference,
                          s.sentTo.isEmpty() ? QString()
                                             : QStringLiteral(", sent to %1").arg(s.sentTo));
    }
    if (problems.isEmpty() && !shown.isEmpty() && !confirm(shown))
        problems << QStringLiteral("its secrets were not to be read");
    if (!problems.isEmpty()) {
        QTimer::singleShot(0, this, [done, problems] { done({false, {}, problems}); });
        return;
    }
    // Then the keychain entries, one call each, and the second pass with their values.
    struct Pending {
        QHash<QString, QString> values;
        QStringList failures;
        qsizetype left = 0;
    };
    auto pending = std::make_shared<Pending>();
    pending->left = names.size();
    const auto finish = [this, path, done, pending, generation] {
        if (generation != m_generation)
            return; // another open or a save came since: this one is moot
        Opened opened;
        QStringList notes = pending->failures;
        opened.problems =
            applyConfigFile(path, opened.config, appResolver(pending->values, &notes));
        opened.ok = opened.problems.isEmpty();
        if (opened.ok) {
            m_path = path;
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

QStringList ConfigDocument::assignReferences(Config &config, const QString &path,
                                             QList<std::pair<QString, QString>> *toKeychain) const {
    // A default secret (the drop-in's JWT "secret") is left out of the file as it is.
    Config defaults;
    QHash<QString, QString> defaultValues;
    for (const SecretSetting &s : secretSettings(defaults))
        defaultValues.insert(s.path, *s.value);
    QStringList problems;
    // Entries the kept references name: a typed secret never lands in one of them (an endpoint
    // renamed keeps its entry, and a new one may take the old name).
    QSet<QString> named;
    for (const SecretSetting &s : secretSettings(config))
        named.insert(*s.reference);
    for (const SecretSetting &s : secretSettings(config)) {
        // Typing a secret drops its reference (setTypedSecret), so one still there stands
        // for the value, wherever it moved (an endpoint renamed): as the file had it, read
        // here or not.
        if (!s.reference->isEmpty() || s.value->isEmpty())
            continue;
        if (*s.value == defaultValues.value(s.path))
            continue;
        // Typed in: into this file's own entry, never into one another file or the app names
        // (a file may name entries to read them, not to overwrite them).
        QString name = entryName(path, s.path);
        for (int n = 2; named.contains(KeychainPrefix + name); ++n)
            name = entryName(path, s.path) + QStringLiteral("-%1").arg(n);
        *s.reference = KeychainPrefix + name;
        named.insert(*s.reference);
        toKeychain->append({name, *s.value});
    }
    return problems + urlPasswords(config);
}

void ConfigDocument::save(const QString &path, const Config &edited, SaveDone done) {
    ++m_generation; // an open still reading the keychain must not land over what is saved
    Config config = edited;
    QList<std::pair<QString, QString>> toKeychain;
    const QStringList problems = assignReferences(config, path, &toKeychain);
    if (!problems.isEmpty()) {
        QTimer::singleShot(0, this, [done, problems, config] { done(false, problems, config); });
        return;
    }
    struct Pending {
        QStringList failures;
        qsizetype left = 0;
    };
    auto pending = std::make_shared<Pending>();
    pending->left = toKeychain.size();
    const auto write = [this, path, config, done, pending] {
        if (!pending->failures.isEmpty()) {
            done(false, pending->failures, config);
            return;
        }
        QSaveFile file(path);
        const QByteArray yaml = describeConfig(config, ConfigDump::Changes).toUtf8();
        if (!file.open(QIODevice::WriteOnly) || file.write(yaml) != yaml.size() || !file.commit()) {
            done(false, {QStringLiteral("%1: %2").arg(path, file.errorString())}, config);
            return;
        }
        m_path = path;
        done(true, {}, config);
    };
    if (toKeychain.isEmpty()) {
        QTimer::singleShot(0, this, write);
        return;
    }
    for (const auto &entry : toKeychain) {
        const QString name = entry.first; // captured by copy: clang 14 cannot capture bindings
        m_secrets->write(
            name, entry.second, this, [pending, name, write](const SecretStore::Result &r) {
                if (r.status != SecretStore::Status::Ok)
                    pending->failures
                        << QStringLiteral("keychain:%1 cannot be written (%2): nothing was saved; "
                                          "give the secret as env:NAME or file:/path in the file")
                               .arg(name, r.error);
                if (--pending->left == 0)
                    write();
            });
    }
}

ConfigDocument::Opened ConfigDocument::importExpressGateway(const QString &path) {
    constexpr qint64 MaxInputBytes = 4 << 20; // as tokengated import-eg
    Opened imported;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        imported.problems << QStringLiteral("%1: %2").arg(path, file.errorString());
        return imported;
    }
    if (file.size() > MaxInputBytes) {
        imported.problems
            << QStringLiteral("%1 is larger than %2 bytes").arg(path).arg(MaxInputBytes);
        return imported;
    }
    const EgImport result = Tokengate::importExpressGateway(file.read(MaxInputBytes));
    if (!result.errors.isEmpty()) {
        imported.problems = result.errors;
        return imported;
    }
    QStringList notes;
    imported.problems =
        applyConfigText(result.tokengateYaml, path, imported.config, appResolver({}, &notes));
    imported.ok = imported.problems.isEmpty();
    if (imported.ok)
        imported.problems = result.notConverted + notes;
    return imported;
}

QString ConfigDocument::exportForServer(const Config &edited, QStringList *toSet,
                                        QStringList *problems) const {
    Config config = edited;
    QList<std::pair<QString, QString>> unused; // the server gets variables, not the keychain
    const QString path = m_path.isEmpty() ? QStringLiteral("tokengate") : m_path;
    *problems = assignReferences(config, path, &unused);
    // "<stem>-<digits>.": this file's own entries, as entryName() names them.
    const QString ownPrefix = entryName(path, {});
    const QString ownStem = entryStem(path) + u'.';
    QHash<QString, QString> variables; // variable -> the keychain name it stands for
    for (const SecretSetting &s : secretSettings(config)) {
        if (!s.reference->startsWith(KeychainPrefix))
            continue;
        const QString name = s.reference->mid(KeychainPrefix.size());
        // Without the file path's digits (the server has one file), but only this file's: a
        // name the user chose keeps its digits, whatever it looks like.
        QString variable =
            QStringLiteral("TOKENGATE_SECRET_") +
            (name.startsWith(ownPrefix) ? ownStem + name.mid(ownPrefix.size()) : name).toUpper();
        variable.replace(QRegularExpression(QStringLiteral("[^A-Z0-9_]")), QStringLiteral("_"));
        if (variables.contains(variable) && variables.value(variable) != name) {
            *problems << QStringLiteral("keychain:%1 and keychain:%2 would both become %3: rename "
                                        "one")
                             .arg(variables.value(variable), name, variable);
            continue;
        }
        if (!variables.contains(variable))
            *toSet
                << QStringLiteral("%1 (%2, kept here as keychain:%3)").arg(variable, s.path, name);
        variables.insert(variable, name);
        *s.reference = QStringLiteral("env:") + variable;
    }
    return problems->isEmpty() ? describeConfig(config, ConfigDump::Changes) : QString();
}

} // namespace Tokengate
