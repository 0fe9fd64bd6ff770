// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/base/reason.h"
#include "core/http/headermap.h"
#include "core/http/httplimits.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QVarLengthArray>

#include <memory>

struct llhttp__internal_s;
struct llhttp_settings_s;

namespace Tokengate {

// What RequestParser and ResponseParser share: one llhttp instance (strict mode), header
// collection under the count/size limits, obs-fold refusal, and pausing at message ends so
// the connection decides when the next message may start.
class MessageParser {
public:
    enum class Status {
        NeedMore,        // every byte consumed, message not finished
        HeadComplete,    // paused after the header section; body bytes not consumed yet
        MessageComplete, // paused after a whole message; later bytes not consumed
        Switched,        // paused after a 101 head the sink accepted; later bytes are the
                         // new protocol's, not consumed
        Error,
    };
    struct Result {
        Status status;
        qsizetype consumed;
    };
    struct Error {
        Reason reason = Reason::None; // its row in ReasonTable gives the answer's status
        QByteArray message;
    };

    static constexpr quint64 MaxContentLength = (quint64(1) << 53) - 1;

    virtual ~MessageParser();
    MessageParser(const MessageParser &) = delete;
    MessageParser &operator=(const MessageParser &) = delete;

    const Error &error() const { return m_error; }
    bool inHeaders() const { return m_inHeaders; }
    qint64 bodyBytes() const { return m_bodyBytes; }

protected:
    // `malformed`: the reason of a message llhttp refuses: bad_request for a request;
    // upstream_bad_response for a response, which failMalformed() then reports whatever limit
    // or rule the upstream broke (the client gets a 502).
    MessageParser(int llhttpType, const HttpLimits &limits, Reason malformed);

    Result execute(QByteArrayView data);
    // Starts counting a new message's header section (the start line has `startLineBytes`).
    // `standInBytes`: a start line fed to llhttp in place of the real one, not counted.
    void beginHead(qint64 startLineBytes, qint64 standInBytes = 0);
    // Marks a failure from a callback; returns the value the callback must give llhttp.
    int fail(Reason reason, QByteArray message);
    HeaderMap takeHeaders();
    bool isChunked() const;
    qint64 contentLength() const;        // -1 when absent
    bool contentLengthOverflows() const; // over MaxContentLength
    bool shouldKeepAlive() const;
    // What the version and Connection field say, framing aside.
    bool connectionAllowsReuse() const;
    int versionMinor() const;
    void clearUpgrade();

    virtual int onHeadersComplete() = 0; // llhttp's on_headers_complete return value
    virtual int onBody(QByteArrayView chunk) = 0;
    virtual int onMessageComplete() = 0;
    virtual int onStatus(QByteArrayView) { return 0; }

    const HttpLimits &m_limits;
    std::unique_ptr<llhttp__internal_s> m_parser;
    Error m_error;
    Status m_pauseStatus = Status::NeedMore;

private:
    friend struct LlhttpCallbacks;
    // Where a field's name and value sit in m_block; views are taken once the block is final.
    struct FieldSpan {
        qsizetype nameAt, nameSize, valueAt, valueSize;
    };

    // Where llhttp must stop in a piece of the header section: before a folded line, or
    // before the byte that takes the raw header section past maxHeaderBytes.
    struct HeadStop {
        qsizetype at = -1;
        enum Kind { None, Fold, TooLarge } kind = None;
    };

    Result executeLlhttp(QByteArrayView data);
    Result runLlhttp(QByteArrayView data);
    HeadStop scanHead(QByteArrayView data);
    // fail() with the request's reason, or upstream_bad_response for a response.
    int failMalformed(Reason reason, QByteArray message);
    int onFieldBytes(QByteArrayView bytes);
    int onValueBytes(QByteArrayView bytes);
    void appendToBlock(QByteArrayView bytes);
    int finishField();
    int finishValue();

    // Names and values of the header section back to back: one allocation per message.
    QByteArray m_block;
    qsizetype m_blockUsed = 0;
    QVarLengthArray<FieldSpan, 32> m_spans;
    qsizetype m_nameAt = -1;  // -1: between fields
    qsizetype m_valueAt = -1; // -1: no value byte yet
    qint64 m_rawHeaderBytes = 0;
    qint64 m_trailerBytes = 0;
    qsizetype m_trailerFields = 0;
    qint64 m_bodyBytes = 0;
    Reason m_malformed;
    bool m_inHeaders = false;
    bool m_inTrailer = false;        // after the last chunk, until the message completes
    bool m_pausedForTrailer = false; // llhttp paused at the last chunk, not at a message end
    bool m_atLineStart = false;
    bool m_startLineSeen = false;
    bool m_headerScanDone = false;
};

} // namespace Tokengate
