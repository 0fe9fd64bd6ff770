// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/http/httpmessage.h"
#include "core/http/messageparser.h"

namespace Tokengate {

// Parses requests from a client connection. The request line is read here, not by llhttp,
// because llhttp 8 refuses extension methods and the target must be kept byte-exact; llhttp
// then frames the header section and body (Content-Length, chunked, CL+TE refusal).
class RequestParser : public MessageParser {
public:
    class Sink {
    public:
        virtual ~Sink() = default;
        virtual void onRequestHead(RequestHead head) = 0;
        virtual void onRequestBody(QByteArrayView chunk) = 0;
        virtual void onRequestComplete() = 0;
    };

    RequestParser(const HttpLimits &limits, Sink &sink);

    // Consumes bytes up to the end of a header section that announces a body (HeadComplete),
    // the end of a message (MessageComplete), all of them (NeedMore), or an error.
    Result feed(QByteArrayView data);
    // True when no byte of the next request has been seen.
    bool betweenMessages() const { return !m_inMessage && m_line.isEmpty(); }
    bool inMessage() const { return m_inMessage; }
    // The method of a request whose head is being read; empty before its request line.
    const QByteArray &pendingMethod() const { return m_head.method; }

private:
    bool parseRequestLine(QByteArrayView line);
    int onHeadersComplete() override;
    int onBody(QByteArrayView chunk) override;
    int onMessageComplete() override;

    Sink &m_sink;
    QByteArray m_line;
    RequestHead m_head;
    QByteArray m_authority; // of an absolute-form target, until it replaces Host
    int m_emptyLines = 0;
    bool m_inMessage = false;
};

} // namespace Tokengate
