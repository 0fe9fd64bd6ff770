// SPDX-License-Identifier: Apache-2.0
#include "gui/itemlisteditor.h"

#include "gui/settingspage.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

namespace Tokengate {

ItemListEditor::ItemListEditor(SettingsPage *page, const QString &objectPrefix,
                               const QString &heading, const QString &addLabel, QWidget *parent)
    : QWidget(parent)
    , m_page(page) {
    m_list = new QListWidget;
    m_list->setObjectName(objectPrefix + QStringLiteral("-list"));
    m_list->setDragDropMode(QAbstractItemView::InternalMove);
    m_list->setToolTip(QStringLiteral("Drag to reorder"));
    auto *add = new QPushButton(addLabel);
    add->setObjectName(objectPrefix + QStringLiteral("-add"));
    auto *remove = new QPushButton(QStringLiteral("Remove"));
    remove->setObjectName(objectPrefix + QStringLiteral("-remove"));
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(add);
    buttons->addWidget(remove);
    auto *left = new QVBoxLayout;
    auto *title = new QLabel(heading);
    title->setWordWrap(true);
    left->addWidget(title);
    left->addWidget(m_list, 1);
    left->addLayout(buttons);

    m_form = new SettingsForm;
    auto *scroll = new QScrollArea;
    scroll->setWidget(m_form);
    scroll->setWidgetResizable(true);
    m_problems = new QLabel;
    m_problems->setObjectName(objectPrefix + QStringLiteral("-problems"));
    m_problems->setWordWrap(true);
    m_problems->setStyleSheet(QStringLiteral("color: #c01c28;"));
    m_below = new QVBoxLayout;
    auto *right = new QVBoxLayout;
    right->addWidget(scroll, 1);
    right->addLayout(m_below);
    right->addWidget(m_problems);

    auto *layout = new QHBoxLayout(this);
    layout->addLayout(left, 1);
    layout->addLayout(right, 3);

    connect(add, &QPushButton::clicked, this, &ItemListEditor::addItem);
    connect(remove, &QPushButton::clicked, this, &ItemListEditor::removeSelected);
    connect(m_list, &QListWidget::currentRowChanged, this, &ItemListEditor::select);
    connect(m_page, &SettingsPage::configReplaced, this, &ItemListEditor::reload);
    // Edited elsewhere (a Discover answer landing on the Settings page): this copy must not be
    // written back over it. Hidden, it is re-read when shown.
    connect(m_page, &SettingsPage::configEdited, this, [this] {
        if (m_committing || !isVisible())
            return;
        QStringList before;
        for (qsizetype i = 0; i < itemCount(); ++i)
            before << itemName(i);
        m_config = m_page->config();
        QStringList after;
        for (qsizetype i = 0; i < itemCount(); ++i)
            after << itemName(i);
        if (before != after) {
            reload();
            return;
        }
        // The same items: their values in place, the field being typed into kept.
        m_form->refresh(true);
        showProblems();
    });
    connect(m_list->model(), &QAbstractItemModel::rowsMoved, this,
            &ItemListEditor::reorderFromList);
    connect(m_form, &SettingsForm::edited, this, [this] {
        relabel();
        commit();
    });
}

ItemListEditor::~ItemListEditor() {
    m_form->detach(this); // while m_config is still here
}

void ItemListEditor::showEvent(QShowEvent *event) {
    QWidget::showEvent(event);
    reload();
}

void ItemListEditor::reload() {
    m_config = m_page->config();
    const qsizetype keep = m_current;
    m_list->blockSignals(true);
    m_list->clear();
    for (qsizetype i = 0; i < itemCount(); ++i) {
        auto *item = new QListWidgetItem(itemLabel(i), m_list);
        item->setData(Qt::UserRole, int(i)); // where it was before a drag
    }
    m_list->blockSignals(false);
    m_current = -1;
    // Selecting the row builds its form (currentRowChanged); no row: an empty form.
    m_list->setCurrentRow(keep >= 0 && keep < m_list->count() ? int(keep)
                                                              : (m_list->count() ? 0 : -1));
    if (m_list->currentRow() < 0)
        select(-1);
    showProblems();
}

void ItemListEditor::select(int row) {
    m_current = row >= 0 && row < itemCount() ? row : -1;
    if (m_current < 0) {
        m_form->setFields({});
        selected(-1);
        showProblems();
        return;
    }
    m_form->setFields(fieldsFor(row));
    selected(row);
    showProblems();
}

QString ItemListEditor::freeName(const QString &stem) const {
    const auto taken = [this](const QString &name) {
        for (qsizetype i = 0; i < itemCount(); ++i) {
            if (itemName(i) == name)
                return true;
        }
        return false;
    };
    qsizetype n = itemCount() + 1;
    while (taken(QStringLiteral("%1-%2").arg(stem).arg(n)))
        ++n;
    return QStringLiteral("%1-%2").arg(stem).arg(n);
}

void ItemListEditor::addItem() {
    appendItem();
    auto *item = new QListWidgetItem(itemLabel(itemCount() - 1), m_list);
    item->setData(Qt::UserRole, int(itemCount() - 1));
    commit();
    m_list->setCurrentRow(m_list->count() - 1);
}

void ItemListEditor::removeSelected() {
    const int row = m_list->currentRow();
    if (row < 0 || !canRemove(row))
        return;
    removeItem(row);
    // The list's current row moves while the row goes, to indexes that no longer match the
    // items: selected below instead.
    m_list->blockSignals(true);
    delete m_list->takeItem(row);
    m_list->blockSignals(false);
    for (int i = 0; i < m_list->count(); ++i)
        m_list->item(i)->setData(Qt::UserRole, i);
    relabel();
    m_current = -1;
    commit();
    select(m_list->currentRow());
}

// After a drag the list's order is the truth: items follow their rows.
void ItemListEditor::reorderFromList() {
    QList<qsizetype> order;
    for (int i = 0; i < m_list->count(); ++i) {
        order << m_list->item(i)->data(Qt::UserRole).toInt();
        m_list->item(i)->setData(Qt::UserRole, i);
    }
    reorderItems(order);
    relabel();
    commit();
    select(m_list->currentRow());
}

void ItemListEditor::relabel() {
    for (int i = 0; i < m_list->count() && i < itemCount(); ++i)
        m_list->item(i)->setText(itemLabel(i));
}

void ItemListEditor::showProblems() {
    const QStringList all = m_page->problems();
    if (m_current < 0) {
        m_form->showProblems({});
        m_problems->setText(all.join(u'\n'));
        return;
    }
    QStringList rest;
    const QStringList mine = problemsOf(m_current, all, &rest);
    // Those about the item that name no field stay below, saying which item.
    for (const QString &untied : m_form->showProblems(mine))
        rest << itemName(m_current) + QStringLiteral(": ") + untied;
    m_problems->setText(rest.join(u'\n'));
}

void ItemListEditor::commit() {
    // The page's fields hold what they show; the items come from here.
    Config edited = m_page->config();
    storeItems(edited);
    m_committing = true;
    m_page->editConfig(edited);
    m_committing = false;
    showProblems();
}

} // namespace Tokengate
