// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/http/httpmessage.h"

#include <memory>

namespace Tokengate {

class HttpConnection;

// A handler's side of one request on a client connection (proxying, the echo upstream...).
// The connection calls these; the exchange answers through HttpConnection's response API.
class Exchange {
public:
    virtual ~Exchange() = default;
    virtual void onRequestBody(QByteArrayView chunk) = 0;
    virtual void onRequestComplete() = 0;
    // The client's send buffer drained after HttpConnection::responseBacklogged() was true.
    virtual void onClientWritable() {}
    // The client went away or timed out: release everything, answer nothing.
    virtual void onClientGone() = 0;
};

// Creates the exchange for each request; one per worker thread, so no locking.
class RequestHandler {
public:
    virtual ~RequestHandler() = default;
    virtual std::unique_ptr<Exchange> start(HttpConnection &client, const RequestHead &head) = 0;
};

} // namespace Tokengate
