// SPDX-License-Identifier: Apache-2.0
#include "core/proxy/hopbyhop.h"

#include "core/http/headermap.h"

namespace Tokengate {

void removeHopByHopFields(HeaderMap &headers) {
    QList<QByteArray> listed;
    for (const QByteArray &value : headers.values("Connection")) {
        for (QByteArrayView name : splitTokenList(value))
            listed.append(name.toByteArray());
    }
    for (const QByteArray &name : listed)
        headers.removeAll(name);
    for (const char *name :
         {"Connection", "Keep-Alive", "TE", "Trailer", "Transfer-Encoding", "Upgrade"})
        headers.removeAll(name);
    // Proxy-* covers Proxy-Authorization, Proxy-Authenticate and Proxy-Connection.
    HeaderMap kept;
    for (const HeaderField &f : headers.fields()) {
        if (!(f.name.size() >= 6 &&
              QByteArrayView(f.name).first(6).compare("proxy-", Qt::CaseInsensitive) == 0))
            kept.append(f.name, f.value);
    }
    if (kept.size() != headers.size())
        headers = std::move(kept);
}

} // namespace Tokengate
