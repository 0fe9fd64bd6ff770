// SPDX-License-Identifier: Apache-2.0
#include "core/http/hopbyhop.h"

#include "core/http/headermap.h"

namespace Tokengate {

bool isFramingField(QByteArrayView name) {
    return HeaderMap::sameName(name, "Content-Length") ||
           HeaderMap::sameName(name, "Transfer-Encoding");
}

bool hasOnlyChunkedCoding(const HeaderMap &headers) {
    int codings = 0;
    bool other = false;
    for (const HeaderField &f : headers.fields()) {
        if (!HeaderMap::sameName(f.name, "Transfer-Encoding"))
            continue;
        anyToken(f.value, [&](QByteArrayView coding) {
            ++codings;
            other = other || !HeaderMap::sameName(coding, "chunked");
            return false;
        });
    }
    return !other && codings <= 1;
}

HopByHopFilter::HopByHopFilter(const HeaderMap &headers) {
    for (const HeaderField &f : headers.fields()) {
        if (!HeaderMap::sameName(f.name, "Connection"))
            continue;
        anyToken(f.value, [this](QByteArrayView name) {
            if (!isFramingField(name) && !HeaderMap::sameName(name, "Host"))
                m_listed.append(name);
            return false;
        });
    }
}

bool HopByHopFilter::drops(QByteArrayView name) const {
    for (QByteArrayView listed : m_listed) {
        if (HeaderMap::sameName(name, listed))
            return true;
    }
    // Every fixed name starts with one of these letters; most fields are ruled out here.
    switch (name.isEmpty() ? '\0' : name.front() | 0x20) {
    case 'c':
    case 'k':
    case 'p':
    case 't':
    case 'u':
        break;
    default:
        return false;
    }
    static constexpr QByteArrayView Fixed[] = {"Connection", "Keep-Alive",        "TE",
                                               "Trailer",    "Transfer-Encoding", "Upgrade"};
    for (QByteArrayView fixed : Fixed) {
        if (HeaderMap::sameName(name, fixed))
            return true;
    }
    // Proxy-* covers Proxy-Authorization, Proxy-Authenticate and Proxy-Connection.
    if (name.size() >= 6 && name.first(6).compare("proxy-", Qt::CaseInsensitive) == 0)
        return true;
    return false;
}

QByteArray requestedUpgrade(const HeaderMap &headers) {
    if (headers.count("Upgrade") != 1)
        return {};
    bool listed = false;
    for (const HeaderField &f : headers.fields()) {
        if (HeaderMap::sameName(f.name, "Connection"))
            listed = listed || anyToken(f.value, [](QByteArrayView name) {
                         return HeaderMap::sameName(name, "upgrade");
                     });
    }
    const QByteArrayView protocol = headers.find("Upgrade").trimmed();
    if (!listed || !HeaderMap::sameName(protocol, "websocket"))
        return {};
    return protocol.toByteArray();
}

void removeHopByHopFields(HeaderMap &headers) {
    const HopByHopFilter filter(headers);
    headers.removeIf(
        [&](const HeaderField &f) { return filter.drops(f.name) || isFramingField(f.name); });
}

} // namespace Tokengate
