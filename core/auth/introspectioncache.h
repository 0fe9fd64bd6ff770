// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/clock.h"
#include "core/auth/introspectionresult.h"

#include <QMutex>

#include <array>
#include <atomic>
#include <list>
#include <memory>
#include <unordered_map>

namespace Tokengate {

// How long introspection answers are remembered. Whole seconds, as Express Gateway's `ttl`.
struct CacheSettings {
    bool enabled = false;
    int ttlSecs = 60;        // 0: only the token's exp bounds an entry
    int negativeTtlSecs = 5; // inactive answers; 0: not remembered
    int staleGraceSecs = 0;  // IdP down: serve an expired-by-TTL entry this long (never past exp)
    qint64 maxEntries = 100'000;
    qint64 maxBytes = 256LL << 20;

    bool operator==(const CacheSettings &) const = default;
};

// Counters, read without locking (monotonic except size/bytes).
struct CacheStats {
    qint64 entries = 0;
    qint64 bytes = 0;
    quint64 hits = 0;
    quint64 negativeHits = 0;
    quint64 misses = 0;
    quint64 staleServed = 0;
    quint64 evictions = 0; // by LRU or size bounds; not expiry, not manual eviction
};

// Introspection answers shared by every worker thread, keyed by a SHA-256 that covers the
// introspection endpoint, our client identity and the token, never the raw token. Sharded
// maps with one short lock each, no lock held across I/O. A positive entry lives for the TTL
// but never past the token's exp; a lookup after either is a miss. Policy (scopes, audience)
// is not the cache's business: callers judge every result, cached or not.
class IntrospectionCache {
public:
    IntrospectionCache(CacheSettings settings, const Clock &clock);
    ~IntrospectionCache();

    const CacheSettings &settings() const { return m_settings; }

    static QByteArray key(QByteArrayView endpointUrl, QByteArrayView clientIdentity,
                          QByteArrayView token);

    enum class State { Absent, Fresh, Negative };
    struct Lookup {
        State state = State::Absent;
        std::shared_ptr<const IntrospectionResult> result; // set when Fresh
    };
    // Counts a hit, negative hit or miss, and refreshes the entry's LRU position.
    Lookup find(const QByteArray &key);
    // For the stale grace when the IdP cannot answer: an active entry past its TTL, still
    // inside the grace and before the token's exp. Counts staleServed when found.
    std::shared_ptr<const IntrospectionResult> findStale(const QByteArray &key);

    // `fingerprint` (8 hex chars) and the result's subject are kept for manual eviction.
    // An active result without exp when ttlSecs is 0 is not stored (nothing would bound it).
    void storeActive(const QByteArray &key, std::shared_ptr<const IntrospectionResult> result,
                     const QByteArray &fingerprint);
    void storeInactive(const QByteArray &key, const QByteArray &fingerprint);

    // Manual eviction for the GUI and the admin plane; each returns how many entries went.
    qsizetype evictFingerprint(QByteArrayView fingerprint);
    qsizetype evictSubject(const QString &subject);
    qsizetype evictAll();

    CacheStats stats() const;

private:
    struct Entry;
    struct Shard;
    static constexpr int ShardCount = 16;
    Shard &shardFor(const QByteArray &key);
    void store(const QByteArray &key, std::shared_ptr<const IntrospectionResult> result,
               const QByteArray &fingerprint, qint64 freshUntilMs, qint64 staleUntilMs);

    CacheSettings m_settings;
    const Clock &m_clock;
    std::array<std::unique_ptr<Shard>, ShardCount> m_shards;
    std::atomic<quint64> m_hits{0};
    std::atomic<quint64> m_negativeHits{0};
    std::atomic<quint64> m_misses{0};
    std::atomic<quint64> m_staleServed{0};
    std::atomic<quint64> m_evictions{0};
};

} // namespace Tokengate
