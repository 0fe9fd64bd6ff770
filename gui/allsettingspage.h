// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/config.h"

#include <QWidget>

namespace Tokengate {

class SettingsForm;
class SettingsPage;

// Every setting of the config file (limits, timeouts, upstream TLS, Redis, JWT algorithm, key
// and claims, logging...) in a form from the settings table; endpoints and routes have their
// own pages. Edits go to the settings page's config, whose problems show there; Apply there
// runs them.
class AllSettingsPage : public QWidget {
    Q_OBJECT
public:
    explicit AllSettingsPage(SettingsPage *page, QWidget *parent = nullptr);
    ~AllSettingsPage() override;
    void reload();
    SettingsForm *form() const { return m_form; }

protected:
    void showEvent(QShowEvent *event) override;

private:
    SettingsPage *m_page;
    Config m_config;
    bool m_committing = false;
    SettingsForm *m_form;
};

} // namespace Tokengate
