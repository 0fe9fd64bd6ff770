// SPDX-License-Identifier: Apache-2.0
#include "core/http/requestparser.h"

#include "core/base/reason.h"
#include "core/http/hopbyhop.h"
#include "core/http/requesttarget.h"

#include <llhttp.h>

namespace Tokengate {

namespace {

bool isTchar(char c) {
    static constexpr QByteArrayView extra("!#$%&'*+-.^_`|~");
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           extra.contains(c);
}

// Empty lines before a request line are tolerated (RFC 9112 section 2.2), but not forever.
constexpr int MaxLeadingEmptyLines = 8;

} // namespace

RequestParser::RequestParser(const HttpLimits &limits, Sink &sink)
    : MessageParser(HTTP_REQUEST, limits, Reason::BadRequest)
    , m_sink(sink) {}

MessageParser::Result RequestParser::feed(QByteArrayView data) {
    qsizetype used = 0;
    while (used < data.size()) {
        if (m_inMessage) {
            Result r = execute(data.sliced(used));
            used += r.consumed;
            if (r.status != Status::NeedMore)
                return {r.status, used};
            continue;
        }
        const qsizetype newline = data.indexOf('\n', used);
        const qsizetype take = (newline < 0 ? data.size() : newline + 1) - used;
        if (m_line.size() + take > m_limits.maxHeaderBytes) {
            fail(Reason::TargetTooLong, "Request line too long");
            return {Status::Error, used};
        }
        // A line that arrived whole is read in place; only a split one is gathered.
        QByteArrayView line = data.sliced(used, take);
        if (!m_line.isEmpty() || newline < 0) {
            m_line.append(line);
            line = m_line;
        }
        used += take;
        if (newline < 0)
            break;
        if (line == "\r\n") {
            m_line.clear();
            if (++m_emptyLines > MaxLeadingEmptyLines) {
                fail(Reason::BadRequest, "Expected a request line");
                return {Status::Error, used};
            }
            continue;
        }
        if (!parseRequestLine(line))
            return {Status::Error, used};
        // llhttp only needs a request line it knows to frame the rest of the message the
        // same way for every method; the real method and target are kept in m_head.
        const QByteArrayView stand_in = m_head.versionMinor == 0
                                            ? QByteArrayView("PUT / HTTP/1.0\r\n")
                                            : QByteArrayView("PUT / HTTP/1.1\r\n");
        beginHead(line.size(), stand_in.size());
        m_line.clear();
        m_emptyLines = 0;
        m_inMessage = true;
        Result r = execute(stand_in);
        if (r.status != Status::NeedMore)
            return {Status::Error, used};
    }
    return {Status::NeedMore, used};
}

bool RequestParser::parseRequestLine(QByteArrayView line) {
    if (!line.endsWith("\r\n")) {
        fail(Reason::BadRequest, "Request line must end with CRLF");
        return false;
    }
    line.chop(2);
    const qsizetype sp1 = line.indexOf(' ');
    const qsizetype sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
    if (sp1 <= 0 || sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0) {
        fail(Reason::BadRequest, "Malformed request line");
        return false;
    }
    const QByteArrayView method = line.first(sp1);
    const QByteArrayView target = line.sliced(sp1 + 1, sp2 - sp1 - 1);
    const QByteArrayView version = line.sliced(sp2 + 1);
    if (!std::all_of(method.begin(), method.end(), isTchar)) {
        fail(Reason::BadRequest, "Invalid method");
        return false;
    }
    // Kept even if the line is refused below: the refusal of a HEAD request has no body.
    m_head.method = method.toByteArray();
    if (target.isEmpty() ||
        !std::all_of(target.begin(), target.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
        fail(Reason::BadRequest, "Invalid request target");
        return false;
    }
    if (version == "HTTP/1.1" || version == "HTTP/1.0") {
        m_head.versionMinor = version.back() - '0';
    } else if (version.size() == 8 && version.startsWith("HTTP/") && version[6] == '.' &&
               QChar::isDigit(uchar(version[5])) && QChar::isDigit(uchar(version[7]))) {
        fail(Reason::VersionNotSupported, "HTTP version not supported");
        return false;
    } else {
        fail(Reason::BadRequest, "Malformed HTTP version");
        return false;
    }
    // A reverse proxy has no tunnel to offer.
    if (method == "CONNECT") {
        fail(Reason::MethodNotAllowed, "CONNECT is not supported");
        return false;
    }
    RequestTarget parsed = parseRequestTarget(method, target);
    if (!parsed.ok()) {
        fail(Reason::BadRequest, parsed.error);
        return false;
    }
    m_head.target = std::move(parsed.originForm);
    m_authority = std::move(parsed.authority);
    return true;
}

int RequestParser::onHeadersComplete() {
    clearUpgrade();
    if (contentLengthOverflows())
        return fail(Reason::BodyTooLarge, "Content-Length too large");
    m_head.headers = takeHeaders();
    m_head.chunked = isChunked();
    m_head.contentLength = contentLength();
    m_head.keepAlive = shouldKeepAlive();
    const HeaderMap &h = m_head.headers;

    if (h.contains("Transfer-Encoding")) {
        if (m_head.versionMinor == 0)
            return fail(Reason::BadRequest, "Transfer-Encoding in an HTTP/1.0 request");
        if (!m_head.chunked)
            return fail(Reason::BadRequest, "Transfer-Encoding must end with chunked");
        if (!hasOnlyChunkedCoding(h))
            return fail(Reason::TransferCodingUnsupported,
                        "Only the chunked transfer coding is supported");
    }
    if (m_head.versionMinor == 1 && !h.contains("Host") && m_authority.isEmpty())
        return fail(Reason::BadRequest, "Missing Host header");
    if (h.count("Host") > 1)
        return fail(Reason::BadRequest, "More than one Host header");
    if (!m_authority.isEmpty()) {
        // RFC 9112 3.2.2: the target's authority is the Host, whatever the field said; routing
        // by one name and forwarding the other would let a public name reach a private route.
        m_head.headers.set("Host", std::exchange(m_authority, {}));
    } else if (const QByteArrayView host = h.find("Host");
               !host.isEmpty() && !isValidAuthority(host)) {
        return fail(Reason::BadRequest, "Invalid Host header");
    }
    m_head.expectsContinue = false;
    if (h.contains("Expect")) {
        if (!HeaderMap::sameName(h.find("Expect").trimmed(), "100-continue") ||
            h.count("Expect") > 1)
            return fail(Reason::ExpectationFailed, "Only Expect: 100-continue is supported");
        m_head.expectsContinue = m_head.versionMinor == 1 && m_head.hasBody();
    }
    if (m_limits.maxBodyBytes >= 0 && m_head.contentLength > m_limits.maxBodyBytes)
        return fail(Reason::BodyTooLarge, "Request body too large");
    if (m_head.versionMinor == 1 && m_head.method == "GET")
        m_head.upgrade = requestedUpgrade(h);
    // The bytes after the head are the new protocol's once the upstream switches: a body
    // before them would be read as one by some hops and as WebSocket frames by others.
    if (!m_head.upgrade.isEmpty() && m_head.hasBody())
        return fail(Reason::BadRequest, "A WebSocket upgrade request cannot carry a body");

    const bool hasBody = m_head.hasBody();
    m_sink.onRequestHead(std::exchange(m_head, {}));
    if (!hasBody)
        return 0; // message complete follows immediately
    m_pauseStatus = Status::HeadComplete;
    return HPE_PAUSED;
}

int RequestParser::onBody(QByteArrayView chunk) {
    if (m_limits.maxBodyBytes >= 0 && bodyBytes() > m_limits.maxBodyBytes)
        return fail(Reason::BodyTooLarge, "Request body too large");
    m_sink.onRequestBody(chunk);
    return 0;
}

int RequestParser::onMessageComplete() {
    m_inMessage = false;
    m_sink.onRequestComplete();
    m_pauseStatus = Status::MessageComplete;
    return HPE_PAUSED;
}

} // namespace Tokengate
