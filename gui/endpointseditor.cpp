// SPDX-License-Identifier: Apache-2.0
#include "gui/endpointseditor.h"

#include "core/auth/discovery.h"
#include "gui/idpprobe.h"
#include "gui/settingspage.h"

#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QVBoxLayout>

namespace Tokengate {

EndpointsEditor::EndpointsEditor(SettingsPage *page, IdpProbe *probe, QWidget *parent)
    : ItemListEditor(page, QStringLiteral("endpoints"),
                     QStringLiteral("Introspection endpoints; the first is the default, used "
                                    "by routes that name none (drag to reorder):"),
                     QStringLiteral("Add endpoint"), parent)
    , m_probe(probe) {
    m_test = new QPushButton(QStringLiteral("Test connection"));
    m_test->setObjectName(QStringLiteral("endpoints-test"));
    m_test->setToolTip(QStringLiteral(
        "Introspects a made-up token at this endpoint with its client authentication and TLS "
        "settings: an answer of active=false means the IdP is reachable and took them."));
    m_result = new QLabel;
    m_result->setObjectName(QStringLiteral("endpoints-test-result"));
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    belowForm()->addWidget(m_test, 0, Qt::AlignLeft);
    belowForm()->addWidget(m_result);
    connect(m_test, &QPushButton::clicked, this, &EndpointsEditor::testConnection);
}

IntrospectionConfig &EndpointsEditor::endpoint(qsizetype index) {
    return index == 0 ? m_config.introspection : m_config.moreIntrospection[index - 1];
}

const IntrospectionConfig &EndpointsEditor::endpoint(qsizetype index) const {
    return index == 0 ? m_config.introspection : m_config.moreIntrospection[index - 1];
}

QString EndpointsEditor::itemLabel(qsizetype index) const {
    return index == 0 ? itemName(0) + QStringLiteral(" (default)") : itemName(index);
}

void EndpointsEditor::appendItem() {
    IntrospectionConfig e;
    e.name = freeName(QStringLiteral("idp"));
    m_config.moreIntrospection.append(e);
}

void EndpointsEditor::removeItem(qsizetype index) {
    if (index == 0)
        m_config.introspection = m_config.moreIntrospection.takeFirst();
    else
        m_config.moreIntrospection.removeAt(index - 1);
}

void EndpointsEditor::reorderItems(const QList<qsizetype> &order) {
    QList<IntrospectionConfig> ordered;
    for (const qsizetype was : order)
        ordered << endpoint(was);
    m_config.introspection = ordered.takeFirst();
    m_config.moreIntrospection = ordered;
}

QList<FormField> EndpointsEditor::fieldsFor(qsizetype index) {
    // Through the config alone: the form's last edit may land while this editor goes.
    return formFields<IntrospectionConfig>(endpointSettings(), [config = &m_config, index] {
        return index == 0 ? &config->introspection : &config->moreIntrospection[index - 1];
    });
}

void EndpointsEditor::storeItems(Config &edited) const {
    edited.introspection = m_config.introspection;
    edited.moreIntrospection = m_config.moreIntrospection;
}

QStringList EndpointsEditor::problemsOf(qsizetype index, const QStringList &all,
                                        QStringList *rest) const {
    const QString label = QStringLiteral("introspection \"%1\": ").arg(endpoint(index).name);
    QStringList mine;
    for (const QString &problem : all) {
        // The default endpoint's settings are also the command line's: some problems name
        // them by their option ("introspection-url: ...").
        const QString head = problem.section(QStringLiteral(": "), 0, 0);
        const bool byOption = index == 0 && !head.isEmpty() &&
                              std::any_of(endpointSettings().cbegin(), endpointSettings().cend(),
                                          [&head](const auto &s) { return s.option == head; });
        if (problem.startsWith(label))
            mine << problem.mid(label.size());
        else if (byOption)
            mine << problem;
        else
            *rest << problem;
    }
    return mine;
}

void EndpointsEditor::selected(qsizetype index) {
    m_test->setEnabled(index >= 0);
    m_result->clear();
    ++m_testGeneration; // an answer for the endpoint shown before is not shown
}

void EndpointsEditor::testConnection() {
    if (current() < 0)
        return;
    // The endpoint as the default one of the edited config: the gateway's TLS settings and
    // timeouts around it, its own client authentication.
    Config c = m_page->config();
    storeItems(c);
    c.introspection = endpoint(current());
    c.moreIntrospection.clear();
    c.demo = false;
    m_test->setEnabled(false);
    m_result->setStyleSheet(QString());
    m_result->setText(QStringLiteral("Calling %1…").arg(c.introspection.name));
    const quint64 generation = ++m_testGeneration;
    const auto shown = [this, guard = QPointer<EndpointsEditor>(this),
                        generation](bool ok, const QString &message) {
        if (!guard || generation != m_testGeneration)
            return;
        m_test->setEnabled(true);
        m_result->setText(message);
        m_result->setStyleSheet(ok ? QStringLiteral("color: #26a269;")
                                   : QStringLiteral("color: #c01c28;"));
    };
    if (!c.introspection.url.isEmpty() || c.introspection.issuer.isEmpty()) {
        m_probe->testConnection(c, shown);
        return;
    }
    // The gateway discovers this endpoint when it starts: so does the test.
    m_probe->discover(c.introspection.issuer, issuerTls(c.upstream, c.introspection),
                      [this, guard = QPointer<EndpointsEditor>(this), c,
                       shown](const IdpProbe::Discovery &d) mutable {
                          if (!guard)
                              return;
                          if (d.introspectionUrl.isEmpty()) {
                              shown(false, QStringLiteral("Discovery failed: ") + d.error);
                              return;
                          }
                          c.introspection.url = d.introspectionUrl;
                          m_probe->testConnection(c, shown);
                      });
}

QString EndpointsEditor::testResult() const {
    return m_result->text();
}

} // namespace Tokengate
