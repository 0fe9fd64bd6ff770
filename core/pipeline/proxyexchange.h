// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/http/exchange.h"
#include "core/http/tunnel.h"
#include "core/http/upstreamconnection.h"

#include <QElapsedTimer>

#include <span>

namespace Tokengate {

class UpstreamPool;

// Forwards one request to the upstream and streams both bodies, each side read only as
// fast as the other side drains.
// A field frameworks read the client's address, scheme, port or prefix from: the upstream
// settings' `forwarded` mode decides each of them.
bool isForwardedField(QByteArrayView name);
std::span<const QByteArrayView> forwardedFieldNames();

class ProxyExchange : public Exchange, private UpstreamConnection::User {
public:
    // `forwarded`: the upstream settings' mode as it applies to this client.
    // `tunnelSlot`: held by the tunnel should the request upgrade (see TunnelSlots).
    ProxyExchange(HttpConnection &client, UpstreamPool &pool, UpstreamTarget target,
                  const RequestHead &head, ForwardedMode forwarded,
                  std::shared_ptr<void> tunnelSlot = {}, TunnelLimit tunnelLimit = {});
    ~ProxyExchange() override;

    void start() override;
    void onRequestBody(QByteArrayView chunk) override;
    void onRequestComplete() override;
    void onClientWritable() override;
    void onClientGone() override;

    // The request head as the upstream receives it (exposed for tests of header rewriting).
    // `clientTls`: the client reached an HTTPS listener (X-Forwarded-Proto).
    static QByteArray upstreamRequestHead(const RequestHead &head, const UpstreamTarget &target,
                                          QByteArrayView peer, ForwardedMode forwarded,
                                          bool clientTls = false);
    // The bytes that carry one piece of the request body upstream, handed to `write` in parts:
    // as they came, or (chunked) re-framed as one chunk. With LastChunk after the last piece,
    // this is the body the upstream frames (exposed for the forwarding fuzz harness).
    template<typename Write>
    static void frameBodyPiece(QByteArrayView piece, bool chunked, Write &&write) {
        if (!chunked) {
            write(piece);
            return;
        }
        QByteArray size = QByteArray::number(piece.size(), 16);
        size.append("\r\n");
        write(QByteArrayView(size));
        write(piece);
        write(QByteArrayView("\r\n"));
    }
    static constexpr QByteArrayView LastChunk{"0\r\n\r\n"};

private:
    void onUpstreamHead(ResponseHead head) override;
    void onUpstreamBody(QByteArrayView chunk) override;
    void onUpstreamComplete(bool reusable) override;
    void onUpstreamFailed(Reason reason, const QString &detail, bool retryable) override;
    void onUpstreamWritable() override;
    void onUpstreamSwitched(ResponseHead head, QByteArray early) override;
    void sendToUpstream(bool freshConnection);

    HttpConnection &m_client;
    UpstreamPool &m_pool;
    const UpstreamTarget m_target; // per request: Destination mode names it in a header
    QByteArray m_upstreamHead;
    const QByteArray m_upgrade; // the protocol the client asks to switch to, if any
    std::shared_ptr<void> m_tunnelSlot;
    TunnelLimit m_tunnelLimit;
    UpstreamConnection *m_upstream = nullptr;
    QElapsedTimer m_upstreamClock;
    bool m_chunked;
    bool m_hasBody;
    bool m_headRequest;
    bool m_idempotent;
    bool m_requestSent = false;
    bool m_retried = false;
};

} // namespace Tokengate
