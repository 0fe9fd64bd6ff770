// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "gui/configdocument.h"

#include <QObject>

class QMenu;
class QWidget;

namespace Tokengate {

class SecretStore;
class SettingsPage;

// The File menu: Open, Save, Save as (the daemon's YAML, through ConfigDocument) and Export
// for the server. Opening fills the settings page, which keeps what it does not show (routes,
// other endpoints) and writes it back on Save; what happened shows under its buttons.
class ConfigFileActions : public QObject {
    Q_OBJECT
public:
    ConfigFileActions(SettingsPage *page, SecretStore *secrets, QWidget *window);

    QMenu *menu() const { return m_menu; }
    QString path() const { return m_document.path(); }

    // What the menu's items do once a file is chosen (the tests call them directly).
    void open(const QString &path);
    void save(const QString &path);
    bool exportForServer(const QString &path, QString *message);

signals:
    void opened(bool ok);
    void saved(bool ok);
    void pathChanged(const QString &path);

private:
    void chooseAndOpen();
    void chooseAndSave();
    void chooseAndExport();

    SettingsPage *m_page;
    QWidget *m_window;
    ConfigDocument m_document;
    QMenu *m_menu;
};

} // namespace Tokengate
