// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "gui/itemlisteditor.h"

namespace Tokengate {

class RouteProbeBox;

// The routes, in order (first match wins), each with every route setting, and "Which route
// takes a request?" over them.
class RoutesEditor : public ItemListEditor {
    Q_OBJECT
public:
    explicit RoutesEditor(SettingsPage *page, QWidget *parent = nullptr);
    RouteProbeBox *probe() const { return m_probe; }

protected:
    qsizetype itemCount() const override { return m_config.routes.size(); }
    QString itemName(qsizetype index) const override { return m_config.routes[index].name; }
    void appendItem() override;
    void removeItem(qsizetype index) override { m_config.routes.removeAt(index); }
    void reorderItems(const QList<qsizetype> &order) override;
    QList<FormField> fieldsFor(qsizetype index) override;
    void storeItems(Config &edited) const override { edited.routes = m_config.routes; }
    QStringList problemsOf(qsizetype index, const QStringList &all,
                           QStringList *rest) const override;

private:
    RouteProbeBox *m_probe;
};

} // namespace Tokengate
