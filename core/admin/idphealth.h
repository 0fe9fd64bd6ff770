// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/base/clock.h"
#include "core/http/upstreamtarget.h"
#include "core/observe/requestevent.h"

#include <QObject>
#include <QTimer>

#include <atomic>
#include <optional>

class QTcpSocket;

namespace Tokengate {

// Whether the IdP answered recently, for /readyz. Requests tell it for free (record()); when
// none has reached the IdP within the window, a TCP connect to the introspection endpoint
// stands in, so an idle gateway still knows. A connect proves the host is up, not that it
// accepts our client: only real introspection calls prove that, and they win when present.
// What a request proves is idpEvidence()'s judgement, the one /metrics and the app use too.
class IdpHealth : public QObject {
    Q_OBJECT
public:
    static constexpr qint64 WindowMs = 30'000;

    explicit IdpHealth(QObject *parent = nullptr);
    explicit IdpHealth(const Clock &clock, QObject *parent = nullptr);
    ~IdpHealth() override;

    // nullopt: no IdP is used (auth none), always reachable. Probes at once.
    void setEndpoint(std::optional<Origin> endpoint);
    void record(const RequestEvent &event); // thread-safe

    struct Status {
        bool reachable = false;
        QString detail;
    };
    Status status() const;

private:
    void probe();
    void probeFinished(bool ok, const QString &detail);
    qint64 nowMs() const { return m_clock.nowMs(); }

    const Clock &m_clock;
    std::optional<Origin> m_endpoint;
    std::atomic<qint64> m_lastOkMs{0};
    std::atomic<qint64> m_lastFailMs{0};
    QString m_lastProbe; // main thread only
    QTimer m_timer;
    QTcpSocket *m_probe = nullptr;
    QTimer m_probeDeadline;
};

} // namespace Tokengate
