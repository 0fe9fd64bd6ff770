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
    // Called once, when the connection holds the exchange and its parser has returned. The
    // exchange may answer before this returns (a refusal): the connection lets it go later.
    // The body and completion calls come only after it.
    virtual void start() = 0;
    virtual void onRequestBody(QByteArrayView chunk) = 0;
    virtual void onRequestComplete() = 0;
    // The client's send buffer drained after HttpConnection::responseBacklogged() was true.
    virtual void onClientWritable() {}
    // The client went away or timed out: release everything, answer nothing.
    virtual void onClientGone() = 0;

    // The handler that created this exchange, held until the exchange is gone: a reload swaps
    // a worker's handler while its requests are still in progress. A base member, so it is
    // released only after the derived exchange (which uses the handler) is destroyed.
    std::shared_ptr<void> handlerLease;
};

// Adjusts the head of a request's answer whoever writes it (the upstream, a refusal): for the
// fields a route sets on every answer, such as CORS's.
class ResponseHeadFilter {
public:
    virtual void filterResponseHead(ResponseHead &head) = 0;

protected:
    ~ResponseHeadFilter() = default;
};

// Creates the exchange for each request; one per worker thread, so no locking.
class RequestHandler {
public:
    virtual ~RequestHandler() = default;
    // The exchange for a request whose head was just parsed: it does nothing until its
    // start(), so creating it cannot answer, close or call back into `client`.
    virtual std::unique_ptr<Exchange> createExchange(HttpConnection &client,
                                                     const RequestHead &head) = 0;
    // True while work the handler owns outlives its exchanges (an introspection call other
    // workers wait on): a retired handler is destroyed only once this is false.
    virtual bool busy() const { return false; }
};

} // namespace Tokengate
