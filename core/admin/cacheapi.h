// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QHttpServerRequest>
#include <QHttpServerResponse>

namespace Tokengate {

class GatewayService;

// The cache inspector on the admin listener, behind admin.token like every call that reads
// who is signed in or changes state:
//   GET    /cache[?sub=S][&limit=N]   entries, most recently used first (never a token: its
//                                    fingerprint), and the cache's counters
//   DELETE /cache/<fingerprint>      evicts one token's entries (every instance with Redis)
//   DELETE /cache?sub=S              evicts a subject's entries (every instance with Redis)
//   DELETE /cache                    empties this instance's local cache
class CacheApi {
public:
    static constexpr qsizetype DefaultLimit = 200;
    static constexpr qsizetype MaxLimit = 10000;

    explicit CacheApi(const GatewayService &service);
    QHttpServerResponse handle(const QHttpServerRequest &request) const;
    QHttpServerResponse evictFingerprint(const QHttpServerRequest &request,
                                         const QString &fingerprint) const;

private:
    QHttpServerResponse list(const QHttpServerRequest &request) const;
    QHttpServerResponse evict(const QHttpServerRequest &request) const;

    const GatewayService &m_service;
};

} // namespace Tokengate
