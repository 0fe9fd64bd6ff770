// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/config.h"

#include <QWidget>

class QLabel;
class QListWidget;

namespace Tokengate {

class SettingsForm;
class SettingsPage;

// The routes, in order (first match wins): drag to reorder, add, remove, and every route
// setting of the selected one in a form from the settings table. Edits go to the settings
// page's config, whose problems show here too; Apply there runs them.
class RoutesEditor : public QWidget {
    Q_OBJECT
public:
    explicit RoutesEditor(SettingsPage *page, QWidget *parent = nullptr);
    // Re-reads the page's config (done when shown).
    void reload();
    void addRoute();
    void removeSelected();
    QListWidget *list() const { return m_list; }
    SettingsForm *form() const { return m_form; }

protected:
    void showEvent(QShowEvent *event) override;

private:
    void commit();
    void select(int row);
    void reorderFromList();

    SettingsPage *m_page;
    Config m_config;
    int m_current = -1;
    QListWidget *m_list;
    SettingsForm *m_form;
    QLabel *m_problems;
};

} // namespace Tokengate
