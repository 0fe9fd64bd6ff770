// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/cache/introspectionresult.h"

#include <QByteArray>
#include <QList>
#include <QMutex>
#include <QReadWriteLock>

#include <array>
#include <atomic>
#include <functional>
#include <optional>
#include <unordered_map>

namespace Tokengate {

// What an operator revoked at the gateway (the admin call), refused on every request until it
// would have expired anyway. The cache and local JWT validation keep vouching for such a token
// (the IdP or the signature still says yes), so the list is consulted after them, on every
// path. Workers read it under a shared lock, and not at all while it is empty.
class RevocationList {
public:
    enum class Kind { Token, Jti, Subject };
    struct Entry {
        Kind kind = Kind::Token;
        // Token: the token's SHA-256 (raw bytes, never the token); Jti and Subject: the value.
        QByteArray key;
        qint64 revokedAtSecs = 0;
        qint64 untilSecs = 0; // dropped after this; never later than revokedAt + MaxLifetimeSecs
    };
    // Enough for any incident; beyond it an attacker with the admin token could only grow
    // memory, so adding fails instead.
    static constexpr qsizetype MaxEntries = 100000;
    static constexpr qint64 MaxLifetimeSecs = 30LL * 24 * 3600;
    static constexpr qsizetype MaxKeyBytes = 1024;
    // A subject's tokens issued up to this long after the revocation are refused too: the
    // IdP's clock (iat) may run ahead of ours.
    static constexpr qint64 SubjectSkewSecs = 30;

    static QString kindName(Kind kind);
    static std::optional<Kind> kindFromName(QStringView name);

    // Adds or, for the same kind and key, replaces (the later until wins). Fails (with
    // `error`) when the list is full even after dropping expired entries, or the entry is
    // malformed. Everywhere: also told to the listener (the shared tier, which tells every
    // instance); ThisInstance: what the shared tier does with such news.
    enum class Reach { Everywhere, ThisInstance };
    bool add(const Entry &entry, qint64 nowSecs, QString *error, Reach reach = Reach::Everywhere);
    // Whether an entry of that kind and key was there (and is gone now).
    bool remove(Kind kind, const QByteArray &key, Reach reach = Reach::Everywhere);

    // Called in the changing thread after each change with Reach::Everywhere: the entry
    // added, or (`removed`) the kind and key taken back.
    using Listener = std::function<void(const Entry &entry, bool removed)>;
    void setListener(Listener listener);

    bool isEmpty() const { return m_size.load(std::memory_order_acquire) == 0; }
    // The entry that revokes the token with that SHA-256 and result, if any: by token, by its
    // jti claim, or by its subject when it was issued (iat) no later than the revocation (a
    // result without iat cannot prove it is newer, so it is refused too; SubjectSkewSecs).
    std::optional<Entry> match(QByteArrayView tokenDigest, const IntrospectionResult &result,
                               qint64 nowSecs) const;
    QList<Entry> entries(qint64 nowSecs) const;
    // Live entries of each kind (Token, Jti, Subject), without copying any.
    std::array<qsizetype, 3> counts(qint64 nowSecs) const;
    qsizetype size() const { return m_size.load(std::memory_order_acquire); }
    quint64 refusals() const { return m_refusals.load(std::memory_order_relaxed); }

private:
    struct KeyHash {
        size_t operator()(const QByteArray &k) const noexcept { return qHash(k); }
    };
    using Map = std::unordered_map<QByteArray, Entry, KeyHash>;
    Map &mapFor(Kind kind);
    const Map &mapFor(Kind kind) const;
    void dropExpired(qint64 nowSecs);
    void updateSize(); // under the write lock, after any change to the maps

    void tell(const Entry &entry, bool removed);

    mutable QReadWriteLock m_lock;
    QMutex m_listenerMutex; // changes are rare; the listener may be replaced meanwhile
    Listener m_listener;
    Map m_tokens;
    Map m_jtis;
    Map m_subjects;
    qint64 m_firstEndSecs = INT64_MAX; // the earliest untilSecs: no sweep needed before it
    // The latest untilSecs: after it nothing matches, and requests skip the lock.
    std::atomic<qint64> m_lastEndSecs{0};
    std::atomic<qsizetype> m_size{0};
    mutable std::atomic<quint64> m_refusals{0};
};

} // namespace Tokengate
