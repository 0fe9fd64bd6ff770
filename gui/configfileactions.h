// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "gui/configdocument.h"

#include <QObject>

class QMenu;
class QSettings;
class QWidget;

namespace Tokengate {

class SecretStore;
class SettingsPage;

// The File menu: Open, Save, Save as (the daemon's YAML, through ConfigDocument), Export
// for the server, and imports of the tools Tokengate replaces. Opening fills the settings
// page, which keeps what it does not show (routes, other endpoints) and writes it back on
// Save; what happened shows under its buttons. A file whose secrets the user has not agreed
// to read (or that changed since) asks first; `settings` remembers the agreed content.
class ConfigFileActions : public QObject {
    Q_OBJECT
public:
    ConfigFileActions(SettingsPage *page, SecretStore *secrets, QSettings *settings,
                      QWidget *window);

    QMenu *menu() const { return m_menu; }
    QString path() const { return m_document.path(); }
    // Replaces the question asked before a file's secrets are read (the tests answer it).
    void setConfirm(ConfigDocument::Confirm confirm) { m_confirm = std::move(confirm); }

    // What the menu's items do once a file is chosen (the tests call them directly).
    void open(const QString &path);
    void save(const QString &path);
    bool exportForServer(const QString &path, QString *message);
    // Fills the page from an Express Gateway config; false (and shown) when it cannot.
    bool importExpressGateway(const QString &path);

signals:
    void opened(bool ok);
    void saved(bool ok);
    void pathChanged(const QString &path);

private:
    void chooseAndOpen();
    void chooseAndSave();
    void chooseAndExport();
    void chooseAndImport();
    void trust(const QString &path);
    QStringList problemsAsFile() const;

    SettingsPage *m_page;
    QSettings *m_settings;
    QWidget *m_window;
    ConfigDocument m_document;
    ConfigDocument::Confirm m_confirm;
    QMenu *m_menu;
};

} // namespace Tokengate
