// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/jwtminter.h"
#include "core/auth/tokenintrospector.h"
#include "core/http/exchange.h"
#include "core/http/trustedproxies.h"
#include "core/observe/targetredactor.h"
#include "core/pipeline/pipelinesettings.h"

#include <QHash>

#include <memory>

namespace Tokengate {

// A worker's entry to the pipeline: route, token, introspect, decide, mutate, forward. Owns
// the worker's upstream pool and introspection client.
class GatewayHandler : public RequestHandler {
public:
    GatewayHandler(PipelineSettings settings, HttpLimits limits, DeadlineSweeper &sweeper);
    ~GatewayHandler() override;

    std::unique_ptr<Exchange> createExchange(HttpConnection &client,
                                             const RequestHead &head) override;
    bool busy() const override;

    const PipelineSettings &settings() const { return m_settings; }
    // The route requests take when there is no routing table.
    const RouteSettings &implicitRoute() const { return m_implicitRoute; }
    UpstreamPool &upstreamPool() { return m_pool; }
    // Hides access_token and every route's token parameters wherever a target is shown.
    const TargetRedactor &redactor() const { return m_redactor; }
    // What every request's head goes through before the gateway reads or adds a field: the
    // client's hop-by-hop fields, and its copies of fields the gateway sets on any route.
    void cleanClientHead(HeaderMap &headers) const;
    const LoopGuard &loopGuard() const { return m_loopGuard; }
    // The introspector of the endpoint at `index` (RouteSettings::introspection).
    TokenIntrospector *introspector(int index = 0);
    RateLimitClient &rateLimits() { return *m_rateLimits; }
    // How forwarded fields are treated for `client`'s requests: under `append`, a peer that
    // is not a trusted proxy gets `replace`, as its fields are its own words.
    ForwardedMode forwardedFor(const HttpConnection &client) const;
    const TrustedProxies &trustedProxies() const { return m_trustedProxies; }
    // The JWT for `identity` at `nowSecs`. Its claims change only with the second, so a hot
    // token's JWT is minted once per second per worker, not once per request.
    QByteArray jwtFor(const std::shared_ptr<const IntrospectionResult> &identity, qint64 nowSecs);

private:
    PipelineSettings m_settings;
    UpstreamPool m_pool;
    RouteSettings m_implicitRoute;
    TargetRedactor m_redactor;
    LoopGuard m_loopGuard;
    QList<QByteArray> m_identityNames; // identity headers of every route
    QList<QByteArray> m_gatewayNames;  // every field the gateway may set
    // One client and introspector per named endpoint: each has its own cache scope, so the
    // same token at two IdPs is two answers.
    std::vector<std::unique_ptr<IntrospectionClient>> m_introspections;
    std::vector<std::unique_ptr<TokenIntrospector>> m_introspectors;
    JwtMinter m_minter;
    std::unique_ptr<RateLimitClient> m_rateLimits;
    TrustedProxies m_trustedProxies;
    bool m_trustNoProxy = false;
    struct MintedJwt {
        std::shared_ptr<const IntrospectionResult> identity; // held: its address stays unique
        qint64 atSecs = 0;
        QByteArray jwt;
    };
    QHash<const IntrospectionResult *, MintedJwt> m_minted;
};

} // namespace Tokengate
