// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/config.h"
#include "gui/settingsform.h"

#include <QWidget>

class QLabel;
class QListWidget;
class QVBoxLayout;

namespace Tokengate {

class SettingsPage;

// An ordered list of named items of the settings page's config (routes, introspection
// endpoints): drag to reorder, add, remove, and the selected item's settings in a form from
// the settings table. Edits go to the page's config, whose problems show here too; Apply there
// runs them. Subclasses say where the items are.
class ItemListEditor : public QWidget {
    Q_OBJECT
public:
    ~ItemListEditor() override;
    // Re-reads the page's config (done when shown, and when the page's config is replaced).
    void reload();
    void addItem();
    void removeSelected();
    QListWidget *list() const { return m_list; }
    SettingsForm *form() const { return m_form; }

protected:
    // `objectPrefix` names the widgets for tests ("routes" gives "routes-list", ...).
    ItemListEditor(SettingsPage *page, const QString &objectPrefix, const QString &heading,
                   const QString &addLabel, QWidget *parent);
    void showEvent(QShowEvent *event) override;

    virtual qsizetype itemCount() const = 0;
    virtual QString itemName(qsizetype index) const = 0;
    // Appends a new item to m_config.
    virtual void appendItem() = 0;
    virtual void removeItem(qsizetype index) = 0;
    // The items in a new order: `order[i]` is the index the i-th one had.
    virtual void reorderItems(const QList<qsizetype> &order) = 0;
    virtual QList<FormField> fieldsFor(qsizetype index) = 0;
    // Copies the items from m_config into `edited`, the page's config.
    virtual void storeItems(Config &edited) const = 0;
    // The label of an item in the list (the first endpoint is the default one).
    virtual QString itemLabel(qsizetype index) const { return itemName(index); }
    virtual bool canRemove(qsizetype) const { return true; }
    // Of the page's problems, those about item `index`, without the words naming it; the
    // others go to `rest`.
    virtual QStringList problemsOf(qsizetype index, const QStringList &all,
                                   QStringList *rest) const = 0;
    // The row changed: the subclass's own widgets follow.
    virtual void selected(qsizetype) {}

    // A name "<stem>-N" no item has.
    QString freeName(const QString &stem) const;
    qsizetype current() const { return m_current; }
    // Extra widgets under the form.
    QVBoxLayout *belowForm() const { return m_below; }
    void commit();

    SettingsPage *m_page;
    Config m_config;

private:
    void select(int row);
    void reorderFromList();
    void relabel();
    // The page's problems: the selected item's under their fields, the rest below the form.
    void showProblems();

    qsizetype m_current = -1;
    bool m_committing = false;
    QListWidget *m_list;
    SettingsForm *m_form;
    QVBoxLayout *m_below;
    QLabel *m_problems;
};

} // namespace Tokengate
