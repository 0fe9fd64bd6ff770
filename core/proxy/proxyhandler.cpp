// SPDX-License-Identifier: Apache-2.0
#include "core/proxy/proxyhandler.h"

#include "core/proxy/proxyexchange.h"

namespace Tokengate {

ProxyHandler::ProxyHandler(UpstreamTarget target, UpstreamSettings settings, HttpLimits limits,
                           DeadlineSweeper &sweeper)
    : m_target(std::move(target))
    , m_pool(std::move(settings), limits, sweeper) {}

std::unique_ptr<Exchange> ProxyHandler::start(HttpConnection &client, const RequestHead &head) {
    return std::make_unique<ProxyExchange>(client, m_pool, m_target, head);
}

} // namespace Tokengate
