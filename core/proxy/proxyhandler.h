// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/http/exchange.h"
#include "core/proxy/upstreampool.h"

namespace Tokengate {

// Proxies every request to one fixed upstream. One per worker thread, with its own pool.
class ProxyHandler : public RequestHandler {
public:
    ProxyHandler(UpstreamTarget target, UpstreamSettings settings, HttpLimits limits,
                 DeadlineSweeper &sweeper);

    std::unique_ptr<Exchange> start(HttpConnection &client, const RequestHead &head) override;
    const UpstreamPool &pool() const { return m_pool; }

private:
    UpstreamTarget m_target;
    UpstreamPool m_pool;
};

} // namespace Tokengate
