// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/admin/adminserver.h"
#include "core/admin/idphealth.h"
#include "core/config/configloader.h"
#include "core/devidp/demoenvironment.h"
#include "core/observe/accesslog.h"
#include "core/observe/eventhub.h"
#include "core/observe/requestmetrics.h"
#include "core/service/gatewayservice.h"
#include "daemon/signalwatcher.h"

#include <memory>

namespace Tokengate {

// tokengated once its configuration is valid: the gateway, its access log, metrics and admin
// listener, and what signals do to them (TERM/INT drain and quit, HUP reloads from the same
// sources the start used).
class GatewayDaemon : public QObject {
    Q_OBJECT
public:
    explicit GatewayDaemon(ConfigSources sources, QObject *parent = nullptr);
    ~GatewayDaemon() override;

    // Returns false with the reason printed on stderr; the daemon then exits with 1.
    bool start(Config config);

private:
    void reload();
    void terminate(int signalNumber);
    void printBanner() const;
    std::optional<Origin> idpOrigin() const;

    ConfigSources m_sources;
    EventHub m_events;
    AccessLog m_accessLog;
    RequestMetrics m_metrics;
    IdpHealth m_idpHealth;
    std::unique_ptr<DemoEnvironment> m_demo; // with --demo; outlives the service using it
    GatewayService m_service;
    std::unique_ptr<AdminServer> m_admin;
    SignalWatcher m_signals;
};

} // namespace Tokengate
