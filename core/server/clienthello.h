// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace Tokengate {

// What the first bytes of a TLS connection say about the name the client asks for (SNI,
// RFC 6066), read before the handshake starts so the listener can pick the certificate: Qt's
// server sockets have no SNI callback.
struct ClientHelloPeek {
    enum class Status {
        NeedMore, // a prefix of a ClientHello: wait for more bytes
        Done,     // a whole ClientHello; serverName is empty when it names none
        NotTls,   // not a ClientHello (plain HTTP, garbage, an oversized hello): no name
    };
    Status status = Status::NeedMore;
    QByteArray serverName; // lower case; only letters, digits, '-', '_' and '.'
};

// The hello may span several TLS records; at most MaxHelloBytes of them are looked at.
inline constexpr qsizetype MaxHelloBytes = 16 * 1024;

ClientHelloPeek peekClientHello(QByteArrayView bytes);

} // namespace Tokengate
