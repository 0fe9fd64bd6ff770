// SPDX-License-Identifier: Apache-2.0
#include "daemon/gatewaydaemon.h"

#include "core/auth/discovery.h"
#include "core/config/config.h"
#include "core/devidp/demoidp.h"
#include "core/observe/logging.h"
#include "daemon/logoutput.h"
#include "daemon/systemdnotify.h"

#include <QCoreApplication>
#include <QScopeGuard>

#include <cstdio>

namespace Tokengate {

namespace {
// Discovery blocks start and reload (nothing is served with an unknown endpoint), so briefly.
constexpr int DiscoveryTimeoutMs = 10'000;
} // namespace

GatewayDaemon::GatewayDaemon(ConfigSources sources, QObject *parent)
    : QObject(parent)
    , m_sources(std::move(sources))
    , m_events(0)
    , m_service(&m_events) {
    m_service.setDecisionTrace(false); // nothing in the daemon reads it
    connect(&m_signals, &SignalWatcher::reloadRequested, this, &GatewayDaemon::reload);
    connect(&m_signals, &SignalWatcher::terminateRequested, this, &GatewayDaemon::terminate);
}

GatewayDaemon::~GatewayDaemon() = default;

bool GatewayDaemon::start(Config config) {
    if (config.demo) {
        m_demo = std::make_unique<DemoEnvironment>();
        QString error;
        if (!m_demo->start(&error)) {
            std::fprintf(stderr, "tokengated: cannot start:\n%s\n", qPrintable(error));
            return false;
        }
        m_demo->apply(config);
    }
    if (const QStringList problems = resolveDiscovery(config, DiscoveryTimeoutMs);
        !problems.isEmpty()) {
        std::fprintf(stderr, "tokengated: cannot discover the introspection endpoint:\n");
        for (const QString &p : problems)
            std::fprintf(stderr, "%s\n", qPrintable(p));
        return false;
    }
    if (config.accessLog != u"off") {
        QString error;
        if (!m_accessLog.open(config.accessLog, &error)) {
            std::fprintf(stderr, "tokengated: %s\n", qPrintable(error));
            return false;
        }
        // Formatted on the worker that finished the request; LogFileWriter batches the writes.
        connect(
            &m_events, &EventHub::eventPublished, this,
            [this](const RequestEvent &e) { m_accessLog.write(e); }, Qt::DirectConnection);
        m_metrics.setAccessLog(&m_accessLog);
    }
    QStringList problems;
    if (!m_service.start(config, &problems)) {
        std::fprintf(stderr, "tokengated: cannot start:\n");
        for (const QString &p : problems)
            std::fprintf(stderr, "%s\n", qPrintable(p));
        return false;
    }
    if (config.admin.enabled) {
        // Metrics and readiness count in the worker that finished the request: no queueing.
        // Without the admin listener nobody can read them, so nothing is counted.
        connect(
            &m_events, &EventHub::eventPublished, this,
            [this](const RequestEvent &e) {
                m_metrics.record(e);
                m_idpHealth.record(e);
            },
            Qt::DirectConnection);
        m_admin = std::make_unique<AdminServer>(m_service, m_metrics, m_idpHealth);
        QString error;
        if (!m_admin->listen(config.admin.address, config.admin.port, &error)) {
            std::fprintf(stderr, "tokengated: %s (set --admin-listen, or off)\n",
                         qPrintable(error));
            m_service.stop();
            return false;
        }
        m_service.addOwnListener(config.admin.address, m_admin->port());
    }
    m_idpHealth.setEndpoint(idpOrigin());
    printBanner();
    notifySystemd("READY=1\nSTATUS=Serving");
    m_signals.setWatching(true);
    return true;
}

std::optional<Origin> GatewayDaemon::idpOrigin() const {
    const Config &c = m_service.config();
    if (c.auth != AuthMode::Introspection)
        return std::nullopt;
    const auto target = UpstreamTarget::parse(c.introspection.url, nullptr);
    return target ? std::optional(target->origin) : std::nullopt;
}

void GatewayDaemon::printBanner() const {
    const QString upstream = m_service.upstreamUrl().isEmpty()
                                 ? QStringLiteral("the Destination header's URL")
                                 : m_service.upstreamUrl();
    QString text = QStringLiteral("tokengated %1: %2 -> %3\n")
                       .arg(QStringLiteral(TOKENGATE_VERSION), m_service.listenUrl(), upstream);
    const QString tlsUrl = m_service.tlsUrl();
    if (!tlsUrl.isEmpty() && tlsUrl != m_service.listenUrl())
        text += QStringLiteral("HTTPS: %1\n").arg(tlsUrl);
    if (m_admin)
        text += QStringLiteral("Admin: %1/healthz /readyz /metrics\n").arg(m_admin->url());
    if (m_demo) {
        // The token is printed on purpose: the user asked for a demo token to paste.
        DemoIdp &idp = m_demo->idp();
        const QByteArray token =
            idp.mint(QStringLiteral("demo-user"), QStringLiteral("read write"), 3600);
        text +=
            QStringLiteral("Demo mode: built-in IdP at %1 (client %2) and echo upstream.\n"
                           "Try (the token is valid for an hour):\n"
                           "  curl -i%5 -H 'Authorization: Bearer %3' %4/hello?name=world\n"
                           "Without a token the gateway answers 401:\n"
                           "  curl -i%5 %4/hello\n"
                           "Stop with Ctrl+C.\n")
                .arg(idp.issuer(), QString::fromLatin1(idp.clientId()), QString::fromLatin1(token),
                     tlsUrl.isEmpty() ? m_service.listenUrl() : tlsUrl,
                     tlsUrl.isEmpty()
                         ? QString()
                         : QStringLiteral(" --cacert ") + m_service.config().tls.certFile);
    }
    // One write: whoever reads the banner (people, scripts, tests) gets all of it at once.
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stderr);
    std::fflush(stderr);
}

void GatewayDaemon::reload() {
    // Discovery below runs a nested event loop: a signal meanwhile waits for this reload.
    m_signals.setWatching(false);
    const auto watchAgain = qScopeGuard([this] { m_signals.setWatching(true); });
    notifySystemd("RELOADING=1\nSTATUS=Reloading");
    qCInfo(lcConfig) << "SIGHUP: reloading the configuration";
    // After logrotate moved the file: new lines go to a new file by the configured name.
    if (QString error; !m_accessLog.reopen(&error))
        qCWarning(lcConfig).noquote() << error << "(lines still go to the old file)";
    QStringList problems;
    Config next = loadConfig(m_sources, &problems);
    if (m_demo)
        m_demo->apply(next); // demo mode stays until a restart
    if (problems.isEmpty())
        problems = resolveDiscovery(next, DiscoveryTimeoutMs);
    const Config before = m_service.config();
    QStringList notes;
    if (problems.isEmpty())
        m_service.reload(next, &problems, &notes);
    if (!problems.isEmpty()) {
        qCWarning(lcConfig) << "reload refused, the running configuration stays:";
        for (const QString &p : problems)
            qCWarning(lcConfig).noquote() << QString(QStringLiteral("  ") + p);
        notifySystemd("READY=1\nSTATUS=Serving (last reload refused)");
        return;
    }
    const Config &running = m_service.config();
    if (!(next.admin == before.admin) || next.accessLog != before.accessLog ||
        next.logFormat != before.logFormat)
        notes << QStringLiteral("admin listener, access log and log format changes take effect "
                                "at the next restart");
    for (const QString &n : notes)
        qCWarning(lcConfig).noquote() << n;
    applyLogLevel(running.logLevel);
    for (const QString &warning : running.warnings())
        qCWarning(lcConfig).noquote() << "insecure setting:" << warning;
    m_idpHealth.setEndpoint(idpOrigin());
    qCInfo(lcConfig) << "reload done: new requests use the new configuration";
    notifySystemd("READY=1\nSTATUS=Serving");
}

void GatewayDaemon::terminate(int signalNumber) {
    m_signals.setWatching(false); // the drain below is bounded by drain_timeout already
    notifySystemd("STOPPING=1");
    qCInfo(lcServer).noquote() << QStringLiteral("signal %1: draining (up to %2 ms)")
                                      .arg(signalNumber)
                                      .arg(m_service.config().drainTimeoutMs);
    m_admin.reset();
    m_service.stop();
    QCoreApplication::quit();
}

} // namespace Tokengate
