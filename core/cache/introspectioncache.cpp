// SPDX-License-Identifier: Apache-2.0
#include "core/cache/introspectioncache.h"

#include "core/base/sha256.h"

#include <QJsonDocument>
#include <QMutexLocker>
#include <QtEndian>

#include <algorithm>
#include <cstring>
#include <deque>
#include <optional>
#include <vector>

namespace Tokengate {

namespace {

// key() is a raw SHA-256. Held as a fixed array rather than a QByteArray: no heap block,
// no refcount, 32 bytes in place (the map and the list each hold one per entry).
using Key = std::array<char, 32>;
constexpr qsizetype FingerprintSize = 8;

// Keys are already uniformly distributed, so their first 8 bytes are as good a hash as any.
struct KeyHash {
    size_t operator()(const Key &key) const noexcept {
        size_t h = 0;
        std::memcpy(&h, key.data(), sizeof h);
        return h;
    }
};

std::optional<Key> toKey(const QByteArray &bytes) {
    if (bytes.size() != qsizetype(sizeof(Key)))
        return std::nullopt;
    Key key;
    std::memcpy(key.data(), bytes.constData(), key.size());
    return key;
}

// The shard is picked by the last key byte, the hash by the first bytes: independent bits,
// so one shard's map does not see only a fraction of its buckets used.
int shardIndex(const QByteArray &key) {
    return key.isEmpty() ? 0 : quint8(key.back()) % 16;
}

// --- What an active entry keeps ---------------------------------------------------------
// Not the parsed result: its QJsonObject of ten claims takes ~1.4 KB of heap, its compact JSON
// ~200 bytes (bench/cachememory: ~2 KB vs ~0.4 KB an entry). So an entry keeps
// [quint32 subject length][subject UTF-8][claims as compact JSON] and a hit rebuilds the
// result with IntrospectionResult::fromJson, outside the lock. The subject is up front so
// evictSubject() compares bytes instead of parsing every entry.
constexpr qsizetype SubjectLengthSize = sizeof(quint32);

bool sameResult(const IntrospectionResult &a, const IntrospectionResult &b) {
    return a.active == b.active && a.claims == b.claims && a.exp == b.exp && a.nbf == b.nbf &&
           a.iat == b.iat && a.malformedTimes == b.malformedTimes && a.subject == b.subject &&
           a.clientId == b.clientId && a.scope == b.scope && a.audiences == b.audiences;
}

// Null when the result would not come back as it went in: fromJson derives every field from
// the claims, so only a hand-built result can fail, and not caching it is always safe.
QByteArray compactForm(const IntrospectionResult &r) {
    const QByteArray json = QJsonDocument(r.claims).toJson(QJsonDocument::Compact);
    const std::optional<IntrospectionResult> back = IntrospectionResult::fromJson(json, nullptr);
    if (!back || !sameResult(*back, r))
        return {};
    const QByteArray subject = r.subject.toUtf8();
    QByteArray out;
    out.reserve(SubjectLengthSize + subject.size() + json.size()); // no slack: 1M entries
    const quint32 length = qToLittleEndian(quint32(subject.size()));
    out.append(reinterpret_cast<const char *>(&length), SubjectLengthSize);
    out.append(subject);
    out.append(json);
    return out;
}

QByteArrayView subjectPart(const QByteArray &compact) {
    quint32 length = 0;
    std::memcpy(&length, compact.constData(), SubjectLengthSize);
    return QByteArrayView(compact).sliced(SubjectLengthSize, qFromLittleEndian(length));
}

std::shared_ptr<const IntrospectionResult> rebuild(const QByteArray &compact) {
    const QByteArrayView subject = subjectPart(compact);
    std::optional<IntrospectionResult> r = IntrospectionResult::fromJson(
        QByteArrayView(compact).sliced(SubjectLengthSize + subject.size()), nullptr);
    if (!r)
        return nullptr; // not reached: compactForm() parsed the same bytes
    return std::make_shared<const IntrospectionResult>(std::move(*r));
}

// For maxBytes and stats().bytes, close to exact (bench/cachememory compares it with RSS):
// the list node (Entry + two links), the index node (key, iterator, next link), a bucket
// pointer, the compact form's heap block, and glibc's per-block overhead.
constexpr qint64 MallocOverhead = 16; // 8-byte header, 16-byte granularity
qint64 entryBytes(qint64 entrySize, const QByteArray &compact) {
    qint64 bytes = entrySize + 2 * qint64(sizeof(void *)) + MallocOverhead;
    bytes += qint64(sizeof(Key)) + 2 * qint64(sizeof(void *)) + MallocOverhead;
    bytes += qint64(sizeof(void *));
    if (!compact.isNull())
        bytes += 16 + compact.capacity() + 1 + MallocOverhead; // QArrayData header + text + NUL
    return bytes;
}

} // namespace

struct IntrospectionCache::Entry {
    Key key;
    QByteArray compact; // see compactForm(); null: the IdP said inactive
    std::array<char, FingerprintSize> fingerprint{}; // for evictFingerprint, never logged
    qint64 freshUntilMs = 0;                         // find() answers until then
    qint64 staleUntilMs = 0; // findStale() until then; == freshUntilMs without grace
    qint64 bytes = 0;        // this entry's share of stats().bytes
    qint64 lastUsedMs = 0;   // for the inspector; the LRU order is the list's
    quint32 hits = 0;
    CacheSource source = CacheSource::Idp;
    // The rebuilt result of a recently hit entry, so a hot token costs no JSON parse per hit;
    // at most HotPerShard entries of a shard hold one (see Shard::pin).
    std::shared_ptr<const IntrospectionResult> pinned;
};

namespace {

std::array<char, FingerprintSize> fingerprintBytes(QByteArrayView fingerprint) {
    std::array<char, FingerprintSize> out{};
    std::memcpy(out.data(), fingerprint.data(),
                std::min<size_t>(out.size(), size_t(fingerprint.size())));
    return out;
}

} // namespace

QLatin1StringView cacheSourceName(CacheSource source) {
    switch (source) {
    case CacheSource::SharedTier:
        return QLatin1StringView("redis");
    case CacheSource::LocalJwt:
        return QLatin1StringView("jwt");
    case CacheSource::Idp:
        break;
    }
    return QLatin1StringView("idp");
}

// One lock, one LRU list (most recent at the front) and one index into it. Every member but
// the bounds and the atomics is touched only under `mutex`; entries and bytes are atomics so
// stats() reads them without locking. Removed entries are spliced into a caller's list and
// destroyed after the lock is released, so freeing them never lengthens a critical section.
struct IntrospectionCache::Shard {
    using List = std::list<Entry>;

    QMutex mutex;
    List lru;
    std::unordered_map<Key, List::iterator, KeyHash> index;
    qint64 maxEntries = 1;
    qint64 maxBytes = 1;
    std::atomic<qint64> entries{0};
    std::atomic<qint64> bytes{0};
    static constexpr size_t HotPerShard = 128; // 2048 pinned results in all, a few MiB
    std::deque<Key> pinnedKeys;                // oldest first

    // Keeps `result` with the entry for later hits; the oldest pin goes into `unpinned` (to be
    // released outside the lock) so the pinned memory stays bounded.
    void pin(List::iterator it, std::shared_ptr<const IntrospectionResult> result,
             std::vector<std::shared_ptr<const IntrospectionResult>> &unpinned) {
        if (it->pinned)
            return;
        it->pinned = std::move(result);
        pinnedKeys.push_back(it->key);
        while (pinnedKeys.size() > HotPerShard) {
            const auto old = index.find(pinnedKeys.front());
            pinnedKeys.pop_front();
            if (old != index.end() && old->second->pinned)
                unpinned.push_back(std::move(old->second->pinned));
        }
    }

    void unlink(List::iterator it, List &removed) {
        index.erase(it->key);
        entries.fetch_sub(1, std::memory_order_relaxed);
        bytes.fetch_sub(it->bytes, std::memory_order_relaxed);
        removed.splice(removed.end(), lru, it);
    }

    // `node` holds exactly one entry, allocated by the caller outside the lock.
    void link(List &node) {
        lru.splice(lru.begin(), node);
        index.emplace(lru.front().key, lru.begin());
        entries.fetch_add(1, std::memory_order_relaxed);
        bytes.fetch_add(lru.front().bytes, std::memory_order_relaxed);
    }

    template<typename Pred> qsizetype unlinkIf(Pred matches, List &removed) {
        qsizetype count = 0;
        for (auto it = lru.begin(); it != lru.end();) {
            const auto next = std::next(it);
            if (matches(*it)) {
                unlink(it, removed);
                ++count;
            }
            it = next;
        }
        return count;
    }
};

IntrospectionCache::IntrospectionCache(CacheSettings settings, const Clock &clock,
                                       std::shared_ptr<EvictionLog> evictions)
    : m_settings(settings)
    , m_clock(clock)
    , m_evictionLog(evictions ? std::move(evictions) : std::make_shared<EvictionLog>()) {
    // Split evenly, rounding down so the totals never exceed the configured bounds; at least
    // one entry per shard so a tiny bound still caches something.
    for (auto &shard : m_shards) {
        shard = std::make_unique<Shard>();
        shard->maxEntries = std::max<qint64>(1, m_settings.maxEntries / ShardCount);
        shard->maxBytes = std::max<qint64>(1, m_settings.maxBytes / ShardCount);
    }
}

IntrospectionCache::~IntrospectionCache() = default;

QByteArray IntrospectionCache::key(QByteArrayView endpointUrl, QByteArrayView clientIdentity,
                                   QByteArrayView token) {
    // Each field is preceded by its length, so no two field splits hash the same bytes.
    QByteArray input;
    input.reserve(3 * 8 + endpointUrl.size() + clientIdentity.size() + token.size());
    for (QByteArrayView field : {endpointUrl, clientIdentity, token}) {
        const quint64 length = qToBigEndian(quint64(field.size()));
        input.append(reinterpret_cast<const char *>(&length), sizeof length);
        input.append(field);
    }
    return sha256(input);
}

IntrospectionCache::Shard &IntrospectionCache::shardFor(const QByteArray &key) {
    static_assert(ShardCount == 16, "shardIndex() picks one of 16 shards");
    return *m_shards[shardIndex(key)];
}

IntrospectionCache::Lookup IntrospectionCache::find(const QByteArray &key) {
    const std::optional<Key> k = toKey(key);
    if (!k) {
        m_misses.fetch_add(1, std::memory_order_relaxed);
        return {};
    }
    const qint64 now = m_clock.nowMs();
    Shard &shard = shardFor(key);
    Shard::List removed;
    State state = State::Absent;
    QByteArray compact; // shares the entry's bytes; parsed after the lock is released
    std::shared_ptr<const IntrospectionResult> pinned;
    {
        QMutexLocker lock(&shard.mutex);
        const auto found = shard.index.find(*k);
        if (found != shard.index.end()) {
            const auto it = found->second;
            if (now >= it->freshUntilMs) {
                // Past its TTL: an active entry stays while findStale() may still serve it.
                if (it->compact.isNull() || now >= it->staleUntilMs)
                    shard.unlink(it, removed);
            } else {
                shard.lru.splice(shard.lru.begin(), shard.lru, it);
                it->hits += it->hits != UINT32_MAX; // saturates: a hot token lives long
                it->lastUsedMs = now;
                state = it->compact.isNull() ? State::Negative : State::Fresh;
                compact = it->compact;
                pinned = it->pinned;
            }
        }
    }
    Lookup lookup;
    lookup.state = state;
    if (state == State::Fresh && pinned) {
        lookup.result = std::move(pinned);
    } else if (state == State::Fresh) {
        lookup.result = rebuild(compact);
        if (!lookup.result) {
            lookup.state = State::Absent;
        } else {
            std::vector<std::shared_ptr<const IntrospectionResult>> unpinned;
            QMutexLocker lock(&shard.mutex);
            const auto found = shard.index.find(*k);
            // Pinned only if the entry is still the one the result was built from.
            if (found != shard.index.end() &&
                found->second->compact.constData() == compact.constData())
                shard.pin(found->second, lookup.result, unpinned);
        }
    }
    switch (lookup.state) {
    case State::Fresh:
        m_hits.fetch_add(1, std::memory_order_relaxed);
        break;
    case State::Negative:
        m_negativeHits.fetch_add(1, std::memory_order_relaxed);
        break;
    case State::Absent:
        m_misses.fetch_add(1, std::memory_order_relaxed);
        break;
    }
    return lookup;
}

std::shared_ptr<const IntrospectionResult> IntrospectionCache::findStale(const QByteArray &key) {
    const std::optional<Key> k = toKey(key);
    if (!k)
        return nullptr;
    const qint64 now = m_clock.nowMs();
    Shard &shard = shardFor(key);
    QByteArray compact;
    {
        QMutexLocker lock(&shard.mutex);
        const auto found = shard.index.find(*k);
        // staleUntil is capped at exp when stored, so this never serves an expired token.
        if (found != shard.index.end() && !found->second->compact.isNull() &&
            now < found->second->staleUntilMs) {
            shard.lru.splice(shard.lru.begin(), shard.lru, found->second);
            found->second->hits += found->second->hits != UINT32_MAX;
            found->second->lastUsedMs = now;
            compact = found->second->compact;
        }
    }
    std::shared_ptr<const IntrospectionResult> result =
        compact.isNull() ? nullptr : rebuild(compact);
    if (result)
        m_staleServed.fetch_add(1, std::memory_order_relaxed);
    return result;
}

qint64 IntrospectionCache::activeFreshUntilMs(const CacheSettings &settings,
                                              const IntrospectionResult &result, qint64 nowMs) {
    const std::optional<qint64> expMs =
        result.exp ? std::optional<qint64>(*result.exp * 1000) : std::nullopt;
    if (settings.ttlSecs > 0)
        return std::min(nowMs + qint64(settings.ttlSecs) * 1000, expMs.value_or(INT64_MAX));
    return expMs.value_or(0); // 0: nothing bounds it
}

void IntrospectionCache::storeActive(const QByteArray &key,
                                     std::shared_ptr<const IntrospectionResult> result,
                                     const QByteArray &fingerprint, qint64 notAfterMs,
                                     CacheSource source) {
    if (!m_settings.enabled)
        return;
    if (!result || !result->active) {
        // Never let an inactive answer become a Fresh hit, whatever the caller passed.
        storeInactive(key, fingerprint, notAfterMs, source);
        return;
    }
    const qint64 now = m_clock.nowMs();
    const std::optional<qint64> expMs =
        result->exp ? std::optional<qint64>(*result->exp * 1000) : std::nullopt;
    // 0: nothing bounds it; store() then only drops the old answer
    const qint64 freshUntil = std::min(activeFreshUntilMs(m_settings, *result, now), notAfterMs);
    qint64 staleUntil = freshUntil + qint64(std::max(0, m_settings.staleGraceSecs)) * 1000;
    if (expMs)
        staleUntil = std::min(staleUntil, *expMs);
    store(key, std::move(result), fingerprint, freshUntil, staleUntil, source);
}

void IntrospectionCache::storeInactive(const QByteArray &key, const QByteArray &fingerprint,
                                       qint64 notAfterMs, CacheSource source) {
    if (!m_settings.enabled)
        return;
    // With negativeTtlSecs 0 this still reaches store(): it must drop an older active answer
    // for the token, or a revoked token could be served from the stale grace.
    const qint64 until =
        m_settings.negativeTtlSecs > 0
            ? std::min(m_clock.nowMs() + qint64(m_settings.negativeTtlSecs) * 1000, notAfterMs)
            : 0;
    store(key, nullptr, fingerprint, until, until, source);
}

// The newest answer for a key always replaces the old one; an answer that cannot be kept
// (already expired, unbounded, not cached by policy, larger than a shard) still removes it.
void IntrospectionCache::store(const QByteArray &key,
                               std::shared_ptr<const IntrospectionResult> result,
                               const QByteArray &fingerprint, qint64 freshUntilMs,
                               qint64 staleUntilMs, CacheSource source) {
    const std::optional<Key> k = toKey(key);
    if (!k)
        return;
    // Build, size and allocate the entry before taking the lock.
    const qint64 now = m_clock.nowMs();
    bool keep = freshUntilMs > now;
    QByteArray compact;
    if (keep && result) {
        compact = compactForm(*result);
        keep = !compact.isNull();
    }
    Shard &shard = shardFor(key);
    Shard::List node;
    if (keep) {
        Entry &e = node.emplace_back();
        e.key = *k;
        e.fingerprint = fingerprintBytes(fingerprint);
        e.freshUntilMs = freshUntilMs;
        e.staleUntilMs = staleUntilMs;
        e.lastUsedMs = now;
        e.source = source;
        e.bytes = entryBytes(sizeof(Entry), compact);
        e.compact = std::move(compact);
    }
    Shard::List removed;
    quint64 evicted = 0;
    {
        QMutexLocker lock(&shard.mutex);
        if (const auto old = shard.index.find(*k); old != shard.index.end())
            shard.unlink(old->second, removed);
        if (keep && node.front().bytes <= shard.maxBytes) {
            while (!shard.lru.empty() &&
                   (shard.entries.load(std::memory_order_relaxed) + 1 > shard.maxEntries ||
                    shard.bytes.load(std::memory_order_relaxed) + node.front().bytes >
                        shard.maxBytes)) {
                shard.unlink(std::prev(shard.lru.end()), removed);
                ++evicted;
            }
            shard.link(node);
        }
    }
    if (evicted)
        m_evictions.fetch_add(evicted, std::memory_order_relaxed);
}

void IntrospectionCache::setEvictionListener(EvictionListener listener) {
    QMutexLocker lock(&m_listenerMutex);
    m_listener = std::move(listener);
}

qsizetype IntrospectionCache::evictFingerprint(QByteArrayView fingerprint, Reach reach) {
    if (fingerprint.isEmpty())
        return 0;
    m_evictionLog->record(fingerprint.toByteArray(), {});
    if (reach == Reach::Everywhere) {
        QMutexLocker lock(&m_listenerMutex);
        if (m_listener)
            m_listener(fingerprint.toByteArray(), {});
    }
    const auto wanted = fingerprintBytes(fingerprint);
    qsizetype count = 0;
    for (auto &shard : m_shards) {
        Shard::List removed;
        QMutexLocker lock(&shard->mutex);
        count += shard->unlinkIf([&](const Entry &e) { return e.fingerprint == wanted; }, removed);
        lock.unlock();
    }
    return count;
}

qsizetype IntrospectionCache::evictSubject(const QString &subject, Reach reach) {
    // An empty subject would match every answer without `sub`: not what an operator means.
    if (subject.isEmpty())
        return 0;
    m_evictionLog->record({}, subject);
    if (reach == Reach::Everywhere) {
        QMutexLocker lock(&m_listenerMutex);
        if (m_listener)
            m_listener({}, subject);
    }
    const QByteArray utf8 = subject.toUtf8();
    qsizetype count = 0;
    for (auto &shard : m_shards) {
        Shard::List removed;
        QMutexLocker lock(&shard->mutex);
        count += shard->unlinkIf(
            [&](const Entry &e) { return !e.compact.isNull() && subjectPart(e.compact) == utf8; },
            removed);
        lock.unlock();
    }
    return count;
}

qsizetype IntrospectionCache::evictAll() {
    m_evictionLog->record({}, {});
    qsizetype count = 0;
    for (auto &shard : m_shards) {
        Shard::List removed;
        decltype(shard->index) index;
        QMutexLocker lock(&shard->mutex);
        count += qsizetype(shard->lru.size());
        removed.splice(removed.end(), shard->lru);
        index.swap(shard->index);
        shard->entries.store(0, std::memory_order_relaxed);
        shard->bytes.store(0, std::memory_order_relaxed);
        lock.unlock();
    }
    return count;
}

QList<IntrospectionCache::EntryInfo>
IntrospectionCache::entries(qsizetype limit, const QString &subject, qsizetype *total) const {
    struct Raw {
        std::array<char, FingerprintSize> fingerprint;
        bool active;
        qint64 freshUntilMs, staleUntilMs, lastUsedMs;
        quint32 hits;
        CacheSource source;
        QByteArray compact; // shares the entry's bytes; parsed after the locks
    };
    const qint64 now = m_clock.nowMs();
    limit = std::max<qsizetype>(0, limit);
    const QByteArray wantedSubject = subject.toUtf8();
    std::vector<Raw> raw;
    raw.reserve(size_t(std::min<qsizetype>(limit, 1024)) * 2);
    qsizetype live = 0;
    for (const auto &shard : m_shards) {
        QMutexLocker lock(&shard->mutex);
        qsizetype taken = 0;
        qsizetype visited = 0;
        // Most recently used first within a shard, so its first `limit` live entries are
        // all it can contribute to the overall first `limit`.
        for (const Entry &e : shard->lru) {
            if (subject.isEmpty() && taken >= limit)
                break; // the rest is counted below, without walking it under the lock
            ++visited;
            const bool alive = e.compact.isNull() ? now < e.freshUntilMs : now < e.staleUntilMs;
            if (!alive || (!subject.isEmpty() &&
                           (e.compact.isNull() || subjectPart(e.compact) != wantedSubject)))
                continue;
            ++live;
            if (taken >= limit)
                continue;
            ++taken;
            raw.push_back({e.fingerprint, !e.compact.isNull(), e.freshUntilMs, e.staleUntilMs,
                           e.lastUsedMs, e.hits, e.source, e.compact});
        }
        // Entries past their time still count until a lookup or a store removes them.
        if (subject.isEmpty())
            live += qsizetype(shard->lru.size()) - visited;
    }
    std::stable_sort(raw.begin(), raw.end(),
                     [](const Raw &a, const Raw &b) { return a.lastUsedMs > b.lastUsedMs; });
    if (qsizetype(raw.size()) > limit)
        raw.resize(size_t(limit));
    QList<EntryInfo> out;
    out.reserve(qsizetype(raw.size()));
    for (const Raw &r : raw) {
        EntryInfo &info = out.emplace_back();
        info.fingerprint = QByteArray(r.fingerprint.data(), FingerprintSize);
        info.active = r.active;
        info.freshUntilMs = r.freshUntilMs;
        info.staleUntilMs = r.staleUntilMs;
        info.lastUsedMs = r.lastUsedMs;
        info.hits = r.hits;
        info.source = r.source;
        if (!r.compact.isNull()) {
            if (const auto result = rebuild(r.compact)) {
                info.subject = result->subject;
                info.clientId = result->clientId;
                info.scope = result->scope;
            }
        }
    }
    if (total)
        *total = live;
    return out;
}

CacheStats IntrospectionCache::stats() const {
    CacheStats s;
    for (const auto &shard : m_shards) {
        s.entries += shard->entries.load(std::memory_order_relaxed);
        s.bytes += shard->bytes.load(std::memory_order_relaxed);
    }
    s.hits = m_hits.load(std::memory_order_relaxed);
    s.negativeHits = m_negativeHits.load(std::memory_order_relaxed);
    s.misses = m_misses.load(std::memory_order_relaxed);
    s.staleServed = m_staleServed.load(std::memory_order_relaxed);
    s.evictions = m_evictions.load(std::memory_order_relaxed);
    return s;
}

} // namespace Tokengate
