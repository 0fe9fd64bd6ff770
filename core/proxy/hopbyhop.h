// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArrayView>
#include <QVarLengthArray>

namespace Tokengate {

class HeaderMap;

// Tells which fields of one message describe the connection rather than the message (RFC 9110
// section 7.6.1): Connection and every name it lists, Keep-Alive, TE, Trailer,
// Transfer-Encoding, Upgrade and Proxy-*. Holds views into `headers`, which must outlive it.
class HopByHopFilter {
public:
    explicit HopByHopFilter(const HeaderMap &headers);
    bool drops(QByteArrayView name) const;

private:
    QVarLengthArray<QByteArrayView, 8> m_listed; // names the Connection fields list
};

// Removes the hop-by-hop fields HopByHopFilter names. The receiving side re-frames the body
// itself.
void removeHopByHopFields(HeaderMap &headers);

} // namespace Tokengate
