// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/base/clock.h"
#include "core/cache/cachesettings.h"
#include "core/cache/evictionlog.h"
#include "core/cache/introspectionresult.h"

#include <QMutex>

#include <array>
#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <unordered_map>

namespace Tokengate {

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

// Where a cached answer came from, for the cache inspector.
enum class CacheSource : quint8 {
    Idp,        // the IdP's introspection answer
    SharedTier, // another instance's answer, from Redis
    LocalJwt,   // a JWT access token this gateway validated itself
};
// "idp", "redis" or "jwt", as the admin plane and the app show it.
QLatin1StringView cacheSourceName(CacheSource source);

// Introspection answers shared by every worker thread, keyed by a SHA-256 that covers the
// introspection endpoint, our client identity and the token, never the raw token. Sharded
// maps with one short lock each, no lock held across I/O. A positive entry lives for the TTL
// but never past the token's exp; a lookup after either is a miss. Policy (scopes, audience)
// is not the cache's business: callers judge every result, cached or not.
class IntrospectionCache {
public:
    // `evictions`: a log shared with the caches this one replaces; null: a log of its own.
    IntrospectionCache(CacheSettings settings, const Clock &clock,
                       std::shared_ptr<EvictionLog> evictions = {});
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

    // Until when an active answer may be served at `nowMs` under `settings` (the TTL, never
    // past exp); 0 when it may not be kept at all. The shared tier applies the same rule.
    static qint64 activeFreshUntilMs(const CacheSettings &settings,
                                     const IntrospectionResult &result, qint64 nowMs);

    // `fingerprint` (8 hex chars) and the result's subject are kept for manual eviction.
    // An active result without exp when ttlSecs is 0 is not stored (nothing would bound it).
    // `notAfterMs` caps the entry further: an answer from the shared tier keeps its deadline.
    void storeActive(const QByteArray &key, std::shared_ptr<const IntrospectionResult> result,
                     const QByteArray &fingerprint, qint64 notAfterMs = INT64_MAX,
                     CacheSource source = CacheSource::Idp);
    void storeInactive(const QByteArray &key, const QByteArray &fingerprint,
                       qint64 notAfterMs = INT64_MAX, CacheSource source = CacheSource::Idp);

    // One entry as the cache inspector (GUI, admin plane) shows it: never the token, only
    // its fingerprint.
    struct EntryInfo {
        QByteArray fingerprint; // what evictFingerprint() takes and the logs show
        bool active = false;    // false: the IdP said inactive (a negative entry)
        QString subject;
        QString clientId;
        QString scope;
        qint64 freshUntilMs = 0; // past it an active entry is only served stale
        qint64 staleUntilMs = 0; // the stale grace's end (== freshUntilMs without one)
        qint64 lastUsedMs = 0;   // stored or last answered from
        quint32 hits = 0;        // requests answered from it, stale ones included (saturates)
        CacheSource source = CacheSource::Idp;
    };
    // The live entries, most recently used first, at most `limit` of them, only `subject`'s
    // when it is not empty (each shard is locked in turn, briefly; claims are parsed after).
    // `total`, when given, gets how many entries match in all (without a subject: how many
    // are held, a few of which may have expired and not been removed yet).
    QList<EntryInfo> entries(qsizetype limit, const QString &subject = {},
                             qsizetype *total = nullptr) const;

    // Manual eviction for the GUI and the admin plane; each returns how many entries went.
    // Everywhere: also told to the eviction listener (the shared tier, which forwards it to
    // every instance); ThisInstance: only here (what the shared tier does with such news).
    enum class Reach { Everywhere, ThisInstance };
    qsizetype evictFingerprint(QByteArrayView fingerprint, Reach reach = Reach::Everywhere);
    qsizetype evictSubject(const QString &subject, Reach reach = Reach::Everywhere);
    qsizetype evictAll();

    // Called (in the evicting thread) after each manual eviction by fingerprint or subject
    // with Reach::Everywhere; one of the two arguments is empty.
    using EvictionListener =
        std::function<void(const QByteArray &fingerprint, const QString &subject)>;
    void setEvictionListener(EvictionListener listener);
    // Changes with every manual eviction: an answer fetched before one may be stale.
    quint64 evictionGeneration() const { return m_evictionLog->generation(); }
    // Every manual eviction, this cache's and those of the caches before and after it that
    // share the log.
    std::shared_ptr<const EvictionLog> evictionLog() const { return m_evictionLog; }

    CacheStats stats() const;

private:
    struct Entry;
    struct Shard;
    static constexpr int ShardCount = 16;
    Shard &shardFor(const QByteArray &key);
    void store(const QByteArray &key, std::shared_ptr<const IntrospectionResult> result,
               const QByteArray &fingerprint, qint64 freshUntilMs, qint64 staleUntilMs,
               CacheSource source);

    CacheSettings m_settings;
    const Clock &m_clock;
    std::array<std::unique_ptr<Shard>, ShardCount> m_shards;
    std::atomic<quint64> m_hits{0};
    std::atomic<quint64> m_negativeHits{0};
    std::atomic<quint64> m_misses{0};
    std::atomic<quint64> m_staleServed{0};
    std::atomic<quint64> m_evictions{0};
    std::shared_ptr<EvictionLog> m_evictionLog;
    QMutex m_listenerMutex; // evictions are rare; the listener may be replaced meanwhile
    EvictionListener m_listener;
};

} // namespace Tokengate
