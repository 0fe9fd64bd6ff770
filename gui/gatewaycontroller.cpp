// SPDX-License-Identifier: Apache-2.0
#include "gui/gatewaycontroller.h"

#include "core/auth/discovery.h"
#include "core/config/config.h"
#include "core/observe/idpevidence.h"

namespace Tokengate {

namespace {
// An issuer without an endpoint URL is looked up before starting; the window waits that long.
constexpr int DiscoveryTimeoutMs = 10'000;
} // namespace

GatewayController::GatewayController(QObject *parent)
    : QObject(parent) {
    connect(&m_events, &EventHub::eventPublished, this, &GatewayController::observe,
            Qt::QueuedConnection);
}

GatewayController::~GatewayController() {
    m_service.stop();
    m_demo.reset();
}

Config GatewayController::prepared(Config config) {
    if (config.demo && config.jwt.secret.isEmpty())
        config.jwt.secret = QString::fromLatin1(JwtConfig::DefaultSecret); // replaced by the demo
    // The window replaces the access log; a desktop app writing JSON to stdout helps nobody.
    config.accessLog = QStringLiteral("off");
    return config;
}

bool GatewayController::start(const Config &wanted, QStringList *errors) {
    Config config = prepared(wanted);
    // The demo points every endpoint at its own IdP: no real IdP is asked, nothing discovered.
    *errors = config.demo ? QStringList() : resolveDiscovery(config, DiscoveryTimeoutMs);
    bool ok = errors->isEmpty();
    if (ok) {
        m_service.stop(); // before its demo: a restart gets a fresh one, as a new process would
        m_demo.reset();
        ok = (!config.demo || startDemo(config, errors)) && m_service.start(config, errors);
        if (!ok)
            m_demo.reset();
    }
    m_stoppedWhy = ok ? QString() : QStringLiteral("could not start: ") + errors->join(u"; ");
    m_idpReachable = true;
    emit stateChanged(ok);
    return ok;
}

bool GatewayController::startDemo(Config &config, QStringList *errors) {
    m_demo = std::make_unique<DemoEnvironment>();
    QString why;
    if (!m_demo->start(&why)) {
        *errors = {why};
        return false;
    }
    m_demo->apply(config);
    return true;
}

void GatewayController::stop() {
    if (!m_service.isRunning())
        return;
    m_service.stop();
    m_demo.reset();
    m_stoppedWhy = QStringLiteral("stopped");
    emit stateChanged(false);
}

bool GatewayController::apply(const Config &wanted, QStringList *errors, QStringList *notes) {
    Config config = prepared(wanted);
    if (!m_service.isRunning()) {
        *errors = config.validate();
        if (errors->isEmpty())
            *notes << QStringLiteral("saved; the gateway is stopped");
        return errors->isEmpty();
    }
    QStringList pending;
    Config next = config;
    if (m_demo)
        m_demo->apply(next); // demo mode stays until a restart
    *errors = resolveDiscovery(next, DiscoveryTimeoutMs);
    if (!errors->isEmpty() || !m_service.reload(next, errors, &pending))
        return false;
    if (pending.isEmpty()) {
        *notes << QStringLiteral("applied to the running gateway (requests in progress finish "
                                 "with the old settings)");
        return true;
    }
    // Only the listener, demo mode and drain timeout need a restart.
    *notes << QStringLiteral("restarted: ") + pending.join(u"; ");
    return start(config, errors);
}

QString GatewayController::statusText() const {
    if (!m_service.isRunning())
        return m_stoppedWhy;
    const Config &c = m_service.config();
    QString text = QStringLiteral("Running on %1 → %2")
                       .arg(m_service.listenUrl(),
                            m_service.upstreamUrl().isEmpty()
                                ? QStringLiteral("Destination header (allow: %1)")
                                      .arg(c.destinationAllow.isEmpty() ? QStringLiteral("any")
                                                                        : c.destinationAllow)
                                : m_service.upstreamUrl());
    if (c.auth == AuthMode::None)
        text += QStringLiteral(", no authentication");
    else
        text += QStringLiteral(", IdP %1%2")
                    .arg(c.introspection.url,
                         m_idpReachable ? QString() : QStringLiteral(" (unreachable)"));
    if (c.demo)
        text += QStringLiteral(" [demo]");
    return text;
}

void GatewayController::observe(const RequestEvent &event) {
    m_events.received();
    switch (idpEvidence(event)) {
    case IdpEvidence::Down:
        if (m_idpReachable) {
            m_idpReachable = false;
            emit idpUnreachable(QString::fromLatin1(event.cache == CacheOutcome::Stale
                                                        ? cacheOutcomeId(event.cache)
                                                        : reasonId(event.reason)));
        }
        break;
    case IdpEvidence::Answered:
        if (!m_idpReachable) {
            m_idpReachable = true;
            emit idpRecovered();
        }
        break;
    case IdpEvidence::None:
        break;
    }
}

} // namespace Tokengate
