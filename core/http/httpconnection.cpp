// SPDX-License-Identifier: Apache-2.0
#include "core/http/httpconnection.h"

#include "core/http/flowcontrol.h"
#include "core/http/headwriter.h"
#include "core/http/hopbyhop.h"
#include "core/http/refusal.h"
#include "core/http/socketbacklog.h"
#include "core/http/statusphrase.h"
#include "core/http/tlsserversocket.h"
#include "core/http/tunnel.h"
#include "core/observe/eventhub.h"

#include <QTcpSocket>

#include <atomic>

#include <sys/socket.h>

namespace Tokengate {

using namespace FlowControl;

namespace {
// Bounds of a lingering close, nginx's defaults (lingering_timeout, lingering_time): the
// longest pause in the client's input, and the whole time given to it.
constexpr qint64 LingerIdleMs = 5'000;
constexpr qint64 LingerTotalMs = 30'000;

// The status line and the fields, framing aside: framing comes from what was parsed, never
// from fields, so an upstream's Connection field naming Content-Length cannot leave the client
// counting a different body.
HeadWriter startHead(const ResponseHead &head) {
    const QByteArray reason = head.reason.isEmpty() ? statusPhrase(head.status) : head.reason;
    HeadWriter out(head.headers.serializedSize() + reason.size() + 96);
    out.put("HTTP/1.1 ");
    if (head.status >= 100 && head.status <= 999) {
        const char digits[3] = {char('0' + head.status / 100), char('0' + head.status / 10 % 10),
                                char('0' + head.status % 10)};
        out.put(QByteArrayView(digits, 3));
    } else {
        out.put(QByteArray::number(head.status));
    }
    out.put(" ");
    out.put(reason);
    out.put("\r\n");
    for (const HeaderField &f : head.headers.fields()) {
        if (!isFramingField(f.name))
            out.field(f.name, f.value);
    }
    return out;
}

const char *tunnelEndId(Tunnel::End end) {
    switch (end) {
    case Tunnel::End::Open:
        break;
    case Tunnel::End::Client:
        return "client";
    case Tunnel::End::Upstream:
        return "upstream";
    case Tunnel::End::Idle:
        return "idle_timeout";
    case Tunnel::End::Gateway:
        return "gateway";
    case Tunnel::End::Expired:
        return "token_expired";
    case Tunnel::End::Revoked:
        return "token_revoked";
    case Tunnel::End::Evicted:
        return "token_evicted";
    }
    return "";
}
} // namespace

HttpConnection::HttpConnection(QTcpSocket *socket, WorkerContext &context, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_context(context)
    , m_parser(context.limits, *this)
    , m_peer(socket->peerAddress()) {
    bool mapped = false;
    const quint32 v4 = m_peer.toIPv4Address(&mapped);
    m_peerText = mapped ? QHostAddress(v4).toString() : m_peer.toString();
    m_peerBytes = m_peerText.toLatin1();
    m_socket->setParent(this);
    // Bounded so a client that pipelines or uploads faster than we forward is pushed back
    // by TCP instead of filling our memory.
    m_socket->setReadBufferSize(ReadChunk);
    m_idleSince = m_lastRead = m_lastWrite = m_context.sweeper->nowMs();
    if (auto *tls = qobject_cast<TlsServerSocket *>(m_socket)) {
        m_tls = true;
        m_handshaking = !tls->isEncrypted();
        connect(tls, &TlsServerSocket::encrypted, this, [this, tls] {
            m_handshaking = false;
            if (!m_certificateVerifier)
                return;
            const QList<QSslCertificate> chain = tls->peerCertificateChain();
            m_clientCertificate = m_certificateVerifier->inspect(chain);
            // A session keeps the client's chain: only a verified client's may take a place
            // in the cache, or anyone could evict them with self-made certificates.
            if (m_clientCertificate && !m_clientCertificate->verified)
                tls->forgetSession();
        });
    }
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::processInput);
    onSendProgress(m_socket, this, &HttpConnection::onBytesWritten);
    connect(m_socket, &QTcpSocket::disconnected, this, &HttpConnection::onDisconnected);
    m_context.sweeper->add(this);
    m_context.openConnections->fetch_add(1, std::memory_order_relaxed);
    scheduleProcessInput();
}

HttpConnection::~HttpConnection() {
    m_context.sweeper->remove(this);
    m_context.openConnections->fetch_sub(1, std::memory_order_relaxed);
}

qint64 HttpConnection::unsent() const {
    // A TlsServerSocket counts what OpenSSL has not taken: nothing hides behind its count.
    return m_socket->bytesToWrite();
}

void HttpConnection::scheduleProcessInput() {
    if (m_processScheduled)
        return;
    m_processScheduled = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_processScheduled = false;
            processInput();
        },
        Qt::QueuedConnection);
}

void HttpConnection::processInput() {
    if (m_phase == Phase::Lingering) {
        discardInput();
        return;
    }
    // The exchange that finished the previous response has returned by now.
    if (m_phase == Phase::Finished && m_keepAlive)
        endRequest();
    while (wantsInput()) {
        if (m_inPos >= m_in.size()) {
            m_in.clear();
            m_inPos = 0;
            if (m_socket->bytesAvailable() <= 0)
                break;
            m_in = m_socket->read(qMin(m_socket->bytesAvailable(), ReadChunk));
            m_lastRead = m_context.sweeper->nowMs();
            if (m_phase == Phase::Idle && m_parser.betweenMessages())
                m_requestStartMs = m_lastRead;
        }
        const auto result = m_parser.feed(QByteArrayView(m_in).sliced(m_inPos));
        m_inPos += result.consumed;
        if (result.status == MessageParser::Status::Error) {
            const auto &error = m_parser.error();
            failRequest(error.reason, error.message);
            break;
        }
        // The parser pauses after a head (and after a whole message), so it has returned.
        if (m_phase == Phase::HeadRead)
            startExchange();
    }
}

bool HttpConnection::wantsInput() const {
    if (m_stopReading)
        return false;
    if (m_phase == Phase::Idle)
        return !m_closeWhenDone;
    return requestInProgress() && m_requestBody == RequestBody::Flowing;
}

void HttpConnection::startExchange() {
    if (m_certificateVerifier && m_certificateVerifier->mode() == ClientAuth::Required &&
        !(m_clientCertificate && m_clientCertificate->verifiedNow())) {
        // Said in HTTP rather than as a TLS alert, so the client learns why; nothing it sends
        // on this connection could ever pass, so it closes after the answer.
        failRequest(Reason::ClientCertificateRequired,
                    m_clientCertificate
                        ? "The client certificate is not valid here: " +
                              (m_clientCertificate->verified ? QByteArray("certificate has expired")
                                                             : m_clientCertificate->problem)
                        : QByteArray("This listener requires a client "
                                     "certificate"));
        return;
    }
    m_phase = Phase::Exchanging;
    m_exchange = m_context.handler->createExchange(*this, m_head);
    if (!m_exchange)
        return;
    m_exchange->handlerLease = m_context.handler;
    m_exchange->start();
    // A request without a body was complete with its head; the exchange hears it once started.
    if (m_requestBody == RequestBody::Complete && requestInProgress() && m_exchange)
        m_exchange->onRequestComplete();
}

void HttpConnection::onRequestHead(RequestHead head) {
    m_head = std::move(head);
    m_phase = Phase::HeadRead;
    m_requestBody = RequestBody::Paused;
    m_waitingWritable = false;
    m_bodyFlowMs = 0;
    // The previous answer may still be on its way out: its bytes keep counting.
    if (unsent() == 0)
        m_sendWaitMs = m_bytesQueued = 0;
    m_requestClock.start();
    m_event = RequestEvent{};
    m_event.start = QDateTime::currentDateTimeUtc();
    m_event.peer = m_peerText;
    m_event.method = m_head.method;
    m_event.target = m_head.target;
    m_event.worker = m_context.workerId;
}

void HttpConnection::onRequestBody(QByteArrayView chunk) {
    m_event.requestBodyBytes += chunk.size();
    if (m_exchange && requestInProgress())
        m_exchange->onRequestBody(chunk);
}

void HttpConnection::onRequestComplete() {
    m_requestBody = RequestBody::Complete;
    if (m_exchange && requestInProgress())
        m_exchange->onRequestComplete();
}

void HttpConnection::setBodyFlowing(bool flowing) {
    if (m_requestBody == RequestBody::Complete)
        return;
    const bool wasFlowing = m_requestBody == RequestBody::Flowing;
    if (flowing && !wasFlowing) {
        if (m_head.expectsContinue && m_phase == Phase::Exchanging) {
            send("HTTP/1.1 100 Continue\r\n\r\n");
            m_head.expectsContinue = false; // owed once
        }
        m_lastRead = m_bodyFlowSince = m_context.sweeper->nowMs();
        scheduleProcessInput();
    } else if (!flowing && wasFlowing) {
        m_bodyFlowMs += m_context.sweeper->nowMs() - m_bodyFlowSince;
    }
    m_requestBody = flowing ? RequestBody::Flowing : RequestBody::Paused;
}

bool HttpConnection::responseStarted() const {
    return m_phase != Phase::Idle && m_phase != Phase::HeadRead && m_phase != Phase::Exchanging;
}

void HttpConnection::sendResponseHead(ResponseHead head) {
    // After a teardown the exchange may still answer (it is not told when the connection
    // aborted for it): nothing goes out.
    Q_ASSERT(m_phase == Phase::Exchanging || m_phase == Phase::Closed);
    if (m_phase != Phase::Exchanging)
        return;
    m_phase = Phase::Responding;
    if (m_headFilter)
        m_headFilter->filterResponseHead(head);
    m_event.status = head.status;
    bool closeDelimited = false;
    bool chunked = false;
    if (head.mayHaveBody && head.contentLength < 0) {
        // HEAD answers keep the framing a GET would have had, minus the body.
        if (m_head.versionMinor >= 1)
            chunked = true;
        else
            closeDelimited = true;
    }
    const bool bodyAllowed = head.mayHaveBody && m_head.method != "HEAD";
    m_responseBody = !bodyAllowed ? ResponseBody::Omitted
                     : chunked    ? ResponseBody::Chunked
                                  : ResponseBody::AsIs;
    // A request whose body was not read to the end leaves the connection unusable.
    const bool requestDone = m_requestBody == RequestBody::Complete || !m_head.hasBody();
    m_keepAlive =
        m_head.keepAlive && requestDone && !closeDelimited && !m_stopReading && !m_closeWhenDone;

    HeadWriter out = startHead(head);
    const bool lengthAllowed = head.status >= 200 && head.status != 204;
    if (chunked)
        out.put("Transfer-Encoding: chunked\r\n");
    else if (lengthAllowed && head.contentLength >= 0)
        out.field("Content-Length", QByteArray::number(head.contentLength));
    if (!m_keepAlive)
        out.put("Connection: close\r\n");
    else if (m_head.versionMinor == 0)
        out.put("Connection: keep-alive\r\n");
    out.put("\r\n");
    send(out.take());
}

void HttpConnection::startTunnel(ResponseHead head, QTcpSocket *upstream, QByteArray early,
                                 std::shared_ptr<void> lease, TunnelLimit limit) {
    Q_ASSERT(m_phase == Phase::Exchanging || m_phase == Phase::Closed);
    if (m_phase != Phase::Exchanging) {
        upstream->abort();
        upstream->deleteLater();
        return;
    }
    m_phase = Phase::Tunnel;
    m_tunnelLease = std::move(lease);
    if (m_headFilter)
        m_headFilter->filterResponseHead(head);
    m_event.status = head.status;
    HeadWriter out = startHead(head);
    out.put("\r\n");
    send(out.take());
    // What the client sent after its request head (the parser stopped there) is the new
    // protocol's, and goes first.
    QByteArray fromClient = m_in.sliced(m_inPos);
    m_in.clear();
    m_inPos = 0;
    m_stopReading = true;
    disconnect(m_socket, nullptr, this, nullptr);
    m_tunnel = new Tunnel(m_socket, upstream, std::move(fromClient), std::move(early),
                          *m_context.sweeper, std::move(limit), this);
    connect(m_tunnel, &Tunnel::finished, this, &HttpConnection::onTunnelFinished);
    static std::atomic<quint64> tunnels{0};
    m_event.tunnelId = tunnels.fetch_add(1, std::memory_order_relaxed) + 1;
    if (m_context.events) {
        RequestEvent opened = m_event;
        opened.tunnelEnd = "open";
        opened.durationUs = m_requestClock.nsecsElapsed() / 1000;
        m_context.events->publishTunnelOpened(opened);
    }
    if (m_closeWhenDone) // the drain began while the upstream was answering
        m_tunnel->close(Tunnel::End::Gateway);
    // The exchange is on the stack now; it has nothing left to do once it has returned.
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_headFilter = nullptr;
            m_exchange.reset();
            m_head = RequestHead{};
        },
        Qt::QueuedConnection);
}

void HttpConnection::onTunnelFinished() {
    teardown(Reason::None, false); // publishes the tunnel's event
}

void HttpConnection::sendResponseBody(QByteArrayView chunk) {
    if (m_phase != Phase::Responding || m_responseBody == ResponseBody::Omitted || chunk.isEmpty())
        return;
    m_event.responseBodyBytes += chunk.size();
    if (m_responseBody == ResponseBody::Chunked) {
        QByteArray frame = QByteArray::number(chunk.size(), 16);
        frame.append("\r\n");
        frame.append(chunk);
        frame.append("\r\n");
        send(frame);
    } else {
        send(chunk);
    }
}

void HttpConnection::finishResponse() {
    if (m_phase != Phase::Responding)
        return;
    if (m_responseBody == ResponseBody::Chunked)
        send("0\r\n\r\n");
    m_phase = Phase::Finished;
    publishEvent();
    // Writing now rather than on the next loop iteration sends head and body in one syscall
    // and spares the write-notifier round trip; a failed write tears down right here. (A
    // TlsServerSocket's flush() does nothing: it writes as the loop ends its turn.)
    m_socket->flush();
    if (m_phase != Phase::Finished)
        return;
    if (!m_keepAlive)
        closeAfterFlush();
    else
        scheduleProcessInput(); // the next request, once the exchange is off the stack
}

void HttpConnection::refuse(Reason reason, QByteArrayView detail, QByteArrayView challengeParams) {
    Q_ASSERT(httpStatus(reason) != 0); // None and client_disconnected are never answers
    // Callers check first; should one not, a refusal appended to a response under way would
    // break its framing on a kept-alive connection, so the connection ends instead.
    if (responseStarted()) {
        abortResponse(reason);
        return;
    }
    const Refusal refusal = refusalFor(reason, detail, challengeParams);
    m_event.reason = reason;
    ResponseHead head;
    head.fromGateway = true;
    head.status = refusal.status;
    head.contentLength = refusal.body.size();
    if (!refusal.challenge.isEmpty())
        head.headers.append("WWW-Authenticate", refusal.challenge);
    head.headers.append("Content-Type", "text/plain; charset=utf-8");
    sendResponseHead(std::move(head));
    sendResponseBody(refusal.body);
    finishResponse();
}

void HttpConnection::send(QByteArrayView bytes) {
    // The write-stall timeout counts from the moment there is something to send.
    if (unsent() == 0)
        m_lastWrite = m_backlogSince = m_context.sweeper->nowMs();
    m_bytesQueued += bytes.size();
    m_socket->write(bytes.data(), bytes.size());
}

bool HttpConnection::responseBacklogged() {
    if (unsent() <= SendHighWater)
        return false;
    m_waitingWritable = true;
    return true;
}

void HttpConnection::onBytesWritten() {
    m_lastWrite = m_context.sweeper->nowMs();
    if (m_phase == Phase::Lingering) {
        lingerOnceFlushed();
        return;
    }
    if (m_waitingWritable && unsent() <= SendLowWater) {
        m_waitingWritable = false;
        if (m_exchange && requestInProgress())
            m_exchange->onClientWritable();
    }
}

void HttpConnection::endRequest() {
    m_headFilter = nullptr;
    m_exchange.reset();
    m_phase = Phase::Idle;
    m_head = RequestHead{};
    // A pipelined request already read waited on us, not on the client: its header timeout
    // starts now.
    m_idleSince = m_requestStartMs = m_context.sweeper->nowMs();
    if (m_stopReading || m_closeWhenDone)
        closeAfterFlush();
}

void HttpConnection::failRequest(Reason reason, QByteArrayView message) {
    if (m_phase == Phase::Idle) {
        // The request never reached an exchange; still log it.
        m_phase = Phase::Exchanging;
        m_requestClock.start();
        m_event = RequestEvent{};
        m_event.start = QDateTime::currentDateTimeUtc();
        m_event.peer = m_peerText;
        m_event.worker = m_context.workerId;
        m_requestBody = RequestBody::Paused; // the rest of what the client sends is unread
        // A HEAD request refused mid-head still gets an answer without a body.
        m_head.method = m_parser.pendingMethod();
    } else if (m_phase == Phase::HeadRead) {
        m_phase = Phase::Exchanging; // its exchange never started
    }
    // Called from processInput() or a deadline check, never from the exchange: it can go.
    if (m_exchange && requestInProgress()) {
        m_exchange->onClientGone();
        m_headFilter = nullptr;
        m_exchange.reset();
    }
    if (m_phase != Phase::Exchanging) {
        abortResponse(reason);
        return;
    }
    m_stopReading = true; // nothing after a broken request can be trusted
    refuse(reason, message);
}

void HttpConnection::abortResponse(Reason reason) {
    teardown(reason, false);
}

void HttpConnection::closeWhenIdle() {
    m_closeWhenDone = true;
    // A tunnel has no end of its own to wait for: a drain would last until its deadline.
    if (m_phase == Phase::Tunnel) {
        m_tunnel->close(Tunnel::End::Gateway);
        return;
    }
    if (m_phase == Phase::Idle)
        closeAfterFlush();
}

void HttpConnection::closeAfterFlush() {
    m_stopReading = true;
    if (m_phase == Phase::Closed || m_phase == Phase::Lingering)
        return;
    m_lastWrite = m_context.sweeper->nowMs();
    // Closing a socket with unread input makes the kernel reset the connection, and a client
    // still sending (a body we answered early, pipelined requests) then loses the answer it
    // has not read yet (RFC 9112 9.6). So it gets our FIN instead, and its input is read and
    // dropped until it closes too, within bounds: a lingering close, as nginx does.
    if (clientMaySend()) {
        m_phase = Phase::Lingering;
        scheduleProcessInput(); // discards, never from inside the parser's callbacks
        lingerOnceFlushed();
        return;
    }
    if (m_phase == Phase::Idle)
        m_phase = Phase::Closing;
    m_socket->disconnectFromHost(); // writes what is buffered, then emits disconnected()
}

bool HttpConnection::clientMaySend() const {
    if (m_inPos < m_in.size() || m_socket->bytesAvailable() > 0)
        return true;
    if (m_phase == Phase::Idle)
        return !m_parser.betweenMessages(); // part of a head came
    return m_requestBody != RequestBody::Complete;
}

void HttpConnection::lingerOnceFlushed() {
    if (m_halfClosed || unsent() > 0)
        return; // onBytesWritten() comes back
    m_halfClosed = true;
    m_lingerSince = m_lastRead = m_context.sweeper->nowMs();
    if (auto *tls = qobject_cast<TlsServerSocket *>(m_socket))
        tls->shutdownOutput();
    else
        ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
}

void HttpConnection::discardInput() {
    m_in.clear();
    m_inPos = 0;
    if (m_socket->bytesAvailable() > 0) {
        m_socket->skip(m_socket->bytesAvailable());
        m_lastRead = m_context.sweeper->nowMs();
    }
}

void HttpConnection::onDisconnected() {
    teardown(Reason::ClientDisconnected, true);
}

// Once a request: when its response finishes, or when the connection closes before that.
void HttpConnection::publishEvent() {
    m_event.durationUs = m_requestClock.nsecsElapsed() / 1000;
    if (m_context.events)
        m_context.events->publish(m_event);
}

void HttpConnection::teardown(Reason reason, bool notifyExchange) {
    if (m_phase == Phase::Closed)
        return;
    const bool cutShort = m_phase == Phase::HeadRead || requestInProgress();
    // A response under way ends with a reset, never our FIN: a body delimited by the close
    // (HTTP/1.0 without a length) would otherwise look whole to the client.
    if (m_phase == Phase::Responding) {
        const linger reset{1, 0};
        ::setsockopt(int(descriptorOf(m_socket)), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    }
    if (m_phase == Phase::Tunnel) {
        // However it ended (closed, cut at its deadline, or with the worker): one line.
        m_event.requestBodyBytes += m_tunnel->bytesToUpstream();
        m_event.responseBodyBytes += m_tunnel->bytesToClient();
        m_event.tunnelEnd = tunnelEndId(m_tunnel->end() == Tunnel::End::Open ? Tunnel::End::Gateway
                                                                             : m_tunnel->end());
        m_tunnelLease.reset();
        publishEvent();
    }
    m_phase = Phase::Closed;
    if (cutShort) {
        if (m_event.reason == Reason::None)
            m_event.reason = reason;
        if (notifyExchange && m_exchange)
            m_exchange->onClientGone();
        publishEvent();
    }
    m_context.sweeper->remove(this);
    disconnect(m_socket, nullptr, this, nullptr);
    if (m_tunnel)
        disconnect(m_socket, nullptr, m_tunnel, nullptr);
    m_socket->abort();
    emit closed();
    deleteLater();
}

bool HttpConnection::tooSlow(qint64 waitedMs, qint64 bytes, int minRate) const {
    // mod_reqtimeout's rule: a grace period, then each second must have brought minRate bytes.
    return minRate > 0 && waitedMs > m_context.limits.headerTimeoutMs + bytes * 1000 / minRate;
}

void HttpConnection::checkDeadline(qint64 now) {
    const HttpLimits &limits = m_context.limits;
    const qint64 sinceLastCheck = m_lastCheck ? now - m_lastCheck : 0;
    m_lastCheck = now;
    switch (m_phase) {
    case Phase::Lingering:
        if (m_halfClosed) {
            if (now - m_lastRead > qMin(LingerIdleMs, limits.bodyTimeoutMs) ||
                now - m_lingerSince > LingerTotalMs)
                teardown(Reason::None, false);
            return;
        }
        break; // the answer is still going out: the send rules below apply
    case Phase::Closing:
        if (now - m_lastWrite > limits.bodyTimeoutMs)
            teardown(Reason::RequestTimeout, true);
        return;
    case Phase::Idle:
        if (m_handshaking) {
            if (now - m_idleSince > limits.headerTimeoutMs) {
                if (m_context.tlsHandshakes)
                    m_context.tlsHandshakes->timedOut.fetch_add(1);
                teardown(Reason::None, false);
            }
        } else if (m_parser.betweenMessages()) {
            if (now - m_idleSince > limits.idleTimeoutMs)
                teardown(Reason::None, false);
        } else if (now - m_requestStartMs > limits.headerTimeoutMs) {
            failRequest(Reason::RequestTimeout, "Timed out reading the request header");
        }
        return;
    case Phase::Tunnel:
        m_tunnel->checkDeadline(now, limits.tunnelIdleTimeoutMs, limits.bodyTimeoutMs);
        return;
    case Phase::HeadRead: // only ever inside processInput()
    case Phase::Closed:   // no longer swept
        return;
    case Phase::Exchanging:
    case Phase::Responding:
    case Phase::Finished: // closing after its response, or about to serve the next request
        break;
    }
    const bool bodyFlowing = m_requestBody == RequestBody::Flowing && m_phase != Phase::Lingering;
    const bool bodyTrickles = bodyFlowing && tooSlow(m_bodyFlowMs + now - m_bodyFlowSince,
                                                     m_event.requestBodyBytes, limits.minBodyRate);
    if (bodyFlowing && (now - m_lastRead > limits.bodyTimeoutMs || bodyTrickles)) {
        if (m_phase == Phase::Exchanging)
            failRequest(Reason::RequestTimeout, bodyTrickles
                                                    ? "The request body arrives too slowly"
                                                    : "Timed out reading the request body");
        else
            teardown(Reason::RequestTimeout, true);
        return;
    }
    const qint64 backlog = unsent();
    // Only the time the bytes have been waiting: a slow stream (server-sent events) whose
    // last event was queued a moment before this check is not charged the whole interval,
    // which cut streams under 500 B/s after some 17 s of prompt reading.
    if (backlog > 0)
        m_sendWaitMs += std::min(sinceLastCheck, now - m_backlogSince);
    // The client stopped reading its response, or reads it a few bytes at a time.
    if (backlog > 0 && (now - m_lastWrite > limits.bodyTimeoutMs ||
                        tooSlow(m_sendWaitMs, m_bytesQueued - backlog, limits.minSendRate)))
        teardown(Reason::RequestTimeout, true);
}

} // namespace Tokengate
