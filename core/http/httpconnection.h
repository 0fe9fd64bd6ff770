// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/base/deadlinesweeper.h"
#include "core/http/clientcertificate.h"
#include "core/http/exchange.h"
#include "core/http/requestparser.h"
#include "core/http/tunnel.h"
#include "core/http/workercontext.h"
#include "core/observe/requestevent.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QObject>

#include <memory>

class QTcpSocket;

namespace Tokengate {

// One client connection: parses requests, hands each to an Exchange, and writes responses in
// request order. Pipelined requests wait unparsed until the previous response is finished;
// the socket's bounded read buffer then pushes back on the client.
//
// Each request goes through the phases below. The exchange is created when its head is
// parsed and started once the parser has returned, so whatever it does at once (a refusal,
// a closed socket) happens outside llhttp; the next request starts on a later turn of the
// event loop, so the exchange that finished a response is off the stack when it is let go.
class HttpConnection : public QObject, private RequestParser::Sink, public Expirable {
    Q_OBJECT
public:
    HttpConnection(QTcpSocket *socket, WorkerContext &context, QObject *parent = nullptr);
    ~HttpConnection() override;

    // --- used by the current Exchange
    const RequestHead &request() const { return m_head; }
    QHostAddress peerAddress() const { return m_peer; }
    const QString &peerText() const { return m_peerText; }
    const QByteArray &peerBytes() const { return m_peerBytes; } // peerText() in Latin-1
    bool isTls() const { return m_tls; } // the client reached an HTTPS listener
    // The certificate the client presented in its TLS handshake; null without one.
    const ClientCertificate *clientCertificate() const { return m_clientCertificate.get(); }
    // HTTPS with tls.client_auth: the handshake's certificate is judged by `verifier`, and
    // with client_auth required a connection without a verified one gets only refusals.
    void checkClientCertificates(std::shared_ptr<const ClientCertificateVerifier> verifier) {
        m_certificateVerifier = std::move(verifier);
    }
    int workerId() const { return m_context.workerId; }
    qint64 deadlineNowMs() const { return m_context.sweeper->nowMs(); } // the deadlines' clock
    // Starts (or stops, for backpressure) delivering the request body to the exchange. The
    // first start answers "100 Continue" when the client waits for it.
    void setBodyFlowing(bool flowing);
    // Applied to the current request's answer head, refusals included; dropped with the request.
    void setResponseHeadFilter(ResponseHeadFilter *filter) { m_headFilter = filter; }
    void sendResponseHead(ResponseHead head);
    // The upstream switched protocols: `head` (its 101, hop-by-hop fields set by the caller)
    // goes out, and from then on the two connections are a Tunnel until either closes.
    // `early`: what the upstream sent after its head. The exchange is let go on a later turn.
    // `lease` is held until the tunnel ends (its place under a route's cap).
    void startTunnel(ResponseHead head, QTcpSocket *upstream, QByteArray early,
                     std::shared_ptr<void> lease = {}, TunnelLimit limit = {});
    void sendResponseBody(QByteArrayView chunk);
    void finishResponse();
    // A complete text/plain answer refusing the request for `reason` (see refusalFor()).
    void refuse(Reason reason, QByteArrayView detail = {}, QByteArrayView challengeParams = {});
    // True once no response head can be sent any more: one is out, or the connection closed.
    bool responseStarted() const;
    // True when the client is slower than the exchange's data; onClientWritable() follows.
    bool responseBacklogged();
    // The response cannot be completed (upstream died mid-body): close without more bytes.
    // The status already sent stays in the access log, beside `reason`.
    void abortResponse(Reason reason);
    void setUpstreamTime(qint64 us) { m_event.upstreamUs = us; }
    RequestEvent &requestEvent() { return m_event; } // for the pipeline's identity and IdP fields

    // Graceful stop: finish the request in progress, then close.
    void closeWhenIdle();

    void checkDeadline(qint64 nowMs) override;
    // Before any input: the connection began earlier (an HTTPS client sent its hello while
    // the listener waited for it), and its first deadline counts from then.
    void countFrom(qint64 ms) { m_idleSince = m_requestStartMs = ms; }

signals:
    void closed();

private:
    // Bytes handed to the socket that the kernel has not taken yet (for TLS, encrypted or not).
    qint64 unsent() const;
    void onRequestHead(RequestHead head) override;
    void onRequestBody(QByteArrayView chunk) override;
    void onRequestComplete() override;

    // Idle → HeadRead → Exchanging → Responding → Finished, then Idle again, or Closing (no
    // request left, the last bytes drain) when the connection does not stay open, or
    // Lingering when it closes while the client may still be sending.
    enum class Phase {
        Idle,       // no request: waiting for the next head, or the rest of one
        HeadRead,   // a head is parsed; its exchange starts when the parser has returned
        Exchanging, // the exchange runs; no byte of its response is out
        Responding, // the response head is out, its body follows
        Finished,   // the response is complete and its event published
        Tunnel,     // switched protocols: bytes are relayed both ways; the event is published
                    // when the tunnel ends
        Closing,    // no request: what is written drains, then the socket closes
        Lingering,  // closing while the client may still send: its input is read and dropped,
                    // our FIN goes once the answer is out, and the client's ends it
        Closed,     // torn down; deleted on a later turn
    };
    // The request body is read only while the exchange wants it (flow control).
    enum class RequestBody { Paused, Flowing, Complete };
    // How the response's body goes out, decided with its head.
    enum class ResponseBody { Omitted, AsIs, Chunked };

    void send(QByteArrayView bytes);
    // Reached only from the event loop (readyRead, a queued call), never from inside the
    // parser or an exchange: llhttp is never re-entered.
    void processInput();
    void scheduleProcessInput();
    bool wantsInput() const;
    bool requestInProgress() const {
        return m_phase == Phase::Exchanging || m_phase == Phase::Responding;
    }
    void startExchange();
    void onBytesWritten();
    void onDisconnected();
    void onTunnelFinished();
    void failRequest(Reason reason, QByteArrayView message);
    void endRequest();
    void publishEvent();
    void closeAfterFlush();
    bool clientMaySend() const;
    void lingerOnceFlushed();
    void discardInput();
    void teardown(Reason reason, bool notifyExchange);
    bool tooSlow(qint64 waitedMs, qint64 bytes, int minRate) const;

    QTcpSocket *m_socket;
    WorkerContext &m_context;
    RequestParser m_parser;
    QHostAddress m_peer;
    QString m_peerText;
    QByteArray m_peerBytes;

    QByteArray m_in;
    qsizetype m_inPos = 0;
    std::shared_ptr<const ClientCertificateVerifier> m_certificateVerifier;
    std::shared_ptr<const ClientCertificate> m_clientCertificate;

    RequestHead m_head;
    std::unique_ptr<Exchange> m_exchange;
    Tunnel *m_tunnel = nullptr; // a child, in Phase::Tunnel
    std::shared_ptr<void> m_tunnelLease;
    ResponseHeadFilter *m_headFilter = nullptr;
    RequestEvent m_event;
    QElapsedTimer m_requestClock;

    qint64 m_idleSince = 0;
    qint64 m_requestStartMs = 0;
    qint64 m_lastRead = 0;
    qint64 m_lastWrite = 0;
    // Rate floors (HttpLimits::minBodyRate, minSendRate): time spent waiting on the client.
    qint64 m_bodyFlowSince = 0; // when the body last started flowing
    qint64 m_bodyFlowMs = 0;    // body-flowing time before that
    qint64 m_lastCheck = 0;     // previous deadline check
    qint64 m_sendWaitMs = 0;    // time with response bytes the client had not taken yet
    qint64 m_backlogSince = 0;  // when the bytes not taken yet began to wait
    qint64 m_bytesQueued = 0;   // response bytes handed to the socket
    qint64 m_lingerSince = 0;   // when the answer was out and our side half-closed

    Phase m_phase = Phase::Idle;
    RequestBody m_requestBody = RequestBody::Paused;
    ResponseBody m_responseBody = ResponseBody::AsIs;
    // Orthogonal to the phase:
    // Whether the connection outlives the current response; decided with its head.
    bool m_keepAlive = true;
    // Read nothing more, and close once the request in progress (if any) is done: set by a
    // broken request, in whichever phase the request is.
    bool m_stopReading = false;
    // closeWhenIdle(): the request in progress is still read to its end (an upload under way
    // when a drain begins completes), and no request after it.
    bool m_closeWhenDone = false;
    // Lingering: our FIN is sent; the client's input is awaited within the linger bounds.
    bool m_halfClosed = false;
    // The exchange waits for onClientWritable(): the response's flow control, at any phase.
    bool m_waitingWritable = false;
    // A queued processInput() is pending; one is enough.
    bool m_processScheduled = false;
    // An HTTPS connection, and whether its handshake is still under way: until it is done
    // nothing is read, and the header timeout counts from the connection's start.
    bool m_tls = false;
    bool m_handshaking = false;
};

} // namespace Tokengate
