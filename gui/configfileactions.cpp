// SPDX-License-Identifier: Apache-2.0
#include "gui/configfileactions.h"

#include "gui/settingspage.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QSaveFile>

namespace Tokengate {

namespace {

const QString YamlFilter = QStringLiteral("Tokengate config (*.yml *.yaml);;All files (*)");

} // namespace

ConfigFileActions::ConfigFileActions(SettingsPage *page, SecretStore *secrets, QWidget *window)
    : QObject(window)
    , m_page(page)
    , m_window(window)
    , m_document(secrets) {
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
}

void ConfigFileActions::open(const QString &path) {
    m_document.open(path, [this, path](const ConfigDocument::Opened &opened) {
        if (!opened.ok) {
            m_page->setOutcome(QStringLiteral("Not opened: ") + opened.problems.join(u'\n'), false);
            emit this->opened(false);
            return;
        }
        m_page->setConfig(opened.config);
        QString text = QStringLiteral("Opened %1. Apply runs it.").arg(path);
        if (!opened.problems.isEmpty())
            text += u'\n' + opened.problems.join(u'\n');
        m_page->setOutcome(text, true);
        emit pathChanged(path);
        emit this->opened(true);
    });
}

void ConfigFileActions::save(const QString &path) {
    const QStringList problems = m_page->problems();
    if (!problems.isEmpty()) {
        m_page->setOutcome(QStringLiteral("Not saved: ") + problems.join(u'\n'), false);
        emit saved(false);
        return;
    }
    m_document.save(path, m_page->config(), [this, path](bool ok, const QStringList &why) {
        m_page->setOutcome(ok ? QStringLiteral("Saved %1 (secrets as references only).").arg(path)
                              : QStringLiteral("Not saved: ") + why.join(u'\n'),
                           ok);
        if (ok)
            emit pathChanged(path);
        emit saved(ok);
    });
}

bool ConfigFileActions::exportForServer(const QString &path, QString *message) {
    const QStringList problems = m_page->problems();
    if (!problems.isEmpty()) {
        *message = QStringLiteral("Not exported: ") + problems.join(u'\n');
        return false;
    }
    QStringList toSet;
    const QByteArray yaml = ConfigDocument::exportForServer(m_page->config(), &toSet).toUtf8();
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
