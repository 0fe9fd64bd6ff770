// SPDX-License-Identifier: Apache-2.0
#include "gui/routeseditor.h"

#include "core/config/routecompiler.h"
#include "gui/routeprobe.h"
#include "gui/settingspage.h"

#include <QVBoxLayout>

namespace Tokengate {

RoutesEditor::RoutesEditor(SettingsPage *page, QWidget *parent)
    : ItemListEditor(page, QStringLiteral("routes"),
                     QStringLiteral("Routes, first match wins (drag to reorder):"),
                     QStringLiteral("Add route"), parent) {
    // Next to the routes: what they do with a request, as edited.
    m_probe = new RouteProbeBox([this] { return m_page->config(); });
    belowForm()->addWidget(m_probe);
}

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
    // Through the config alone: the form's last edit may land while this editor goes.
    return formFields<RouteConfig>(routeSettings(),
                                   [config = &m_config, index] { return &config->routes[index]; });
}

QStringList RoutesEditor::problemsOf(qsizetype index, const QStringList &all,
                                     QStringList *rest) const {
    const QString label = routeLabel(m_config.routes[index], index);
    QStringList mine;
    for (const QString &problem : all) {
        if (problem.startsWith(label))
            mine << problem.mid(label.size());
        else
            *rest << problem;
    }
    return mine;
}

} // namespace Tokengate
