// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/http/httpmessage.h"
#include "core/http/messageparser.h"

namespace Tokengate {

// Parses an upstream's responses. Interim 1xx responses are consumed silently (the gateway
// answers Expect: 100-continue itself); a response to HEAD is framed without a body; a 101 is
// taken only in answer to an upgrade request.
class ResponseParser : public MessageParser {
public:
    class Sink {
    public:
        virtual ~Sink() = default;
        virtual void onResponseHead(ResponseHead head) = 0;
        virtual void onResponseBody(QByteArrayView chunk) = 0;
        virtual void onResponseComplete() = 0;
    };

    ResponseParser(const HttpLimits &limits, Sink &sink);

    // Prepares for the answer to the request just sent. `upgrade`: the protocol the request
    // asked to switch to (empty: none); only then may the answer be a 101, which ends the
    // parse with Status::Switched.
    void expectResponse(bool toHeadRequest, QByteArrayView upgrade = {});
    Result feed(QByteArrayView data);
    // The upstream closed the connection: ends a body delimited by connection close.
    // Returns false if the response was cut short.
    bool finishAtEof();
    bool startedResponse() const { return m_sawBytes; }
    // From inside a Sink callback: the sink is done with this response (its user went away);
    // llhttp stops at once, feed() returns Error, and the parser is not used again until the
    // next expectResponse().
    void abandon() { m_abandoned = true; }

private:
    int onStatus(QByteArrayView reason) override;
    int onHeadersComplete() override;
    int onBody(QByteArrayView chunk) override;
    int onMessageComplete() override;
    int stopIfAbandoned(int rc);

    Sink &m_sink;
    QByteArray m_reason;
    bool m_toHead = false;
    bool m_upgradeAsked = false;
    bool m_interim = false;
    bool m_sawBytes = false;
    bool m_abandoned = false;
};

} // namespace Tokengate
