// SPDX-License-Identifier: Apache-2.0
#include "gui/allsettingspage.h"

#include "gui/settingsform.h"
#include "gui/settingspage.h"

#include <QLabel>
#include <QScrollArea>
#include <QVBoxLayout>

namespace Tokengate {

AllSettingsPage::AllSettingsPage(SettingsPage *page, QWidget *parent)
    : QWidget(parent)
    , m_page(page) {
    m_form = new SettingsForm;
    m_form->setFields(formFields<Config>(configSettings(), [this] { return &m_config; }));
    auto *scroll = new QScrollArea;
    scroll->setWidget(m_form);
    scroll->setWidgetResizable(true);
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(QStringLiteral(
        "Every setting of the config file, as it names them (hover for help). A value is "
        "applied to the edited settings when you leave its field; Apply on the Settings page "
        "runs them."));
    intro->setWordWrap(true);
    layout->addWidget(intro);
    layout->addWidget(scroll, 1);
    connect(m_form, &SettingsForm::edited, this, [this] {
        // The copy is kept current (configEdited below), so writing it back loses nothing.
        m_committing = true;
        m_page->editConfig(m_config);
        m_committing = false;
    });
    connect(m_page, &SettingsPage::configReplaced, this, &AllSettingsPage::reload);
    connect(m_page, &SettingsPage::configEdited, this, [this] {
        if (m_committing || !isVisible())
            return;
        m_config = m_page->config();
        m_form->refresh(true); // the field being typed into keeps the user's text
    });
}

AllSettingsPage::~AllSettingsPage() {
    m_form->detach(this); // while m_config is still here
}

void AllSettingsPage::showEvent(QShowEvent *event) {
    QWidget::showEvent(event);
    reload();
}

void AllSettingsPage::reload() {
    m_config = m_page->config();
    m_form->refresh();
}

} // namespace Tokengate
