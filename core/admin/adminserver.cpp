// SPDX-License-Identifier: Apache-2.0
#include "core/admin/adminserver.h"

#include "core/admin/adminanswers.h"
#include "core/admin/guardedtcpserver.h"
#include "core/admin/idphealth.h"
#include "core/cache/redisstats.h"
#include "core/observe/prometheustext.h"
#include "core/observe/requestmetrics.h"
#include "core/service/gatewayservice.h"

#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QJsonObject>

namespace Tokengate {

namespace {

QHttpServerResponse textResponse(const QByteArray &body, QHttpServerResponse::StatusCode status) {
    QHttpServerResponse r("text/plain; charset=utf-8", body, status);
    r.setHeader("Cache-Control", "no-store");
    return r;
}

} // namespace

AdminServer::AdminServer(const GatewayService &service, const RequestMetrics &metrics,
                         const IdpHealth &idp, QObject *parent)
    : QObject(parent)
    , m_service(service)
    , m_metrics(metrics)
    , m_idp(idp)
    , m_revocations(service)
    , m_cache(service) {
    using Method = QHttpServerRequest::Method;
    using Status = QHttpServerResponse::StatusCode;
    m_server.route(QStringLiteral("/healthz"), Method::Get | Method::Head,
                   [] { return textResponse("ok\n", Status::Ok); });
    m_server.route(QStringLiteral("/readyz"), Method::Get | Method::Head,
                   [this] { return readiness(); });
    m_server.route(QStringLiteral("/metrics"), Method::Get | Method::Head,
                   [this](const QHttpServerRequest &request) {
                       // Open while no admin.token is set, as before there was one; once there is,
                       // the metrics (routes, subjects' traffic, the IdP's health) are the
                       // operators' only.
                       const QString &token = m_service.config().admin.token;
                       if (!token.isEmpty()) {
                           if (auto refusal = refuseWithoutAdminToken(request, token,
                                                                      QStringLiteral("metrics")))
                               return std::move(*refusal);
                       }
                       QHttpServerResponse r(PrometheusText::ContentType, metricsText());
                       r.setHeader("Cache-Control", "no-store");
                       return r;
                   });
    m_server.route(QStringLiteral("/.well-known/jwks.json"), Method::Get | Method::Head, [this] {
        const QByteArray jwks = m_service.jwks();
        if (jwks.isEmpty())
            return textResponse("no public keys: the JWT is not signed with RS256 or ES256\n",
                                Status::NotFound);
        QHttpServerResponse r("application/jwk-set+json", jwks);
        r.setHeader("Cache-Control", "max-age=300");
        return r;
    });
    m_server.route(
        QStringLiteral("/revocations"), Method::Get | Method::Post | Method::Delete,
        [this](const QHttpServerRequest &request) { return m_revocations.handle(request); });
    m_server.route(QStringLiteral("/cache"), Method::Get | Method::Delete,
                   [this](const QHttpServerRequest &request) { return m_cache.handle(request); });
    m_server.route(QStringLiteral("/cache/<arg>"), Method::Delete,
                   [this](const QString &fingerprint, const QHttpServerRequest &request) {
                       return m_cache.evictFingerprint(request, fingerprint);
                   });
    m_server.afterRequest([](QHttpServerResponse &&r) {
        r.setHeader("X-Content-Type-Options", "nosniff");
        return std::move(r);
    });
}

AdminServer::~AdminServer() = default;

bool AdminServer::listen(const QHostAddress &address, quint16 port, QString *error) {
    m_address = address;
    auto *tcp = new GuardedTcpServer(GuardedTcpServer::Limits{}, &m_server);
    if (tcp->listen(address, port)) {
        m_server.bind(tcp); // takes it over; it is already a child of m_server
        m_port = tcp->serverPort();
    } else {
        delete tcp;
        m_port = 0;
    }
    if (m_port == 0 && error)
        *error = QStringLiteral("admin listener cannot listen on %1:%2")
                     .arg(address.toString())
                     .arg(port);
    return m_port != 0;
}

QString AdminServer::url() const {
    const QString host = m_address.protocol() == QAbstractSocket::IPv6Protocol
                             ? u'[' + m_address.toString() + u']'
                             : m_address.toString();
    return QStringLiteral("http://%1:%2").arg(host).arg(m_port);
}

QHttpServerResponse AdminServer::readiness() const {
    const bool listening = m_service.isRunning();
    const IdpHealth::Status idp = m_idp.status();
    const bool ready = listening && idp.reachable;
    QJsonObject body{
        {QStringLiteral("ready"), ready},
        {QStringLiteral("listening"), listening},
        {QStringLiteral("config"), QStringLiteral("valid")}, // an invalid one never runs
        {QStringLiteral("idp_reachable"), idp.reachable},
        {QStringLiteral("idp"), idp.detail},
    };
    // Redis down never fails a request (the IdP answers instead), so it is reported, not
    // counted against readiness.
    if (const RedisStats *redis = m_service.redisStats())
        body.insert(QStringLiteral("redis"), redis->connected()
                                                 ? QStringLiteral("connected")
                                                 : QStringLiteral("unavailable: the IdP answers "
                                                                  "cache misses directly"));
    QHttpServerResponse r(body, ready ? QHttpServerResponse::StatusCode::Ok
                                      : QHttpServerResponse::StatusCode::ServiceUnavailable);
    r.setHeader("Cache-Control", "no-store");
    return r;
}

QByteArray AdminServer::metricsText() const {
    PrometheusText out;
    m_metrics.render(out);
    m_service.renderMetrics(out);
    return out.text();
}

} // namespace Tokengate
