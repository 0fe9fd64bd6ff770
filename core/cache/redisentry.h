// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/cache/introspectioncache.h"
#include "core/cache/revocationlist.h"

#include <memory>
#include <optional>

namespace Tokengate {

// How introspection answers are laid out in Redis. An entry's key is the prefix and the hex of
// the local cache key (a SHA-256 over the endpoint, our client identity and the token: never
// the token); its value is JSON, {"v":1,"until":<ms>,"result":{<the IdP's claims>}}, with
// "until" the wall-clock deadline the writer computed, which readers keep. Index sets by
// fingerprint and by subject name the entries that manual eviction deletes.
struct RedisEntry {
    static QByteArray key(QByteArrayView prefix, const QByteArray &cacheKey);
    static QByteArray fingerprintIndex(QByteArrayView prefix, QByteArrayView fingerprint);
    static QByteArray subjectIndex(QByteArrayView prefix, const QString &subject);
    static QByteArray evictionChannel(QByteArrayView prefix);
    // Revocations at the gateway, one sorted set for every instance: members
    // "<kind>:<revokedAt>:<hex key>" (never a token: its SHA-256), scored by their end.
    static QByteArray revocationsKey(QByteArrayView prefix);
    static QByteArray revocationMember(const RevocationList::Entry &entry);
    static std::optional<RevocationList::Entry> revocationFromMember(QByteArrayView member,
                                                                     qint64 untilSecs);

    // When an answer is written: its deadline and the EX seconds (whole, rounded down so
    // Redis never keeps it past the deadline). nullopt: not to be kept (the key is deleted).
    struct Expiry {
        qint64 untilMs = 0;
        qint64 exSecs = 0;
    };
    static std::optional<Expiry> activeExpiry(const CacheSettings &settings,
                                              const IntrospectionResult &result, qint64 nowMs);
    static std::optional<Expiry> inactiveExpiry(const CacheSettings &settings, qint64 nowMs);

    // `result` null: the IdP said inactive.
    static QByteArray encode(const IntrospectionResult *result, qint64 untilMs);

    struct Decoded {
        std::shared_ptr<const IntrospectionResult> result; // null: inactive
        qint64 untilMs = 0;
    };
    // nullopt when the value is not ours, is past its deadline, or holds an expired token.
    static std::optional<Decoded> decode(QByteArrayView value, qint64 nowMs);
};

} // namespace Tokengate
