// SPDX-License-Identifier: Apache-2.0
#include "core/http/messageparser.h"

#include "core/http/reason.h"

#include <llhttp.h>

#include <cstring>

namespace Tokengate {

struct LlhttpCallbacks {
    static MessageParser *self(llhttp_t *p) { return static_cast<MessageParser *>(p->data); }

    static int onHeaderField(llhttp_t *p, const char *at, size_t len) {
        MessageParser *s = self(p);
        // ": " and CRLF count once per field, however llhttp splits the name.
        if (int rc = s->addHeaderBytes(qsizetype(len) + (s->m_field.isEmpty() ? 4 : 0)))
            return rc;
        if (s->m_field.isEmpty())
            s->m_field = QByteArray(at, qsizetype(len)); // one exact allocation
        else
            s->m_field.append(at, qsizetype(len));
        return 0;
    }
    static int onHeaderValue(llhttp_t *p, const char *at, size_t len) {
        MessageParser *s = self(p);
        if (int rc = s->addHeaderBytes(qsizetype(len)))
            return rc;
        if (s->m_value.isEmpty())
            s->m_value = QByteArray(at, qsizetype(len));
        else
            s->m_value.append(at, qsizetype(len));
        return 0;
    }
    static int onFieldComplete(llhttp_t *p) { return self(p)->finishField(); }
    static int onValueComplete(llhttp_t *p) { return self(p)->finishValue(); }
    static int onStatus(llhttp_t *p, const char *at, size_t len) {
        return self(p)->onStatus(QByteArrayView(at, qsizetype(len)));
    }
    static int onHeadersComplete(llhttp_t *p) {
        self(p)->m_inHeaders = false;
        return self(p)->onHeadersComplete();
    }
    static int onBody(llhttp_t *p, const char *at, size_t len) {
        self(p)->m_bodyBytes += qint64(len);
        return self(p)->onBody(QByteArrayView(at, qsizetype(len)));
    }
    static int onMessageComplete(llhttp_t *p) { return self(p)->onMessageComplete(); }

    static const llhttp_settings_t *settings() {
        static const llhttp_settings_t s = [] {
            llhttp_settings_t t;
            llhttp_settings_init(&t);
            t.on_header_field = onHeaderField;
            t.on_header_value = onHeaderValue;
            t.on_header_field_complete = onFieldComplete;
            t.on_header_value_complete = onValueComplete;
            t.on_status = onStatus;
            t.on_headers_complete = onHeadersComplete;
            t.on_body = onBody;
            t.on_message_complete = onMessageComplete;
            return t;
        }();
        return &s;
    }
};

MessageParser::MessageParser(int llhttpType, const HttpLimits &limits, int errorStatus)
    : m_limits(limits)
    , m_parser(std::make_unique<llhttp_t>())
    , m_defaultErrorStatus(errorStatus) {
    llhttp_init(m_parser.get(), llhttp_type_t(llhttpType), LlhttpCallbacks::settings());
    m_parser->data = this;
}

MessageParser::~MessageParser() = default;

void MessageParser::beginHead(qint64 startLineBytes, qint64 standInBytes) {
    m_headers.clear();
    m_headers.reserve(16);
    m_field.clear();
    m_value.clear();
    m_headerBytes = startLineBytes;
    m_rawHeaderBytes = startLineBytes - standInBytes;
    m_atLineStart = startLineBytes > 0;
    m_headerScanDone = false;
    m_bodyBytes = 0;
    m_inHeaders = true;
}

int MessageParser::fail(int status, const char *reason, QByteArray message) {
    m_error = {status, reason, std::move(message)};
    return -1;
}

int MessageParser::addHeaderBytes(qsizetype n) {
    m_headerBytes += n;
    if (m_headerBytes > m_limits.maxHeaderBytes)
        return fail(431, Reason::HeaderTooLarge, "Request header fields too large");
    return 0;
}

int MessageParser::finishField() {
    if (m_headers.size() >= m_limits.maxHeaderCount)
        return fail(431, Reason::HeaderTooLarge, "Too many header fields");
    return 0;
}

int MessageParser::finishValue() {
    qsizetype end = m_value.size();
    while (end > 0 && (m_value[end - 1] == ' ' || m_value[end - 1] == '\t'))
        --end;
    m_value.truncate(end);
    m_headers.append(std::exchange(m_field, {}), std::exchange(m_value, {}));
    return 0;
}

HeaderMap MessageParser::takeHeaders() {
    return std::exchange(m_headers, {});
}

bool MessageParser::isChunked() const {
    return m_parser->flags & F_CHUNKED;
}

qint64 MessageParser::contentLength() const {
    return (m_parser->flags & F_CONTENT_LENGTH) ? qint64(m_parser->content_length) : -1;
}

bool MessageParser::shouldKeepAlive() const {
    return llhttp_should_keep_alive(m_parser.get());
}

bool MessageParser::connectionAllowsReuse() const {
    if (m_parser->http_major == 1 && m_parser->http_minor >= 1)
        return !(m_parser->flags & F_CONNECTION_CLOSE);
    return m_parser->flags & F_CONNECTION_KEEP_ALIVE;
}

int MessageParser::versionMinor() const {
    return m_parser->http_minor;
}

void MessageParser::clearUpgrade() {
    // The gateway never switches protocols; treating Upgrade as informational keeps llhttp
    // framing the body like any other message instead of stopping at the header section.
    m_parser->upgrade = 0;
}

bool MessageParser::hasObsFold(QByteArrayView data) {
    // Only line starts matter, so jump from newline to newline.
    qsizetype i = 0;
    while (!m_headerScanDone && i < data.size()) {
        if (m_atLineStart) {
            const char c = data[i];
            if (c == ' ' || c == '\t')
                return true;
            if (c == '\r' || c == '\n') {
                m_headerScanDone = true; // the empty line ending the header section
                return false;
            }
            m_atLineStart = false;
        }
        const void *nl = std::memchr(data.data() + i, '\n', size_t(data.size() - i));
        if (!nl)
            return false;
        i = static_cast<const char *>(nl) - data.data() + 1;
        m_atLineStart = true;
    }
    return false;
}

MessageParser::Result MessageParser::execute(QByteArrayView data) {
    // llhttp accepts obs-fold continuation lines and joins them into the value, so they are
    // caught here in the raw bytes; RFC 9112 section 5.2 lets a server reject them, and a
    // proxy must, or it forwards a header the next hop reads differently.
    if (m_inHeaders && hasObsFold(data)) {
        fail(400, Reason::BadRequest, "Obsolete line folding in a header field");
        return {Status::Error, 0};
    }
    const llhttp_errno_t rc = llhttp_execute(m_parser.get(), data.data(), size_t(data.size()));
    if (rc == HPE_OK) {
        // Callbacks do not see the whitespace llhttp skips, so bound the raw bytes too.
        if (m_inHeaders && (m_rawHeaderBytes += data.size()) > m_limits.maxHeaderBytes) {
            fail(431, Reason::HeaderTooLarge, "Request header fields too large");
            return {Status::Error, data.size()};
        }
        return {Status::NeedMore, data.size()};
    }
    const char *pos = llhttp_get_error_pos(m_parser.get());
    const qsizetype consumed = pos ? qsizetype(pos - data.data()) : data.size();
    if (rc == HPE_PAUSED) {
        llhttp_resume(m_parser.get());
        return {m_pauseStatus, consumed};
    }
    if (m_error.reason[0] == '\0')
        m_error = {m_defaultErrorStatus,
                   m_defaultErrorStatus == 400 ? Reason::BadRequest : Reason::UpstreamBadResponse,
                   QByteArray("Malformed HTTP message: ") + llhttp_errno_name(rc)};
    return {Status::Error, consumed};
}

} // namespace Tokengate
