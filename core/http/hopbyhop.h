// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArrayView>
#include <QVarLengthArray>

namespace Tokengate {

class HeaderMap;

// Content-Length and Transfer-Encoding: how this hop delimits the body. A proxy never copies
// them from one hop to the next; each side writes its own from what its parser framed, so no
// field a peer sends (or hides) can make two hops count a body differently.
bool isFramingField(QByteArrayView name);

// True when Transfer-Encoding is absent or names exactly one coding, "chunked". The gateway
// re-frames every body it forwards, so any other coding ("gzip, chunked") would reach the
// next hop stripped of its name: refuse it instead of corrupting the body.
bool hasOnlyChunkedCoding(const HeaderMap &headers);

// Tells which fields of one message describe the connection rather than the message (RFC 9110
// section 7.6.1): Connection and every name it lists, Keep-Alive, TE, Trailer,
// Transfer-Encoding, Upgrade and Proxy-*. A Connection field cannot name Host or a framing
// field: those decide where and how much, and a peer that could remove them could smuggle.
// Holds views into `headers`, which must outlive it.
class HopByHopFilter {
public:
    explicit HopByHopFilter(const HeaderMap &headers);
    bool drops(QByteArrayView name) const;

private:
    QVarLengthArray<QByteArrayView, 8> m_listed; // names the Connection fields list
};

// The protocol a request asks to switch to, when the gateway can carry the switch out: its
// Connection field lists "upgrade" and its one Upgrade field names "websocket" alone. Any
// other Upgrade (h2c, TLS/1.0, a list) is dropped as hop-by-hop: the request is then answered
// without switching, which RFC 9110 section 7.8 allows.
QByteArray requestedUpgrade(const HeaderMap &headers);

// Removes the hop-by-hop fields HopByHopFilter names and the framing fields. Call it on a
// message as received, before anything adds fields of its own: what a peer's Connection
// field lists must never reach a field the gateway sets.
void removeHopByHopFields(HeaderMap &headers);

} // namespace Tokengate
