// SPDX-License-Identifier: Apache-2.0
#include "core/admin/idphealth.h"

#include "core/observe/idpevidence.h"

#include <QTcpSocket>

namespace Tokengate {

namespace {
constexpr int ProbeTimeoutMs = 3'000;
constexpr int ProbeEveryMs = 10'000;
} // namespace

IdpHealth::IdpHealth(QObject *parent)
    : IdpHealth(SystemClock::instance(), parent) {}

IdpHealth::IdpHealth(const Clock &clock, QObject *parent)
    : QObject(parent)
    , m_clock(clock) {
    m_timer.setInterval(ProbeEveryMs);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        const qint64 last = std::max(m_lastOkMs.load(), m_lastFailMs.load());
        if (nowMs() - last >= ProbeEveryMs)
            probe();
    });
    m_probeDeadline.setSingleShot(true);
    m_probeDeadline.setInterval(ProbeTimeoutMs);
    connect(&m_probeDeadline, &QTimer::timeout, this, [this] {
        probeFinished(false, QStringLiteral("connect timed out after %1 ms").arg(ProbeTimeoutMs));
    });
}

IdpHealth::~IdpHealth() = default;

void IdpHealth::setEndpoint(std::optional<Origin> endpoint) {
    m_endpoint = std::move(endpoint);
    m_lastOkMs = 0;
    m_lastFailMs = 0;
    m_lastProbe.clear();
    if (!m_endpoint) {
        m_timer.stop();
        return;
    }
    m_timer.start();
    probe();
}

void IdpHealth::record(const RequestEvent &event) {
    switch (idpEvidence(event)) {
    case IdpEvidence::Down:
        m_lastFailMs = nowMs();
        break;
    case IdpEvidence::Answered:
        m_lastOkMs = nowMs();
        break;
    case IdpEvidence::None:
        break;
    }
}

void IdpHealth::probe() {
    if (!m_endpoint || m_probe)
        return;
    m_probe = new QTcpSocket(this);
    connect(m_probe, &QTcpSocket::connected, this,
            [this] { probeFinished(true, QStringLiteral("TCP connect succeeded")); });
    connect(m_probe, &QTcpSocket::errorOccurred, this,
            [this] { probeFinished(false, m_probe->errorString()); });
    m_probeDeadline.start();
    m_probe->connectToHost(m_endpoint->host, m_endpoint->port);
}

void IdpHealth::probeFinished(bool ok, const QString &detail) {
    if (!m_probe)
        return;
    m_probeDeadline.stop();
    m_probe->disconnect(this);
    m_probe->abort();
    m_probe->deleteLater();
    m_probe = nullptr;
    m_lastProbe = detail;
    (ok ? m_lastOkMs : m_lastFailMs) = nowMs();
}

IdpHealth::Status IdpHealth::status() const {
    if (!m_endpoint)
        return {true, QStringLiteral("no IdP configured")};
    const qint64 now = nowMs();
    const qint64 ok = m_lastOkMs.load();
    const qint64 fail = m_lastFailMs.load();
    if (ok == 0 && fail == 0)
        return {false, QStringLiteral("IdP not checked yet")};
    if (fail > ok)
        return {false,
                QStringLiteral("IdP unreachable %1 s ago%2")
                    .arg((now - fail) / 1000)
                    .arg(m_lastProbe.isEmpty() ? QString() : QStringLiteral(": ") + m_lastProbe)};
    if (now - ok > WindowMs)
        return {false, QStringLiteral("no answer from the IdP for %1 s").arg((now - ok) / 1000)};
    return {true, QStringLiteral("IdP answered %1 s ago").arg((now - ok) / 1000)};
}

} // namespace Tokengate
