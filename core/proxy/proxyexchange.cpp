// SPDX-License-Identifier: Apache-2.0
#include "core/proxy/proxyexchange.h"

#include "core/http/httpconnection.h"
#include "core/http/reason.h"
#include "core/observe/logging.h"
#include "core/proxy/hopbyhop.h"
#include "core/proxy/upstreampool.h"

namespace Tokengate {

namespace {

bool isIdempotent(QByteArrayView method) {
    for (const char *m : {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"}) {
        if (method == m)
            return true;
    }
    return false;
}

QByteArrayView failureText(const char *reason) {
    if (reason == Reason::UpstreamTimeout)
        return "Upstream timed out";
    if (reason == Reason::UpstreamTls)
        return "TLS handshake with the upstream failed";
    if (reason == Reason::UpstreamBadResponse)
        return "Upstream sent a malformed response";
    if (reason == Reason::UpstreamReset)
        return "Upstream closed the connection";
    if (reason == Reason::DestinationForbidden)
        return "Destination resolves to a link-local or cloud metadata address";
    return "Upstream unreachable";
}

void setForwardedFields(HeaderMap &h, const QByteArray &peer, const QByteArray &host,
                        ForwardedMode mode) {
    switch (mode) {
    case ForwardedMode::Off:
        return;
    case ForwardedMode::Replace:
        for (const char *name :
             {"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "Forwarded"})
            h.removeAll(name);
        h.append("X-Forwarded-For", peer);
        h.append("X-Forwarded-Proto", "http");
        if (!host.isEmpty())
            h.append("X-Forwarded-Host", host);
        return;
    case ForwardedMode::Append: {
        const QList<QByteArray> chain = h.values("X-Forwarded-For");
        h.set("X-Forwarded-For", chain.isEmpty() ? peer : chain.join(", ") + ", " + peer);
        if (!h.contains("X-Forwarded-Proto"))
            h.append("X-Forwarded-Proto", "http");
        if (!h.contains("X-Forwarded-Host") && !host.isEmpty())
            h.append("X-Forwarded-Host", host);
        return;
    }
    }
}

} // namespace

ProxyExchange::ProxyExchange(HttpConnection &client, UpstreamPool &pool, UpstreamTarget target,
                             const RequestHead &head)
    : m_client(client)
    , m_pool(pool)
    , m_target(std::move(target))
    , m_upstreamHead(
          upstreamRequestHead(head, m_target, client.peerText(), pool.settings().forwarded))
    , m_chunked(head.chunked)
    , m_hasBody(head.hasBody())
    , m_headRequest(head.method == "HEAD")
    , m_idempotent(isIdempotent(head.method)) {
    m_upstreamClock.start();
    sendToUpstream(false);
    if (m_hasBody)
        m_client.setBodyFlowing(true);
    else
        m_requestSent = true;
}

ProxyExchange::~ProxyExchange() {
    if (m_upstream)
        m_pool.release(std::exchange(m_upstream, nullptr), false);
}

QByteArray ProxyExchange::upstreamRequestHead(const RequestHead &head, const UpstreamTarget &target,
                                              const QString &peer, ForwardedMode forwarded) {
    HeaderMap h = head.headers;
    removeHopByHopFields(h);
    h.removeAll("Expect"); // answered here: the body is already on its way
    const QByteArray host = h.value("Host");
    if (host.isEmpty())
        h.set("Host", target.authority);
    setForwardedFields(h, peer.toLatin1(), host, forwarded);
    if (head.chunked)
        h.append("Transfer-Encoding", "chunked");

    QByteArray out;
    out.reserve(512 + h.size() * 48);
    out.append(head.method);
    out.append(' ');
    out.append(target.join(head.target));
    out.append(" HTTP/1.1\r\n");
    h.serializeTo(out);
    out.append("\r\n");
    return out;
}

void ProxyExchange::sendToUpstream(bool freshConnection) {
    m_upstream = m_pool.acquire(m_target.origin, freshConnection);
    m_upstream->begin(this, m_upstreamHead, m_headRequest);
}

void ProxyExchange::onRequestBody(QByteArrayView chunk) {
    if (!m_upstream)
        return;
    if (m_chunked) {
        QByteArray size = QByteArray::number(chunk.size(), 16);
        size.append("\r\n");
        m_upstream->write(size);
        m_upstream->write(chunk);
        m_upstream->write("\r\n");
    } else {
        m_upstream->write(chunk);
    }
    if (m_upstream->writeBacklogged())
        m_client.setBodyFlowing(false);
}

void ProxyExchange::onRequestComplete() {
    if (!m_upstream)
        return;
    if (m_chunked)
        m_upstream->write("0\r\n\r\n");
    m_requestSent = true;
}

void ProxyExchange::onUpstreamWritable() {
    m_client.setBodyFlowing(true);
}

void ProxyExchange::onUpstreamHead(ResponseHead head) {
    removeHopByHopFields(head.headers);
    m_client.sendResponseHead(std::move(head));
}

void ProxyExchange::onUpstreamBody(QByteArrayView chunk) {
    m_client.sendResponseBody(chunk);
    if (m_upstream && m_client.responseBacklogged())
        m_upstream->setReadPaused(true);
}

void ProxyExchange::onClientWritable() {
    if (m_upstream)
        m_upstream->setReadPaused(false);
}

void ProxyExchange::onUpstreamComplete(bool reusable) {
    m_client.setUpstreamTime(m_upstreamClock.nsecsElapsed() / 1000);
    // An upstream that answered before reading the whole body cannot take another request.
    m_pool.release(std::exchange(m_upstream, nullptr), reusable && m_requestSent);
    m_client.finishResponse();
}

void ProxyExchange::onUpstreamFailed(int status, const char *reason, const QString &detail,
                                     bool retryable) {
    m_pool.release(std::exchange(m_upstream, nullptr), false);
    if (retryable && !m_retried && m_idempotent && !m_hasBody && !m_client.responseStarted()) {
        m_retried = true;
        qCDebug(lcProxy) << "retrying on a new connection after" << detail;
        sendToUpstream(true);
        return;
    }
    m_client.setUpstreamTime(m_upstreamClock.nsecsElapsed() / 1000);
    qCWarning(lcProxy).noquote() << "upstream" << m_target.toString() << reason << detail;
    if (m_client.responseStarted())
        m_client.abortResponse(reason);
    else
        m_client.sendSimpleResponse(status, reason, failureText(reason));
}

void ProxyExchange::onClientGone() {
    if (m_upstream)
        m_pool.release(std::exchange(m_upstream, nullptr), false);
}

} // namespace Tokengate
