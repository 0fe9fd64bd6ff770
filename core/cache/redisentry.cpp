// SPDX-License-Identifier: Apache-2.0
#include "core/cache/redisentry.h"

#include "core/base/sha256.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace Tokengate {

QByteArray RedisEntry::key(QByteArrayView prefix, const QByteArray &cacheKey) {
    return prefix.toByteArray() + cacheKey.toHex();
}

QByteArray RedisEntry::fingerprintIndex(QByteArrayView prefix, QByteArrayView fingerprint) {
    return prefix.toByteArray() + "fp:" + fingerprint.toByteArray();
}

QByteArray RedisEntry::subjectIndex(QByteArrayView prefix, const QString &subject) {
    // Hashed: a subject may be long or hold anything; the key stays short and printable.
    return prefix.toByteArray() + "sub:" + sha256(subject.toUtf8()).toHex();
}

QByteArray RedisEntry::evictionChannel(QByteArrayView prefix) {
    return prefix.toByteArray() + "evict";
}

QByteArray RedisEntry::revocationsKey(QByteArrayView prefix) {
    return prefix.toByteArray() + "revocations";
}

QByteArray RedisEntry::revocationMember(const RevocationList::Entry &entry) {
    return RevocationList::kindName(entry.kind).toLatin1() + ':' +
           QByteArray::number(entry.revokedAtSecs) + ':' + entry.key.toHex();
}

std::optional<RevocationList::Entry> RedisEntry::revocationFromMember(QByteArrayView member,
                                                                      qint64 untilSecs) {
    const QList<QByteArray> parts = member.toByteArray().split(':');
    if (parts.size() != 3)
        return std::nullopt;
    const auto kind = RevocationList::kindFromName(QString::fromLatin1(parts[0]));
    bool number = false;
    const qint64 revokedAt = parts[1].toLongLong(&number);
    const QByteArray key = QByteArray::fromHex(parts[2]);
    if (!kind || !number || key.toHex() != parts[2])
        return std::nullopt; // not ours: another writer, or another version
    return RevocationList::Entry{*kind, key, revokedAt, untilSecs};
}

namespace {

std::optional<RedisEntry::Expiry> expiryUntil(qint64 untilMs, qint64 nowMs) {
    const qint64 secs = (untilMs - nowMs) / 1000;
    if (untilMs <= nowMs || secs < 1)
        return std::nullopt; // under a second left: not worth a round trip, and EX 0 is refused
    return RedisEntry::Expiry{untilMs, secs};
}

} // namespace

std::optional<RedisEntry::Expiry> RedisEntry::activeExpiry(const CacheSettings &settings,
                                                           const IntrospectionResult &result,
                                                           qint64 nowMs) {
    if (!result.active)
        return inactiveExpiry(settings, nowMs);
    return expiryUntil(IntrospectionCache::activeFreshUntilMs(settings, result, nowMs), nowMs);
}

std::optional<RedisEntry::Expiry> RedisEntry::inactiveExpiry(const CacheSettings &settings,
                                                             qint64 nowMs) {
    if (settings.negativeTtlSecs <= 0)
        return std::nullopt;
    return expiryUntil(nowMs + qint64(settings.negativeTtlSecs) * 1000, nowMs);
}

QByteArray RedisEntry::encode(const IntrospectionResult *result, qint64 untilMs) {
    const QByteArray claims = result && result->active
                                  ? QJsonDocument(result->claims).toJson(QJsonDocument::Compact)
                                  : QByteArray(R"({"active":false})");
    return R"({"v":1,"until":)" + QByteArray::number(untilMs) + R"(,"result":)" + claims + '}';
}

std::optional<RedisEntry::Decoded> RedisEntry::decode(QByteArrayView value, qint64 nowMs) {
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(value.toByteArray(), &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return std::nullopt;
    const QJsonObject o = doc.object();
    const QJsonValue until = o.value(u"until");
    if (o.value(u"v").toInt() != 1 || !until.isDouble() || !o.value(u"result").isObject())
        return std::nullopt;
    const std::optional<qint64> untilMs = wholeNumber(until.toDouble());
    if (!untilMs || *untilMs <= nowMs)
        return std::nullopt;
    Decoded d;
    d.untilMs = *untilMs;
    const QByteArray claims =
        QJsonDocument(o.value(u"result").toObject()).toJson(QJsonDocument::Compact);
    std::optional<IntrospectionResult> r = IntrospectionResult::fromJson(claims, nullptr);
    if (!r)
        return std::nullopt;
    if (r->active) {
        // Another instance's clock, or a value written by hand: never serve an expired token.
        if (r->exp && *r->exp * 1000 <= nowMs)
            return std::nullopt;
        d.result = std::make_shared<const IntrospectionResult>(std::move(*r));
    }
    return d;
}

} // namespace Tokengate
