// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/tokenintrospector.h"
#include "core/http/exchange.h"
#include "core/http/tunnel.h"
#include "core/observe/decisionstep.h"
#include "core/pipeline/routesettings.h"
#include "core/pipeline/tunnelslots.h"
#include "core/ratelimit/ratelimiter.h"

#include <memory>

namespace Tokengate {

class GatewayHandler;
class ProxyExchange;

// One request through the pipeline. Until the decision, the request body stays unread (so
// "100 Continue" is only sent for requests that will be forwarded); then a ProxyExchange
// takes over and every call is passed on to it.
class GatewayExchange : public Exchange, private ResponseHeadFilter {
public:
    GatewayExchange(GatewayHandler &handler, HttpConnection &client, const RequestHead &head);
    ~GatewayExchange() override;

    // The pipeline: route, token, introspection, decision, then forward or refuse.
    void start() override;
    void onRequestBody(QByteArrayView chunk) override;
    void onRequestComplete() override;
    void onClientWritable() override;
    void onClientGone() override;

private:
    bool route();
    // The upstream: the route's, or the Destination header's within its allowlist.
    bool pickTarget();
    QString shown(const UpstreamTarget &target) const;
    bool matchRoute();
    // The route needs a verified client certificate: false once refused without one.
    bool hasVerifiedCertificate();
    // True when the request was a CORS preflight for a route with CORS, now answered.
    bool answeredPreflight(QByteArrayView host, QByteArrayView path);
    // The route's CORS for this request; false when its origin is refused (answered).
    bool applyCors(QByteArrayView authority, const QList<QByteArray> &overrides);
    bool isSameOriginRequest(QByteArrayView origin, QByteArrayView authority) const;
    void filterResponseHead(ResponseHead &head) override;
    // What follows the limits before auth, and those after it.
    enum class AfterLimits { Authenticate, Forward };
    // Takes this request from the route's buckets [from, to), then goes on with `then`; or
    // answers 429 when one is empty. With Redis, it goes on once Redis has answered.
    void limitThen(qsizetype from, qsizetype to, const IntrospectionResult *identity,
                   AfterLimits then);
    void afterLimits(AfterLimits then);
    // False when `answer` refuses the request, which is then answered 429.
    bool admitted(RateLimiter::Answer answer, qsizetype from, AfterLimits then);
    QByteArray rateLimitKey(const RateLimitSpec &spec, const IntrospectionResult *identity) const;
    QByteArray clientAddress() const;
    // How long a WebSocket opened by this request may live (the route's
    // websocket_until_expiry): the identity's exp, revocations at the gateway, and manual
    // cache evictions since the token was looked up.
    TunnelLimit tunnelLimit(const std::shared_ptr<const IntrospectionResult> &identity) const;
    // False (and refused) for a cross-origin WebSocket whose token came from a cookie.
    bool webSocketMayUseCookie(int source);
    void authenticate();
    void onIntrospected(const IntrospectionOutcome &outcome);
    // A refused token: 401/403, or an anonymous forward on a passThrough route.
    void refuse(Reason reason, const QString &why);
    // A credential present but malformed: 401 invalid_request, or stripped before an
    // anonymous forward on a passThrough route.
    void refuseMalformed(int source);
    void forwardAnonymously(StepKind step, const QString &why);
    void mutate(const IntrospectionResult *identity);
    // The trace costs a few allocations per request: built only when someone reads it.
    bool tracing() const;
    void trace(StepKind step, QString detail);
    // `identity`: the introspection result the JWT carries; null for unauthenticated requests.
    void forward(const std::shared_ptr<const IntrospectionResult> &identity, bool stale = false);
    void forwardNow(const std::shared_ptr<const IntrospectionResult> &identity, bool stale);

    GatewayHandler &m_handler;
    HttpConnection &m_client;
    RequestHead m_head;
    const RouteSettings *m_route = nullptr;
    UpstreamTarget m_target;
    QByteArray m_fingerprint;
    QByteArray m_tokenDigest;         // SHA-256 of the token, for the revocation list
    quint64 m_evictionGeneration = 0; // the cache's, before an upgrade's token was looked up
    std::unique_ptr<IntrospectionTicket> m_ticket;
    std::unique_ptr<ProxyExchange> m_proxy;
    QByteArray m_corsOrigin; // the Origin the route's CORS grants access; empty: none
    // The route's buckets as the last check left them, for the RateLimit fields.
    RateLimiter::Answer m_rate;
    bool m_rateChecked = false;
    // What forward() goes on with once the limits after auth admit the request.
    std::shared_ptr<const IntrospectionResult> m_identity;
    bool m_stale = false;
    // Expires when the request is dropped: a Redis answer arriving later is then ignored.
    std::shared_ptr<char> m_alive;
    bool m_requestComplete = false;
};

} // namespace Tokengate
