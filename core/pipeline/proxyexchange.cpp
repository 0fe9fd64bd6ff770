// SPDX-License-Identifier: Apache-2.0
#include "core/pipeline/proxyexchange.h"

#include "core/http/headwriter.h"
#include "core/http/hopbyhop.h"
#include "core/http/httpconnection.h"
#include "core/http/upstreampool.h"
#include "core/observe/logging.h"

#include <QTcpSocket>

namespace Tokengate {

namespace {

bool isIdempotent(QByteArrayView method) {
    for (const char *m : {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"}) {
        if (method == m)
            return true;
    }
    return false;
}

} // namespace

std::span<const QByteArrayView> forwardedFieldNames() {
    // Replace mode trusts no front proxy, so none of the fields frameworks read the client's
    // address, scheme, port or prefix from may come from the client.
    static constexpr QByteArrayView names[] = {
        "X-Forwarded-For",    "X-Forwarded-Proto",  "X-Forwarded-Host", "Forwarded",
        "X-Forwarded-Port",   "X-Forwarded-Prefix", "X-Forwarded-Ssl",  "X-Forwarded-Scheme",
        "X-Forwarded-Server", "X-Real-IP",          "X-Client-IP",      "True-Client-IP"};
    return names;
}

bool isForwardedField(QByteArrayView name) {
    for (QByteArrayView f : forwardedFieldNames()) {
        if (HeaderMap::sameName(name, f))
            return true;
    }
    return false;
}

ProxyExchange::ProxyExchange(HttpConnection &client, UpstreamPool &pool, UpstreamTarget target,
                             const RequestHead &head, ForwardedMode forwarded,
                             std::shared_ptr<void> tunnelSlot, TunnelLimit tunnelLimit)
    : m_client(client)
    , m_pool(pool)
    , m_target(std::move(target))
    , m_upstreamHead(
          upstreamRequestHead(head, m_target, client.peerBytes(), forwarded, client.isTls()))
    , m_upgrade(head.upgrade)
    , m_tunnelSlot(std::move(tunnelSlot))
    , m_tunnelLimit(std::move(tunnelLimit))
    , m_chunked(head.chunked)
    , m_hasBody(head.hasBody())
    , m_headRequest(head.method == "HEAD")
    , m_idempotent(isIdempotent(head.method)) {}

void ProxyExchange::start() {
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
                                              QByteArrayView peer, ForwardedMode forwarded,
                                              bool clientTls) {
    // Written straight from the client's fields, in their order, skipping what must not pass;
    // the same as filtering a copy of the map and serializing it, without the copy.
    const HeaderMap &h = head.headers;
    const HopByHopFilter hopByHop(h);
    auto passes = [&](const HeaderField &f) {
        // Expect is answered here: the body is already on its way. Framing is written below
        // from the parsed message, never copied.
        return !hopByHop.drops(f.name) && !isFramingField(f.name) &&
               !HeaderMap::sameName(f.name, "Expect");
    };
    const bool append = forwarded == ForwardedMode::Append;
    QByteArrayView host;
    bool sawHost = false, sawFor = false, sawProto = false, sawHostField = false;
    qsizetype forSize = 0;
    for (const HeaderField &f : h.fields()) {
        if (!passes(f))
            continue;
        if (HeaderMap::sameName(f.name, "Host")) {
            if (!sawHost)
                host = f.value;
            sawHost = true;
        } else if (HeaderMap::sameName(f.name, "X-Forwarded-For")) {
            sawFor = true;
            forSize += f.value.size() + 2;
        } else if (HeaderMap::sameName(f.name, "X-Forwarded-Proto")) {
            sawProto = true;
        } else if (HeaderMap::sameName(f.name, "X-Forwarded-Host")) {
            sawHostField = true;
        }
    }
    // No usable Host: the upstream's authority replaces every Host field, in the first one's
    // place, or is added.
    const bool setHost = host.isEmpty();
    const QByteArray path = target.join(head.target);

    HeadWriter out(head.method.size() + path.size() + h.serializedSize() + forSize +
                   target.authority.size() + peer.size() + host.size() + 192);
    out.put(head.method);
    out.put(" ");
    out.put(path);
    out.put(" HTTP/1.1\r\n");
    bool hostDone = false, forDone = false;
    for (const HeaderField &f : h.fields()) {
        if (!passes(f))
            continue;
        if (setHost && HeaderMap::sameName(f.name, "Host")) {
            if (!std::exchange(hostDone, true))
                out.field(f.name, target.authority);
            continue;
        }
        if (forwarded == ForwardedMode::Replace && isForwardedField(f.name))
            continue;
        if (append && HeaderMap::sameName(f.name, "X-Forwarded-For")) {
            // The whole chain goes in the first field's place, this peer last.
            if (std::exchange(forDone, true))
                continue;
            out.put(f.name);
            out.put(": ");
            for (const HeaderField &g : h.fields()) {
                if (passes(g) && HeaderMap::sameName(g.name, "X-Forwarded-For")) {
                    out.put(g.value);
                    out.put(", ");
                }
            }
            out.put(peer);
            out.put("\r\n");
            continue;
        }
        out.field(f.name, f.value);
    }
    if (setHost && !hostDone)
        out.field("Host", target.authority);
    if (forwarded == ForwardedMode::Replace) {
        out.field("X-Forwarded-For", peer);
        out.field("X-Forwarded-Proto", clientTls ? "https" : "http");
        if (!host.isEmpty())
            out.field("X-Forwarded-Host", host);
    } else if (append) {
        if (!sawFor)
            out.field("X-Forwarded-For", peer);
        if (!sawProto)
            out.field("X-Forwarded-Proto", clientTls ? "https" : "http");
        if (!sawHostField && !host.isEmpty())
            out.field("X-Forwarded-Host", host);
    }
    if (head.chunked)
        out.field("Transfer-Encoding", "chunked");
    else if (head.contentLength >= 0)
        out.field("Content-Length", QByteArray::number(head.contentLength));
    // The client's upgrade, asked again of this hop: its own Connection and Upgrade fields
    // were dropped with every hop-by-hop field.
    if (!head.upgrade.isEmpty()) {
        out.put("Connection: Upgrade\r\n");
        out.field("Upgrade", head.upgrade);
    }
    out.put("\r\n");
    return out.take();
}

void ProxyExchange::sendToUpstream(bool freshConnection) {
    m_upstream = m_pool.acquire(m_target.origin, freshConnection);
    m_upstream->begin(this, m_upstreamHead, m_headRequest, m_upgrade);
}

void ProxyExchange::onRequestBody(QByteArrayView chunk) {
    if (!m_upstream)
        return;
    frameBodyPiece(chunk, m_chunked, [this](QByteArrayView part) { m_upstream->write(part); });
    if (m_upstream->writeBacklogged())
        m_client.setBodyFlowing(false);
}

void ProxyExchange::onRequestComplete() {
    if (!m_upstream)
        return;
    if (m_chunked)
        m_upstream->write(LastChunk);
    m_requestSent = true;
}

void ProxyExchange::onUpstreamWritable() {
    m_client.setBodyFlowing(true);
}

void ProxyExchange::onUpstreamHead(ResponseHead head) {
    m_tunnelSlot.reset(); // declined: no tunnel will hold the place
    removeHopByHopFields(head.headers);
    m_client.sendResponseHead(std::move(head));
}

void ProxyExchange::onUpstreamBody(QByteArrayView chunk) {
    m_client.sendResponseBody(chunk);
    if (m_upstream && m_client.responseBacklogged())
        m_upstream->setReadPaused(true);
}

void ProxyExchange::onUpstreamSwitched(ResponseHead head, QByteArray early) {
    UpstreamConnection *upstream = std::exchange(m_upstream, nullptr);
    QTcpSocket *socket = upstream->takeSocket();
    m_pool.release(upstream, false);
    m_client.setUpstreamTime(m_upstreamClock.nsecsElapsed() / 1000);
    // RFC 9110 section 7.8: a 101 names the protocol switched to. Relaying any other than the
    // one the client asked for would hand it bytes it cannot read as what it expects.
    const QByteArray protocol = head.headers.find("Upgrade").trimmed().toByteArray();
    if (head.headers.count("Upgrade") != 1 || !HeaderMap::sameName(protocol, m_upgrade)) {
        socket->abort();
        socket->deleteLater();
        qCWarning(lcProxy).noquote() << "upstream answered an upgrade to" << m_upgrade
                                     << "with 101 and Upgrade:" << protocol.left(64);
        m_client.refuse(Reason::UpstreamBadResponse,
                        "Upstream switched to a protocol the client did not ask for");
        return;
    }
    removeHopByHopFields(head.headers);
    head.headers.append(QByteArrayLiteral("Connection"), QByteArrayLiteral("Upgrade"));
    head.headers.append(QByteArrayLiteral("Upgrade"), protocol);
    m_client.startTunnel(std::move(head), socket, std::move(early), std::move(m_tunnelSlot),
                         std::move(m_tunnelLimit));
}

void ProxyExchange::onClientWritable() {
    if (m_upstream)
        m_upstream->setReadPaused(false);
}

void ProxyExchange::onUpstreamComplete(bool reusable) {
    m_client.setUpstreamTime(m_upstreamClock.nsecsElapsed() / 1000);
    // An upstream that answered before reading the whole body cannot take another request;
    // nor can one that declined an upgrade: a proxy behind it may have opened a tunnel anyway.
    m_pool.release(std::exchange(m_upstream, nullptr),
                   reusable && m_requestSent && m_upgrade.isEmpty());
    m_client.finishResponse();
}

void ProxyExchange::onUpstreamFailed(Reason reason, const QString &detail, bool retryable) {
    m_pool.release(std::exchange(m_upstream, nullptr), false);
    if (retryable && !m_retried && m_idempotent && !m_hasBody && !m_client.responseStarted()) {
        m_retried = true;
        qCDebug(lcProxy) << "retrying on a new connection after" << detail;
        sendToUpstream(true);
        return;
    }
    m_client.setUpstreamTime(m_upstreamClock.nsecsElapsed() / 1000);
    // The origin only: a Destination's path and query are the client's and may hold a token.
    QByteArray origin = m_target.origin.tls ? "https://" : "http://";
    origin += m_target.authority;
    qCWarning(lcProxy).noquote() << "upstream" << origin << reasonId(reason) << detail;
    if (m_client.responseStarted())
        m_client.abortResponse(reason);
    else if (reason == Reason::DestinationForbidden)
        m_client.refuse(reason, "Destination resolves to a link-local or cloud metadata address");
    else
        m_client.refuse(reason);
}

void ProxyExchange::onClientGone() {
    if (m_upstream)
        m_pool.release(std::exchange(m_upstream, nullptr), false);
}

} // namespace Tokengate
