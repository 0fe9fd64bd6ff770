// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/config.h"

#include <QWidget>

namespace Tokengate {

class SettingsForm;
class SettingsPage;

// Every setting of the config file that is one value or a list (limits, timeouts, upstream
// TLS, Redis, JWT algorithm and key file, logging...), in a form from the settings table;
// secrets, maps, endpoints and routes have their own places. Edits go to the settings page's
// config, whose problems show there; Apply there runs them.
class AllSettingsPage : public QWidget {
    Q_OBJECT
public:
    explicit AllSettingsPage(SettingsPage *page, QWidget *parent = nullptr);
    void reload();
    SettingsForm *form() const { return m_form; }

protected:
    void showEvent(QShowEvent *event) override;

private:
    SettingsPage *m_page;
    Config m_config;
    SettingsForm *m_form;
};

} // namespace Tokengate
