// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "gui/itemlisteditor.h"

class QLabel;
class QPushButton;

namespace Tokengate {

class IdpProbe;

// The introspection endpoints, the first being the default (routes without `introspection`
// use it), each with every endpoint setting: client authentication of every method (a key
// file for private_key_jwt), TLS towards the IdP, JWT validation. Test connection calls the
// selected endpoint through the gateway's own client, as the gateway would.
class EndpointsEditor : public ItemListEditor {
    Q_OBJECT
public:
    EndpointsEditor(SettingsPage *page, IdpProbe *probe, QWidget *parent = nullptr);
    void testConnection();
    // The last Test connection's outcome, as shown.
    QString testResult() const;

protected:
    qsizetype itemCount() const override { return 1 + m_config.moreIntrospection.size(); }
    QString itemName(qsizetype index) const override { return endpoint(index).name; }
    QString itemLabel(qsizetype index) const override;
    void appendItem() override;
    void removeItem(qsizetype index) override;
    void reorderItems(const QList<qsizetype> &order) override;
    QList<FormField> fieldsFor(qsizetype index) override;
    void storeItems(Config &edited) const override;
    bool canRemove(qsizetype) const override { return itemCount() > 1; }
    void selected(qsizetype index) override;
    QStringList problemsOf(qsizetype index, const QStringList &all,
                           QStringList *rest) const override;

private:
    IntrospectionConfig &endpoint(qsizetype index);
    const IntrospectionConfig &endpoint(qsizetype index) const;

    IdpProbe *m_probe;
    QPushButton *m_test;
    QLabel *m_result;
    quint64 m_testGeneration = 0;
};

} // namespace Tokengate
