// SPDX-License-Identifier: Apache-2.0
#include "core/http/responseparser.h"

#include "core/base/reason.h"
#include "core/http/hopbyhop.h"

#include <llhttp.h>

namespace Tokengate {

ResponseParser::ResponseParser(const HttpLimits &limits, Sink &sink)
    : MessageParser(HTTP_RESPONSE, limits, Reason::UpstreamBadResponse)
    , m_sink(sink) {}

void ResponseParser::expectResponse(bool toHeadRequest, QByteArrayView upgrade) {
    if (std::exchange(m_abandoned, false))
        llhttp_reset(m_parser.get()); // out of the error state the abandon left it in
    m_pauseStatus = Status::NeedMore;
    m_error = {};
    m_toHead = toHeadRequest;
    m_upgradeAsked = !upgrade.isEmpty();
    m_sawBytes = false;
    m_reason.clear();
    beginHead(0);
}

MessageParser::Result ResponseParser::feed(QByteArrayView data) {
    if (!data.isEmpty())
        m_sawBytes = true;
    // An interim response pauses the parser (see onMessageComplete), so that the final
    // response's header section is scanned for obs-fold from its own start.
    Result r = execute(data);
    while (r.status == Status::NeedMore && r.consumed < data.size()) {
        const Result next = execute(data.sliced(r.consumed));
        r = {next.status, r.consumed + next.consumed};
    }
    return r;
}

bool ResponseParser::finishAtEof() {
    if (!m_sawBytes || inHeaders())
        return false;
    const llhttp_errno_t rc = llhttp_finish(m_parser.get());
    return (rc == HPE_OK || rc == HPE_PAUSED) && m_pauseStatus == Status::MessageComplete;
}

int ResponseParser::onStatus(QByteArrayView reason) {
    if (m_reason.isEmpty())
        m_reason = reason.toByteArray(); // one exact allocation
    else
        m_reason.append(reason);
    return 0;
}

int ResponseParser::onHeadersComplete() {
    clearUpgrade();
    const int status = m_parser->status_code;
    // llhttp takes any digits, or none (status 0): the client must get a status line it can
    // read, and RFC 9110 section 15 has nothing below 100.
    if (status < 100)
        return fail(Reason::UpstreamBadResponse, "Upstream sent no valid status code");
    if (status == 101) {
        if (!m_upgradeAsked)
            return fail(Reason::UpstreamBadResponse,
                        "Upstream switched protocols without being asked to");
        // Whatever follows the head is the new protocol's: llhttp stops here, and what it did
        // not consume goes through the tunnel as it came.
        ResponseHead head;
        head.status = status;
        head.reason = std::exchange(m_reason, {});
        head.headers = takeHeaders();
        // A 1xx has no body (RFC 9110 15.2): framing fields on one describe nothing.
        head.headers.removeIf([](const HeaderField &f) { return isFramingField(f.name); });
        head.mayHaveBody = false;
        head.keepAlive = false;
        m_pauseStatus = Status::Switched;
        m_sink.onResponseHead(std::move(head));
        return m_abandoned ? fail(Reason::UpstreamBadResponse, "Response abandoned") : HPE_PAUSED;
    }
    m_interim = status >= 100 && status < 200;
    if (m_interim) {
        takeHeaders();
        // A 1xx has no body whatever its fields say (RFC 9110 15.2); framed as one, its bytes
        // would reach the client before any response head.
        return 1;
    }
    if (contentLengthOverflows())
        return fail(Reason::UpstreamBadResponse, "Upstream Content-Length too large");
    ResponseHead head;
    head.status = status;
    head.reason = std::exchange(m_reason, {});
    head.versionMinor = versionMinor();
    head.headers = takeHeaders();
    if (!hasOnlyChunkedCoding(head.headers))
        return fail(Reason::UpstreamBadResponse,
                    "Upstream used a transfer coding other than chunked");
    head.chunked = isChunked();
    head.contentLength = contentLength();
    head.mayHaveBody = !(m_toHead || status == 204 || status == 304);
    // Not llhttp_should_keep_alive(): asked before llhttp learns the body is skipped, it calls
    // a bodiless answer without framing fields close-delimited.
    head.keepAlive =
        connectionAllowsReuse() && (head.chunked || head.contentLength >= 0 || !head.mayHaveBody);
    const bool skipBody = !head.mayHaveBody;
    m_pauseStatus = Status::NeedMore;
    m_sink.onResponseHead(std::move(head));
    // RFC 9112 section 6.3: 204, 304 and answers to HEAD end with the header section
    // whatever Content-Length says.
    return stopIfAbandoned(skipBody ? 1 : 0);
}

int ResponseParser::onBody(QByteArrayView chunk) {
    m_sink.onResponseBody(chunk);
    return stopIfAbandoned(0);
}

int ResponseParser::stopIfAbandoned(int rc) {
    // Going on would hand llhttp's next callbacks to a sink whose exchange has ended.
    return m_abandoned ? fail(Reason::UpstreamBadResponse, "Response abandoned") : rc;
}

int ResponseParser::onMessageComplete() {
    if (m_interim) {
        m_interim = false;
        m_reason.clear();
        beginHead(0);
        m_pauseStatus = Status::NeedMore;
        return HPE_PAUSED;
    }
    m_pauseStatus = Status::MessageComplete;
    m_sink.onResponseComplete();
    return stopIfAbandoned(HPE_PAUSED);
}

} // namespace Tokengate
