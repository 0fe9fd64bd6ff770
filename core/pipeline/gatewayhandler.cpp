// SPDX-License-Identifier: Apache-2.0
#include "core/pipeline/gatewayhandler.h"

#include "core/pipeline/gatewayexchange.h"
#include "core/proxy/proxyexchange.h"

namespace Tokengate {

GatewayHandler::GatewayHandler(PipelineSettings settings, HttpLimits limits,
                               DeadlineSweeper &sweeper)
    : m_settings(std::move(settings))
    , m_pool(m_settings.upstreamSettings, limits, sweeper, m_settings.poolCounters)
    , m_minter(m_settings.jwtSecret, m_settings.jwtLifetimeSecs) {
    if (m_settings.authenticate) {
        UpstreamSettings idp = m_settings.upstreamSettings;
        idp.refuseInternalPeers = false; // the operator chose the IdP, not a client
        idp.forwarded = ForwardedMode::Off;
        m_introspection = std::make_unique<IntrospectionClient>(m_settings.introspection,
                                                                std::move(idp), limits, sweeper);
        m_introspector = std::make_unique<TokenIntrospector>(*m_introspection, m_settings.cache,
                                                             m_settings.flights, m_settings.redis);
    }
}

GatewayHandler::~GatewayHandler() {
    m_introspector.reset(); // before the client its calls use
}

QByteArray GatewayHandler::jwtFor(const std::shared_ptr<const IntrospectionResult> &identity,
                                  qint64 nowSecs) {
    auto it = m_minted.find(identity.get());
    if (it != m_minted.end() && it->atSecs == nowSecs)
        return it->jwt;
    if (it == m_minted.end()) {
        // A bound, not an LRU: hot tokens come back within the second. It matches the cache's
        // pinned results (2048), which the entries here keep alive in the meantime.
        if (m_minted.size() >= 2048)
            m_minted.clear();
        it = m_minted.insert(identity.get(), {identity, nowSecs, {}});
    }
    it->atSecs = nowSecs;
    it->jwt = m_minter.mint(*identity, nowSecs);
    return it->jwt;
}

std::unique_ptr<Exchange> GatewayHandler::start(HttpConnection &client, const RequestHead &head) {
    // The unauthenticated fixed-upstream case has nothing to decide: skip the pipeline.
    if (!m_settings.authenticate && m_settings.upstream)
        return std::make_unique<ProxyExchange>(client, m_pool, *m_settings.upstream, head);
    return std::make_unique<GatewayExchange>(*this, client, head);
}

} // namespace Tokengate
