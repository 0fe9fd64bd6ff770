// SPDX-License-Identifier: Apache-2.0
#include "core/server/clienthello.h"

#include <optional>

namespace Tokengate {

namespace {

using Status = ClientHelloPeek::Status;

constexpr quint8 HandshakeRecord = 22;
constexpr quint8 ClientHelloType = 1;
constexpr quint16 ServerNameExtension = 0;
constexpr quint8 HostNameType = 0;

// Reads big-endian fields from a byte range; any read past its end makes it fail for good.
class Reader {
public:
    explicit Reader(QByteArrayView bytes)
        : m_bytes(bytes) {}
    bool ok() const { return m_ok; }
    qsizetype left() const { return m_ok ? m_bytes.size() - m_pos : 0; }
    quint32 number(int width) {
        if (!take(width))
            return 0;
        quint32 v = 0;
        for (int i = 0; i < width; ++i)
            v = (v << 8) | quint8(m_bytes[m_pos - width + i]);
        return v;
    }
    QByteArrayView bytes(qsizetype n) {
        return take(n) ? m_bytes.sliced(m_pos - n, n) : QByteArrayView();
    }
    // A field preceded by its length in `width` bytes.
    QByteArrayView vector(int width) { return bytes(number(width)); }

private:
    bool take(qsizetype n) {
        if (!m_ok || n < 0 || n > m_bytes.size() - m_pos)
            return m_ok = false;
        m_pos += n;
        return true;
    }
    QByteArrayView m_bytes;
    qsizetype m_pos = 0;
    bool m_ok = true;
};

bool isHostNameChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

// The server_name extension's host name, if the extension holds one that is well formed.
std::optional<QByteArray> hostName(QByteArrayView extension) {
    Reader list(extension);
    Reader names(list.vector(2));
    while (names.ok() && names.left() > 0) {
        const quint32 type = names.number(1);
        const QByteArrayView name = names.vector(2);
        if (!names.ok())
            break;
        if (type != HostNameType)
            continue;
        if (name.isEmpty() || name.size() > 253)
            return std::nullopt;
        for (char c : name) {
            if (!isHostNameChar(c))
                return std::nullopt;
        }
        return name.toByteArray().toLower();
    }
    return std::nullopt;
}

// The handshake message's body once whole; the records' fragments are joined first.
ClientHelloPeek serverNameOf(QByteArrayView hello) {
    Reader r(hello);
    r.bytes(2 + 32); // legacy_version, random
    r.vector(1);     // legacy_session_id
    r.vector(2);     // cipher_suites
    r.vector(1);     // legacy_compression_methods
    if (!r.ok())
        return {Status::NotTls, {}};
    if (r.left() == 0)
        return {Status::Done, {}}; // no extensions at all (SSL 3.0 style)
    Reader extensions(r.vector(2));
    if (!r.ok())
        return {Status::NotTls, {}};
    while (extensions.ok() && extensions.left() > 0) {
        const quint32 type = extensions.number(2);
        const QByteArrayView body = extensions.vector(2);
        if (extensions.ok() && type == ServerNameExtension) {
            if (const auto name = hostName(body))
                return {Status::Done, *name};
            return {Status::Done, {}};
        }
    }
    return {extensions.ok() ? Status::Done : Status::NotTls, {}};
}

} // namespace

ClientHelloPeek peekClientHello(QByteArrayView bytes) {
    bytes = bytes.first(qMin(bytes.size(), MaxHelloBytes));
    QByteArray handshake; // the records' payloads, joined
    qsizetype pos = 0;
    while (true) {
        if (bytes.size() - pos < 5)
            break;
        Reader header(bytes.sliced(pos, 5));
        const quint32 type = header.number(1);
        const quint32 major = header.number(1);
        header.number(1); // minor: clients write anything from 0 to 4 here
        const quint32 length = header.number(2);
        // Empty records are allowed before the hello (OpenSSL skips up to 32 of them).
        if (type != HandshakeRecord || major != 3 || length > 16384)
            return {Status::NotTls, {}};
        if (bytes.size() - pos - 5 < qsizetype(length)) {
            handshake.append(bytes.sliced(pos + 5)); // a record still arriving
            pos = bytes.size();
            break;
        }
        handshake.append(bytes.sliced(pos + 5, length));
        pos += 5 + qsizetype(length);
        if (handshake.size() >= 4) {
            Reader h(handshake);
            if (h.number(1) != ClientHelloType)
                return {Status::NotTls, {}};
            const quint32 helloLength = h.number(3);
            if (4 + qsizetype(helloLength) > MaxHelloBytes)
                return {Status::NotTls, {}};
            if (handshake.size() >= 4 + qsizetype(helloLength))
                return serverNameOf(QByteArrayView(handshake).sliced(4, helloLength));
        }
    }
    // Only a prefix came: it must be the start of a ClientHello to be worth waiting for.
    if (pos == 0 && !bytes.isEmpty() &&
        (quint8(bytes[0]) != HandshakeRecord || (bytes.size() > 1 && bytes[1] != 3)))
        return {Status::NotTls, {}};
    if (!handshake.isEmpty() && quint8(handshake[0]) != ClientHelloType)
        return {Status::NotTls, {}};
    // A hello declaring more than we would ever read is refused now, not after 16 KiB.
    if (handshake.size() >= 4) {
        Reader h(handshake);
        h.number(1); // the type, checked above
        if (4 + qsizetype(h.number(3)) > MaxHelloBytes)
            return {Status::NotTls, {}};
    }
    if (bytes.size() >= MaxHelloBytes)
        return {Status::NotTls, {}};
    return {Status::NeedMore, {}};
}

} // namespace Tokengate
