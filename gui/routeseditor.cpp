// SPDX-License-Identifier: Apache-2.0
#include "gui/routeseditor.h"

namespace Tokengate {

RoutesEditor::RoutesEditor(SettingsPage *page, QWidget *parent)
    : ItemListEditor(page, QStringLiteral("routes"),
                     QStringLiteral("Routes, first match wins (drag to reorder):"),
                     QStringLiteral("Add route"), parent) {}

void RoutesEditor::appendItem() {
    RouteConfig r;
    r.name = freeName(QStringLiteral("route"));
    r.pathPrefix = QStringLiteral("/");
    m_config.routes.append(r);
}

void RoutesEditor::reorderItems(const QList<qsizetype> &order) {
    QList<RouteConfig> ordered;
    for (const qsizetype was : order)
        ordered << m_config.routes[was];
    m_config.routes = ordered;
}

QList<FormField> RoutesEditor::fieldsFor(qsizetype index) {
    return formFields<RouteConfig>(routeSettings(),
                                   [this, index] { return &m_config.routes[index]; });
}

} // namespace Tokengate
