// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/http/exchange.h"

namespace Tokengate {

// The built-in echo upstream: answers every request with a JSON description of what it
// received (method, raw target, headers in order, body size and SHA-256), so a first run
// and the tests can see exactly what the gateway forwarded. The body is hashed as it
// streams, never stored.
class EchoHandler : public RequestHandler {
public:
    std::unique_ptr<Exchange> createExchange(HttpConnection &client,
                                             const RequestHead &head) override;
};

} // namespace Tokengate
