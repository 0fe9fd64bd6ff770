// SPDX-License-Identifier: Apache-2.0
#include "gui/routeseditor.h"

#include "gui/settingsform.h"
#include "gui/settingspage.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

namespace Tokengate {

RoutesEditor::RoutesEditor(SettingsPage *page, QWidget *parent)
    : QWidget(parent)
    , m_page(page) {
    m_list = new QListWidget;
    m_list->setObjectName(QStringLiteral("routes-list"));
    m_list->setDragDropMode(QAbstractItemView::InternalMove);
    m_list->setToolTip(QStringLiteral("First match wins: drag to reorder"));
    auto *add = new QPushButton(QStringLiteral("Add route"));
    add->setObjectName(QStringLiteral("routes-add"));
    auto *remove = new QPushButton(QStringLiteral("Remove"));
    remove->setObjectName(QStringLiteral("routes-remove"));
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(add);
    buttons->addWidget(remove);
    auto *left = new QVBoxLayout;
    left->addWidget(new QLabel(QStringLiteral("Routes, first match wins (drag to reorder):")));
    left->addWidget(m_list, 1);
    left->addLayout(buttons);

    m_form = new SettingsForm;
    auto *scroll = new QScrollArea;
    scroll->setWidget(m_form);
    scroll->setWidgetResizable(true);
    m_problems = new QLabel;
    m_problems->setObjectName(QStringLiteral("routes-problems"));
    m_problems->setWordWrap(true);
    m_problems->setStyleSheet(QStringLiteral("color: #c01c28;"));
    auto *right = new QVBoxLayout;
    right->addWidget(scroll, 1);
    right->addWidget(m_problems);

    auto *layout = new QHBoxLayout(this);
    layout->addLayout(left, 1);
    layout->addLayout(right, 3);

    connect(add, &QPushButton::clicked, this, &RoutesEditor::addRoute);
    connect(remove, &QPushButton::clicked, this, &RoutesEditor::removeSelected);
    connect(m_list, &QListWidget::currentRowChanged, this, &RoutesEditor::select);
    connect(m_page, &SettingsPage::configReplaced, this, &RoutesEditor::reload);
    connect(m_list->model(), &QAbstractItemModel::rowsMoved, this, &RoutesEditor::reorderFromList);
    connect(m_form, &SettingsForm::edited, this, [this] {
        if (m_current >= 0 && m_current < m_list->count())
            m_list->item(m_current)->setText(m_config.routes[m_current].name);
        commit();
    });
}

void RoutesEditor::showEvent(QShowEvent *event) {
    QWidget::showEvent(event);
    reload();
}

void RoutesEditor::reload() {
    m_config = m_page->config();
    const int keep = m_current;
    m_list->blockSignals(true);
    m_list->clear();
    for (int i = 0; i < m_config.routes.size(); ++i) {
        auto *item = new QListWidgetItem(m_config.routes[i].name, m_list);
        item->setData(Qt::UserRole, i); // where it was before a drag
    }
    m_list->blockSignals(false);
    m_current = -1;
    // Selecting the row builds its form (currentRowChanged); no row: an empty form.
    m_list->setCurrentRow(keep >= 0 && keep < m_list->count() ? keep : (m_list->count() ? 0 : -1));
    if (m_list->currentRow() < 0)
        select(-1);
    m_problems->setText(m_page->problems().join(u'\n'));
}

void RoutesEditor::select(int row) {
    m_current = row;
    if (row < 0 || row >= m_config.routes.size()) {
        m_form->setFields({});
        return;
    }
    m_form->setFields(
        formFields<RouteConfig>(routeSettings(), [this] { return &m_config.routes[m_current]; }));
}

void RoutesEditor::addRoute() {
    RouteConfig r;
    const auto taken = [this](const QString &name) {
        return std::any_of(m_config.routes.cbegin(), m_config.routes.cend(),
                           [&name](const RouteConfig &other) { return other.name == name; });
    };
    int n = int(m_config.routes.size()) + 1;
    while (taken(QStringLiteral("route-%1").arg(n)))
        ++n;
    r.name = QStringLiteral("route-%1").arg(n);
    r.pathPrefix = QStringLiteral("/");
    m_config.routes.append(r);
    auto *item = new QListWidgetItem(r.name, m_list);
    item->setData(Qt::UserRole, int(m_config.routes.size() - 1));
    commit();
    m_list->setCurrentRow(m_list->count() - 1);
}

void RoutesEditor::removeSelected() {
    const int row = m_list->currentRow();
    if (row < 0)
        return;
    m_config.routes.removeAt(row);
    delete m_list->takeItem(row);
    for (int i = 0; i < m_list->count(); ++i)
        m_list->item(i)->setData(Qt::UserRole, i);
    m_current = -1;
    commit();
    select(m_list->currentRow());
}

// After a drag the list's order is the truth: routes follow their items.
void RoutesEditor::reorderFromList() {
    QList<RouteConfig> ordered;
    for (int i = 0; i < m_list->count(); ++i) {
        ordered << m_config.routes[m_list->item(i)->data(Qt::UserRole).toInt()];
        m_list->item(i)->setData(Qt::UserRole, i);
    }
    m_config.routes = ordered;
    commit();
    select(m_list->currentRow());
}

void RoutesEditor::commit() {
    // The page's fields hold what they show; everything else comes from here.
    Config edited = m_page->config();
    edited.routes = m_config.routes;
    m_page->editConfig(edited);
    m_problems->setText(m_page->problems().join(u'\n'));
}

} // namespace Tokengate
