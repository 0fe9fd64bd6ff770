// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/http/headermap.h"

namespace Tokengate {

// Request line and header section as received; the target is the raw bytes of the request
// line, never decoded or normalised, because the proxy forwards it byte-exact.
struct RequestHead {
    QByteArray method;
    QByteArray target;
    int versionMinor = 1; // HTTP/1.x
    HeaderMap headers;
    bool keepAlive = true;
    bool chunked = false;
    qint64 contentLength = -1; // -1: no Content-Length field
    bool expectsContinue = false;
    // The protocol a GET asks to switch to ("websocket", as the client spelled it); empty
    // when the request is not an upgrade the gateway carries out (see requestedUpgrade()).
    QByteArray upgrade;

    bool hasBody() const { return chunked || contentLength > 0; }
};

struct ResponseHead {
    int status = 200;
    QByteArray reason;
    int versionMinor = 1;
    HeaderMap headers;
    bool keepAlive = true;
    bool chunked = false;
    qint64 contentLength = -1;
    // False for 1xx, 204, 304 and answers to HEAD: no body whatever the framing fields say.
    bool mayHaveBody = true;
    // Written by the gateway (a refusal), not relayed from an upstream.
    bool fromGateway = false;
};

} // namespace Tokengate
