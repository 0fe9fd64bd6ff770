// SPDX-License-Identifier: Apache-2.0
#include "gui/configfileactions.h"

#include "core/base/sha256.h"
#include "core/config/configsecrets.h"
#include "gui/settingspage.h"

#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QSaveFile>
#include <QSettings>

namespace Tokengate {

namespace {

const QString YamlFilter = QStringLiteral("Tokengate config (*.yml *.yaml);;All files (*)");

} // namespace

ConfigFileActions::ConfigFileActions(SettingsPage *page, SecretStore *secrets, QSettings *settings,
                                     QWidget *window)
    : QObject(window)
    , m_page(page)
    , m_settings(settings)
    , m_window(window)
    , m_document(secrets) {
    m_confirm = [this](const QStringList &references) {
        return QMessageBox::question(
                   m_window, QStringLiteral("Read this file's secrets?"),
                   QStringLiteral("The file reads these secrets and sends them where it says. "
                                  "Open it only if you trust it:\n\n") +
                       references.join(u'\n')) == QMessageBox::Yes;
    };
    m_menu = new QMenu(QStringLiteral("&File"), window);
    m_menu->addAction(QStringLiteral("&Open config file…"), QKeySequence::Open, this,
                      &ConfigFileActions::chooseAndOpen);
    m_menu->addAction(QStringLiteral("&Save config file"), QKeySequence::Save, this, [this] {
        if (path().isEmpty())
            chooseAndSave();
        else
            save(path());
    });
    m_menu->addAction(QStringLiteral("Save config file &as…"), QKeySequence::SaveAs, this,
                      &ConfigFileActions::chooseAndSave);
    m_menu->addAction(QStringLiteral("&Export for the server…"), this,
                      &ConfigFileActions::chooseAndExport);
    m_menu->addSeparator();
    m_menu->addAction(QStringLiteral("Import &Express Gateway config…"), this,
                      &ConfigFileActions::chooseAndImport);
    m_menu->addAction(QStringLiteral("Import microgateway &.env…"), m_page,
                      &SettingsPage::chooseDotEnv);
}

bool ConfigFileActions::importExpressGateway(const QString &path) {
    const ConfigDocument::Opened imported = ConfigDocument::importExpressGateway(path);
    if (!imported.ok) {
        m_page->setOutcome(QStringLiteral("Not imported: ") + imported.problems.join(u'\n'), false);
        return false;
    }
    m_page->setConfig(imported.config);
    QString text =
        QStringLiteral("Imported %1: check the fields, then Apply or Save as.").arg(path);
    if (!imported.problems.isEmpty())
        text += QStringLiteral("\nNot converted (review these):\n") + imported.problems.join(u'\n');
    m_page->setOutcome(text, true);
    return true;
}

void ConfigFileActions::chooseAndImport() {
    const QString path = QFileDialog::getOpenFileName(
        m_window, QStringLiteral("Import an Express Gateway gateway.config.yml"), QString(),
        QStringLiteral("Express Gateway config (*.yml *.yaml);;All files (*)"));
    if (!path.isEmpty())
        importExpressGateway(path);
}

namespace {

QByteArray contentHash(const QString &path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? sha256(file.readAll()).toHex() : QByteArray();
}

} // namespace

void ConfigFileActions::trust(const QString &path) {
    m_settings->setValue(QStringLiteral("document/trusted"), contentHash(path));
}

void ConfigFileActions::open(const QString &path) {
    // Agreed to before, unchanged since (the app's own last save, say): not asked again.
    const QByteArray hash = contentHash(path);
    const bool trusted =
        !hash.isEmpty() &&
        m_settings->value(QStringLiteral("document/trusted")).toByteArray() == hash;
    const ConfigDocument::Confirm confirm = [this, trusted](const QStringList &secrets) {
        return trusted || m_confirm(secrets);
    };
    m_document.open(path, confirm, [this, path](const ConfigDocument::Opened &opened) {
        if (!opened.ok) {
            m_page->setOutcome(QStringLiteral("Not opened: ") + opened.problems.join(u'\n'), false);
            emit this->opened(false);
            return;
        }
        trust(path);
        m_page->setConfig(opened.config);
        QString text = QStringLiteral("Opened %1. Apply runs it.").arg(path);
        if (!opened.problems.isEmpty())
            text += u'\n' + opened.problems.join(u'\n');
        m_page->setOutcome(text, true);
        emit pathChanged(path);
        emit this->opened(true);
    });
}

// What a file's config is judged as: a secret that only the server has (env:/file: the
// app could not read) counts as given, since the file keeps its reference. The file has no
// demo setting: what it says must run without the demo filling in upstreams.
QStringList ConfigFileActions::problemsAsFile() const {
    Config c = m_page->config();
    c.demo = false;
    for (const SecretSetting &s : secretSettings(c)) {
        if (s.value->isEmpty() && !s.reference->isEmpty())
            *s.value = QStringLiteral("resolved-where-it-runs");
    }
    return m_page->problemsWith(c);
}

void ConfigFileActions::save(const QString &path) {
    const QStringList problems = problemsAsFile();
    if (!problems.isEmpty()) {
        m_page->setOutcome(QStringLiteral("Not saved: ") + problems.join(u'\n'), false);
        emit saved(false);
        return;
    }
    m_document.save(path, m_page->config(),
                    [this, path](bool ok, const QStringList &why, const Config &savedConfig) {
                        if (ok) {
                            trust(path);
                            // The page now carries the references the file has.
                            m_page->setConfig(savedConfig);
                            emit pathChanged(path);
                        }
                        m_page->setOutcome(
                            ok ? QStringLiteral("Saved %1 (secrets as references only).").arg(path)
                               : QStringLiteral("Not saved: ") + why.join(u'\n'),
                            ok);
                        emit saved(ok);
                    });
}

bool ConfigFileActions::exportForServer(const QString &path, QString *message) {
    const QStringList problems = problemsAsFile();
    if (!problems.isEmpty()) {
        *message = QStringLiteral("Not exported: ") + problems.join(u'\n');
        return false;
    }
    QStringList toSet;
    QStringList why;
    const QByteArray yaml = m_document.exportForServer(m_page->config(), &toSet, &why).toUtf8();
    if (!why.isEmpty()) {
        *message = QStringLiteral("Not exported: ") + why.join(u'\n');
        return false;
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(yaml) != yaml.size() || !file.commit()) {
        *message = QStringLiteral("Not exported: %1: %2").arg(path, file.errorString());
        return false;
    }
    *message = QStringLiteral("Exported %1 for tokengated --config.").arg(path);
    if (!toSet.isEmpty())
        *message +=
            QStringLiteral(" Set on the server (or give _FILE variants):\n") + toSet.join(u'\n');
    return true;
}

void ConfigFileActions::chooseAndOpen() {
    const QString path = QFileDialog::getOpenFileName(
        m_window, QStringLiteral("Open a config file"), QFileInfo(this->path()).path(), YamlFilter);
    if (!path.isEmpty())
        open(path);
}

void ConfigFileActions::chooseAndSave() {
    const QString path = QFileDialog::getSaveFileName(
        m_window, QStringLiteral("Save the config file"),
        this->path().isEmpty() ? QStringLiteral("tokengate.yml") : this->path(), YamlFilter);
    if (!path.isEmpty())
        save(path);
}

void ConfigFileActions::chooseAndExport() {
    const QString path =
        QFileDialog::getSaveFileName(m_window, QStringLiteral("Export for the server"),
                                     QStringLiteral("tokengate.yml"), YamlFilter);
    if (path.isEmpty())
        return;
    QString message;
    const bool ok = exportForServer(path, &message);
    m_page->setOutcome(message, ok);
    if (ok)
        QMessageBox::information(m_window, QStringLiteral("Exported"), message);
}

} // namespace Tokengate
