// SPDX-License-Identifier: Apache-2.0
#include "core/http/messageparser.h"

#include "core/base/reason.h"

#include <llhttp.h>

#include <cstring>
#include <limits>

namespace Tokengate {

namespace {

// Typical header sections (browsers, curl, nginx answers) are a few hundred bytes.
constexpr qsizetype HeaderBlockReserve = 1024;

} // namespace

struct LlhttpCallbacks {
    static MessageParser *self(llhttp_t *p) { return static_cast<MessageParser *>(p->data); }

    static int onHeaderField(llhttp_t *p, const char *at, size_t len) {
        return self(p)->onFieldBytes(QByteArrayView(at, qsizetype(len)));
    }
    static int onHeaderValue(llhttp_t *p, const char *at, size_t len) {
        return self(p)->onValueBytes(QByteArrayView(at, qsizetype(len)));
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
    // Most header sections fit, so the block rarely grows; it leaves with the parsed head.
    m_block = QByteArray(HeaderBlockReserve, Qt::Uninitialized);
    m_blockUsed = 0;
    m_spans.clear();
    m_nameAt = m_valueAt = -1;
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

int MessageParser::onFieldBytes(QByteArrayView bytes) {
    // ": " and CRLF count once per field, however llhttp splits the name.
    const bool first = m_nameAt < 0 || m_blockUsed == m_nameAt;
    if (int rc = addHeaderBytes(bytes.size() + (first ? 4 : 0)))
        return rc;
    if (m_nameAt < 0)
        m_nameAt = m_blockUsed;
    appendToBlock(bytes);
    return 0;
}

int MessageParser::onValueBytes(QByteArrayView bytes) {
    if (int rc = addHeaderBytes(bytes.size()))
        return rc;
    if (m_valueAt < 0)
        m_valueAt = m_blockUsed;
    appendToBlock(bytes);
    return 0;
}

void MessageParser::appendToBlock(QByteArrayView bytes) {
    // The block is sized ahead and filled by hand: QByteArray::append costs more per call
    // than the few bytes llhttp hands over.
    if (bytes.isEmpty())
        return;
    if (m_blockUsed + bytes.size() > m_block.size())
        m_block.resize(qMax(2 * m_block.size(), m_blockUsed + bytes.size()));
    std::memcpy(m_block.data() + m_blockUsed, bytes.data(), size_t(bytes.size()));
    m_blockUsed += bytes.size();
}

int MessageParser::finishField() {
    if (m_spans.size() >= m_limits.maxHeaderCount)
        return fail(431, Reason::HeaderTooLarge, "Too many header fields");
    return 0;
}

int MessageParser::finishValue() {
    const qsizetype nameAt = m_nameAt < 0 ? m_blockUsed : m_nameAt;
    const qsizetype valueAt = m_valueAt < 0 ? m_blockUsed : m_valueAt;
    qsizetype end = m_blockUsed;
    const char *block = m_block.constData();
    while (end > valueAt && (block[end - 1] == ' ' || block[end - 1] == '\t'))
        --end;
    m_spans.append({nameAt, valueAt - nameAt, valueAt, end - valueAt});
    m_nameAt = m_valueAt = -1;
    return 0;
}

HeaderMap MessageParser::takeHeaders() {
    m_block.truncate(std::exchange(m_blockUsed, 0));
    QList<HeaderField> fields(m_spans.size());
    HeaderField *out = fields.data();
    const char *base = m_block.constData();
    for (const FieldSpan &s : m_spans)
        *out++ = {QByteArrayView(base + s.nameAt, s.nameSize),
                  QByteArrayView(base + s.valueAt, s.valueSize)};
    m_spans.clear();
    return HeaderMap(std::exchange(m_block, {}), std::move(fields));
}

bool MessageParser::isChunked() const {
    return m_parser->flags & F_CHUNKED;
}

qint64 MessageParser::contentLength() const {
    return (m_parser->flags & F_CONTENT_LENGTH) ? qint64(m_parser->content_length) : -1;
}

bool MessageParser::contentLengthOverflows() const {
    // llhttp takes any 64-bit unsigned value; cast to qint64 one past 2^63 reads as "no body"
    // while llhttp still frames one, so the bytes after the head would be forwarded raw.
    return (m_parser->flags & F_CONTENT_LENGTH) &&
           m_parser->content_length > quint64(std::numeric_limits<qint64>::max() / 2);
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
