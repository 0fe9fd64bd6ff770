// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/config.h"
#include "core/devidp/demoenvironment.h"
#include "core/observe/eventhub.h"
#include "core/service/gatewayservice.h"

#include <QObject>

#include <memory>

namespace Tokengate {

// The desktop app's gateway: a GatewayService in this process with its EventHub, plus what
// the window shows about it (running or stopped and why, whether the IdP answers).
class GatewayController : public QObject {
    Q_OBJECT
public:
    explicit GatewayController(QObject *parent = nullptr);
    ~GatewayController() override;

    bool start(const Config &config, QStringList *errors);
    void stop();
    // Running: reloads in place when it can, restarts when the listener, demo mode or drain
    // timeout changed. Stopped: only remembers `config`. `notes` says what was done.
    bool apply(const Config &config, QStringList *errors, QStringList *notes);

    bool isRunning() const { return m_service.isRunning(); }
    // The config in effect (in demo mode: pointing at the demo IdP and echo upstream).
    const Config &runningConfig() const { return m_service.config(); }
    GatewayService &service() { return m_service; }
    // The demo IdP while running in demo mode, else null.
    DemoIdp *demoIdp() const { return m_demo && isRunning() ? &m_demo->idp() : nullptr; }
    EventHub &events() { return m_events; }
    // One line for the status bar: where it listens and forwards, or why it is stopped.
    QString statusText() const;
    bool idpReachable() const { return m_idpReachable; }

    // What start() needs beyond `config`: a demo without a JWT secret gets a random one.
    static Config prepared(Config config);

signals:
    void stateChanged(bool running);
    // The first request the IdP could not answer after it had been answering (or at start),
    // as idpEvidence() judges it; `why`: its reason id, or "stale" for a stale answer.
    void idpUnreachable(const QString &why);
    void idpRecovered();

private:
    void observe(const RequestEvent &event);
    bool startDemo(Config &config, QStringList *errors);

    EventHub m_events;
    std::unique_ptr<DemoEnvironment> m_demo; // in demo mode; outlives the service using it
    GatewayService m_service{&m_events};
    QString m_stoppedWhy = QStringLiteral("stopped");
    bool m_idpReachable = true;
};

} // namespace Tokengate
