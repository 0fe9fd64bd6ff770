// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/admin/cacheapi.h"
#include "core/admin/revocationapi.h"

#include <QHttpServer>
#include <QObject>

namespace Tokengate {

class GatewayService;
class IdpHealth;
class RequestMetrics;

// The operators' listener (QtHttpServer, never on the data path): /healthz, /readyz,
// /metrics in Prometheus text format (behind admin.token when there is one), with asymmetric
// JWT signing the JWKS (public keys: upstreams fetch them), and the revocation and cache calls
// (behind admin.token, refused without one).
class AdminServer : public QObject {
    Q_OBJECT
public:
    AdminServer(const GatewayService &service, const RequestMetrics &metrics, const IdpHealth &idp,
                QObject *parent = nullptr);
    ~AdminServer() override;

    bool listen(const QHostAddress &address, quint16 port, QString *error);
    quint16 port() const { return m_port; }
    QString url() const;

    QByteArray metricsText() const;

private:
    QHttpServerResponse readiness() const;

    const GatewayService &m_service;
    const RequestMetrics &m_metrics;
    const IdpHealth &m_idp;
    RevocationApi m_revocations;
    CacheApi m_cache;
    QHttpServer m_server;
    QHostAddress m_address;
    quint16 m_port = 0;
};

} // namespace Tokengate
