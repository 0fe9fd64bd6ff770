// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "gui/testbench.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace Tokengate {

class GatewayController;
class IdpProbe;

// The token test bench: paste a token (or mint one from the demo IdP), see what the IdP
// says, what the gateway decides, the JWT the upstream would get, and a curl line.
class TestBenchPage : public QWidget {
    Q_OBJECT
public:
    TestBenchPage(GatewayController *gateway, IdpProbe *probe, QWidget *parent = nullptr);

    void setToken(const QByteArray &token);
    // Mints a token for `subject` from the running demo IdP; false when there is none.
    bool mintDemoToken();
    void check();
    const TestBenchReport &report() const { return m_report; }
    void updateEnabled();

signals:
    void checked();

private:
    void showReport(TestBenchReport report, const Config &config, const QByteArray &token);

    GatewayController *m_gateway;
    IdpProbe *m_probe;
    TestBenchReport m_report;
    quint64 m_generation = 0; // of the newest check()
    QLineEdit *m_token;
    QComboBox *m_method;
    QLineEdit *m_target;
    QLineEdit *m_host;
    QLineEdit *m_subject;
    QLineEdit *m_scope;
    QPushButton *m_mint;
    QPushButton *m_check;
    QLabel *m_decision;
    QPlainTextEdit *m_decoded;
    QPlainTextEdit *m_introspection;
    QPlainTextEdit *m_jwt;
    QLineEdit *m_curl;
};

} // namespace Tokengate
