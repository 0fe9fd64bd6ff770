// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QNetworkAccessManager>
#include <QObject>
#include <QTimer>

namespace Tokengate {

class GatewayController;

// Sample requests through the running demo gateway, so a first-time user sees traffic and
// every kind of decision: mostly valid tokens, some without a token, some unknown or revoked
// ones. At most a few requests in flight; stops when the gateway leaves demo mode.
class DemoTraffic : public QObject {
    Q_OBJECT
public:
    explicit DemoTraffic(GatewayController *gateway, QObject *parent = nullptr);

    void setEnabled(bool on);
    bool isEnabled() const { return m_timer.isActive(); }
    void setInterval(int ms) { m_timer.setInterval(ms); }
    quint64 sent() const { return m_sent; }

private:
    void sendOne();

    GatewayController *m_gateway;
    QNetworkAccessManager m_network;
    QTimer m_timer;
    QList<QByteArray> m_tokens;
    QByteArray m_revoked;
    int m_inFlight = 0;
    quint64 m_sent = 0;
};

} // namespace Tokengate
