// SPDX-License-Identifier: Apache-2.0
#include "core/http/messageparser.h"

#include "core/base/reason.h"

#include <llhttp.h>

#include <cstring>
#include <utility>

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
    static int onChunkHeader(llhttp_t *p) {
        if (p->content_length != 0)
            return 0;
        // The last chunk: what follows is the trailer section, counted raw (executeLlhttp).
        self(p)->m_inTrailer = true;
        self(p)->m_pausedForTrailer = true;
        return HPE_PAUSED;
    }
    static int onMessageComplete(llhttp_t *p) {
        self(p)->m_inTrailer = false;
        return self(p)->onMessageComplete();
    }

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
            t.on_chunk_header = onChunkHeader;
            t.on_message_complete = onMessageComplete;
            return t;
        }();
        return &s;
    }
};

MessageParser::MessageParser(int llhttpType, const HttpLimits &limits, Reason malformed)
    : m_limits(limits)
    , m_parser(std::make_unique<llhttp_t>())
    , m_malformed(malformed) {
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
    m_rawHeaderBytes = startLineBytes - standInBytes;
    m_atLineStart = true;
    m_startLineSeen = false;
    m_headerScanDone = false;
    m_trailerBytes = 0;
    m_trailerFields = 0;
    m_bodyBytes = 0;
    m_inHeaders = true;
    m_inTrailer = false;
}

int MessageParser::fail(Reason reason, QByteArray message) {
    m_error = {reason, std::move(message)};
    return -1;
}

int MessageParser::failMalformed(Reason reason, QByteArray message) {
    // An upstream's answer is refused one way whatever is wrong with it (502); a client's
    // request gets the reason (and so the status) that names its fault.
    if (m_malformed == Reason::UpstreamBadResponse)
        return fail(m_malformed, std::move(message));
    return fail(reason, std::move(message));
}

// The header section's bytes are bounded where scanHead counts them raw, before llhttp reads
// them, so the limit holds at the same byte however the stream is split. Trailer fields are
// not kept: nothing forwards them (executeLlhttp bounds them).
int MessageParser::onFieldBytes(QByteArrayView bytes) {
    if (!m_inHeaders)
        return 0;
    if (m_nameAt < 0)
        m_nameAt = m_blockUsed;
    appendToBlock(bytes);
    return 0;
}

int MessageParser::onValueBytes(QByteArrayView bytes) {
    if (!m_inHeaders)
        return 0;
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
    const qsizetype fields = m_inHeaders ? m_spans.size() : m_trailerFields++;
    if (fields >= m_limits.maxHeaderCount)
        return failMalformed(Reason::HeaderTooLarge, "Too many header fields");
    return 0;
}

int MessageParser::finishValue() {
    if (!m_inHeaders)
        return 0;
    // llhttp takes ": value" as a field; RFC 9110 5.1 names are at least one tchar, and a
    // nameless line forwarded is one the next hop refuses or reads as something else.
    const qsizetype nameAt = m_nameAt < 0 ? m_blockUsed : m_nameAt;
    const qsizetype valueAt = m_valueAt < 0 ? m_blockUsed : m_valueAt;
    if (valueAt == nameAt)
        return failMalformed(Reason::BadRequest, "Header field without a name");
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
    // llhttp takes any 64-bit unsigned value. Every next hop must frame the same body: past
    // 2^53 - 1 a JavaScript upstream's Number no longer holds the length exactly, and some
    // strict readers refuse anything over 18 digits. No real body comes near (8 PiB).
    return (m_parser->flags & F_CONTENT_LENGTH) && m_parser->content_length > MaxContentLength;
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

MessageParser::HeadStop MessageParser::scanHead(QByteArrayView data) {
    // Only line starts matter, so jump from newline to newline. What llhttp skips (blanks
    // around values) no callback counts: the raw bytes up to the empty line are counted here.
    qsizetype i = 0;
    HeadStop stop;
    while (!m_headerScanDone && i < data.size()) {
        if (!m_startLineSeen) {
            // llhttp skips CR and LF bytes one by one before a start line, not whole lines:
            // "\r\rHTTP/1.1 200" starts the status line at its third byte. Counted all the same.
            while (i < data.size() && (data[i] == '\r' || data[i] == '\n'))
                ++i;
            if (i == data.size())
                break;
            m_startLineSeen = true;
            m_atLineStart = false;
        }
        if (m_atLineStart) {
            const char c = data[i];
            if (c == ' ' || c == '\t') {
                stop = {i, HeadStop::Fold};
                break;
            }
            if (c == '\r' || c == '\n') {
                m_headerScanDone = true;
                break;
            }
            m_atLineStart = false;
        }
        const void *nl = std::memchr(data.data() + i, '\n', size_t(data.size() - i));
        if (!nl) {
            i = data.size();
            break;
        }
        i = static_cast<const char *>(nl) - data.data() + 1;
        m_atLineStart = true;
    }
    const qsizetype counted = stop.kind == HeadStop::Fold ? stop.at : i;
    const qint64 room = m_limits.maxHeaderBytes - m_rawHeaderBytes;
    if (counted > room)
        return {qsizetype(qMax<qint64>(room, 0)), HeadStop::TooLarge};
    m_rawHeaderBytes += counted;
    return stop;
}

MessageParser::Result MessageParser::execute(QByteArrayView data) {
    // llhttp accepts obs-fold continuation lines and joins them into the value, so they are
    // caught here in the raw bytes; RFC 9112 section 5.2 lets a server reject them, and a
    // proxy must, or it forwards a header the next hop reads differently. llhttp reads the
    // bytes before such a line (or before the byte that breaks the header limit) first: a
    // fault earlier in the stream is the one reported, however the bytes were split.
    const HeadStop stop = m_inHeaders ? scanHead(data) : HeadStop{};
    const Result r = executeLlhttp(stop.kind == HeadStop::None ? data : data.first(stop.at));
    if (stop.kind == HeadStop::None || r.status != Status::NeedMore)
        return r;
    if (stop.kind == HeadStop::Fold)
        failMalformed(Reason::BadRequest, "Obsolete line folding in a header field");
    else
        failMalformed(Reason::HeaderTooLarge, "Header section too large");
    return {Status::Error, r.consumed};
}

// Trailer fields are dropped, not kept, but they still arrive: the header limits bound them
// too, or a chunked body could end in an endless trailer section. Like the header section,
// their raw bytes are counted before llhttp reads them: counted from llhttp's callbacks, a
// field split across reads was counted before llhttp saw the bad byte ending it, and whole
// it was not, so the same stream got a 431 or a 400 depending on TCP.
MessageParser::Result MessageParser::executeLlhttp(QByteArrayView data) {
    qsizetype used = 0;
    if (!m_inTrailer) {
        const Result r = runLlhttp(data);
        if (!m_inTrailer || r.status != Status::NeedMore)
            return r;
        used = r.consumed; // paused after the last chunk's size line
    }
    const QByteArrayView rest = data.sliced(used);
    const qint64 room = qMax<qint64>(m_limits.maxHeaderBytes - m_trailerBytes, 0);
    const bool over = rest.size() > room;
    const Result r = runLlhttp(over ? rest.first(qsizetype(room)) : rest);
    m_trailerBytes += r.consumed;
    if (over && r.status == Status::NeedMore) {
        failMalformed(Reason::HeaderTooLarge, "Trailer section too large");
        return {Status::Error, used + r.consumed};
    }
    return {r.status, used + r.consumed};
}

MessageParser::Result MessageParser::runLlhttp(QByteArrayView data) {
    const llhttp_errno_t rc = llhttp_execute(m_parser.get(), data.data(), size_t(data.size()));
    if (rc == HPE_OK)
        return {Status::NeedMore, data.size()};
    const char *pos = llhttp_get_error_pos(m_parser.get());
    const qsizetype consumed = pos ? qsizetype(pos - data.data()) : data.size();
    if (rc == HPE_PAUSED) {
        llhttp_resume(m_parser.get());
        if (std::exchange(m_pausedForTrailer, false))
            return {Status::NeedMore, consumed};
        return {m_pauseStatus, consumed};
    }
    if (m_error.reason == Reason::None)
        failMalformed(m_malformed, QByteArray("Malformed HTTP message: ") + llhttp_errno_name(rc));
    return {Status::Error, consumed};
}

} // namespace Tokengate
