// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/config.h"

#include <QGroupBox>

#include <functional>

class QComboBox;
class QLabel;
class QLineEdit;

namespace Tokengate {

// Which route of `config` takes a request, by the gateway's own router (path normalisation
// included), and what that route asks of it: the lines to show. `host` empty: the URL's.
QStringList describeRouting(const Config &config, const QString &method, const QString &url,
                            const QString &host = {});

// "Which route takes a request?": method, URL and Host in, describeRouting() out, for the
// config being edited (`edited` gives it at each press).
class RouteProbeBox : public QGroupBox {
    Q_OBJECT
public:
    explicit RouteProbeBox(std::function<Config()> edited, QWidget *parent = nullptr);
    void run();
    QString result() const;

private:
    std::function<Config()> m_edited;
    QComboBox *m_method;
    QLineEdit *m_url;
    QLineEdit *m_host;
    QLabel *m_result;
};

} // namespace Tokengate
