// SPDX-License-Identifier: Apache-2.0
#include "core/admin/cacheapi.h"

#include "core/admin/adminanswers.h"
#include "core/auth/jwks.h"
#include "core/cache/redisstats.h"
#include "core/observe/logging.h"
#include "core/service/gatewayservice.h"

#include <QDateTime>
#include <QJsonArray>
#include <QUrlQuery>

namespace Tokengate {

namespace {

using Status = QHttpServerResponse::StatusCode;
using EntryInfo = IntrospectionCache::EntryInfo;

const QString What = QStringLiteral("cache calls");

// Whole seconds from `nowMs` to `untilMs`, rounded towards the past: an entry shown with 0
// left is at most a second from going.
qint64 secondsLeft(qint64 untilMs, qint64 nowMs) {
    const qint64 ms = untilMs - nowMs;
    return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

QJsonObject describe(const EntryInfo &e, qint64 nowMs) {
    const bool stale = e.active && nowMs >= e.freshUntilMs;
    QJsonObject o{
        {QStringLiteral("fingerprint"), QString::fromLatin1(e.fingerprint)},
        {QStringLiteral("active"), e.active},
        {QStringLiteral("expires_in"), double(secondsLeft(e.freshUntilMs, nowMs))},
        {QStringLiteral("stale"), stale},
        {QStringLiteral("hits"), double(e.hits)},
        {QStringLiteral("source"), cacheSourceName(e.source)},
        {QStringLiteral("last_used"),
         QDateTime::fromMSecsSinceEpoch(e.lastUsedMs, Qt::UTC).toString(Qt::ISODateWithMs)},
    };
    if (e.active) {
        o.insert(QStringLiteral("subject"), e.subject);
        o.insert(QStringLiteral("client_id"), e.clientId);
        o.insert(QStringLiteral("scope"), e.scope);
        if (e.staleUntilMs > e.freshUntilMs)
            o.insert(QStringLiteral("stale_until_in"), double(secondsLeft(e.staleUntilMs, nowMs)));
    }
    return o;
}

// The query's parameters, each at most once and only those in `allowed`: a misspelt `sub`
// must not turn "evict alice" into "evict everything".
struct Query {
    QString error;
    QMap<QString, QString> values;
};

Query readQuery(const QHttpServerRequest &request, std::initializer_list<QStringView> allowed) {
    Query q;
    const auto items = request.query().queryItems(QUrl::FullyDecoded);
    for (const auto &[name, value] : items) {
        if (std::find(allowed.begin(), allowed.end(), QStringView(name)) == allowed.end()) {
            QStringList names;
            for (QStringView a : allowed)
                names << a.toString();
            q.error = QStringLiteral("unknown parameter %1 (known: %2)")
                          .arg(loggable(name, 40),
                               names.isEmpty() ? QStringLiteral("none") : names.join(u", "));
            return q;
        }
        if (q.values.contains(name)) {
            q.error = QStringLiteral("the parameter %1 is repeated").arg(name);
            return q;
        }
        if (value.isEmpty()) {
            q.error = QStringLiteral("the parameter %1 is empty").arg(name);
            return q;
        }
        q.values.insert(name, value);
    }
    return q;
}

bool isFingerprint(const QString &s) {
    return s.size() == 8 && std::all_of(s.begin(), s.end(), [](QChar c) {
               return (c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f');
           });
}

// `shared`: the Redis tier (null without one). `everywhere`: the eviction was meant for
// every instance; it reaches them only through a connected Redis, and the answer says so.
QHttpServerResponse evicted(qsizetype count, const RedisStats *shared, bool everywhere) {
    QJsonObject body{
        {QStringLiteral("evicted"), double(count)},
        {QStringLiteral("every_instance"), everywhere && shared && shared->connected()}};
    if (shared && !everywhere)
        body.insert(QStringLiteral("note"),
                    QStringLiteral("this instance's local cache only: the Redis tier keeps its "
                                   "entries, and the next requests may be answered from them"));
    else if (shared && !shared->connected())
        body.insert(QStringLiteral("note"),
                    QStringLiteral("Redis is unavailable: evicted at this instance only, and "
                                   "the Redis tier may still hold the entries"));
    return adminJson(body, Status::Ok);
}

// The cache calls take everything from the path and the query. A body is refused: sent as
// to /revocations (-d sub=alice), it would otherwise be ignored and DELETE /cache would
// evict everything.
std::optional<QHttpServerResponse> refuseBody(const QHttpServerRequest &request) {
    if (request.body().isEmpty() && request.value("Content-Type").isEmpty())
        return std::nullopt;
    return adminProblem(Status::BadRequest, "invalid_request",
                        QStringLiteral("the cache calls take no body: put sub in the query "
                                       "(/cache?sub=...) or the fingerprint in the path"));
}

} // namespace

CacheApi::CacheApi(const GatewayService &service)
    : m_service(service) {}

QHttpServerResponse CacheApi::handle(const QHttpServerRequest &request) const {
    if (auto refusal = refuseWithoutAdminToken(request, m_service.config().admin.token, What))
        return std::move(*refusal);
    if (auto refusal = refuseBody(request))
        return std::move(*refusal);
    return request.method() == QHttpServerRequest::Method::Delete ? evict(request) : list(request);
}

QHttpServerResponse CacheApi::list(const QHttpServerRequest &request) const {
    const Query query = readQuery(request, {u"sub", u"limit"});
    if (!query.error.isEmpty())
        return adminProblem(Status::BadRequest, "invalid_request", query.error);
    qsizetype limit = DefaultLimit;
    if (query.values.contains(QStringLiteral("limit"))) {
        bool ok = false;
        limit = query.values.value(QStringLiteral("limit")).toLongLong(&ok);
        if (!ok || limit < 1 || limit > MaxLimit)
            return adminProblem(
                Status::BadRequest, "invalid_request",
                QStringLiteral("limit must be a whole number from 1 to %1").arg(MaxLimit));
    }
    const IntrospectionCache *cache = m_service.cache();
    if (!cache || !cache->settings().enabled)
        return adminJson({{QStringLiteral("enabled"), false},
                          {QStringLiteral("total"), 0},
                          {QStringLiteral("entries"), QJsonArray()}},
                         Status::Ok);
    const qint64 now = m_service.clock().nowMs();
    qsizetype total = 0;
    QJsonArray entries;
    for (const EntryInfo &e :
         cache->entries(limit, query.values.value(QStringLiteral("sub")), &total))
        entries.append(describe(e, now));
    const CacheStats s = cache->stats();
    const QJsonObject stats{
        {QStringLiteral("entries"), double(s.entries)},
        {QStringLiteral("bytes"), double(s.bytes)},
        {QStringLiteral("hits"), double(s.hits)},
        {QStringLiteral("negative_hits"), double(s.negativeHits)},
        {QStringLiteral("misses"), double(s.misses)},
        {QStringLiteral("stale_served"), double(s.staleServed)},
        {QStringLiteral("evictions"), double(s.evictions)},
    };
    return adminJson({{QStringLiteral("enabled"), true},
                      {QStringLiteral("total"), double(total)},
                      {QStringLiteral("shared_tier"), m_service.redisStats() != nullptr},
                      {QStringLiteral("stats"), stats},
                      {QStringLiteral("entries"), entries}},
                     Status::Ok);
}

QHttpServerResponse CacheApi::evict(const QHttpServerRequest &request) const {
    const Query query = readQuery(request, {u"sub"});
    if (!query.error.isEmpty())
        return adminProblem(Status::BadRequest, "invalid_request", query.error);
    IntrospectionCache *cache = m_service.cache();
    if (!cache)
        return evicted(0, nullptr, false);
    if (query.values.contains(QStringLiteral("sub"))) {
        const QString subject = query.values.value(QStringLiteral("sub"));
        const qsizetype count = cache->evictSubject(subject);
        qCInfo(lcAuth).noquote() << "cache: evicted subject" << loggable(subject, 80) << "("
                                 << count << "entries here)";
        return evicted(count, m_service.redisStats(), true);
    }
    // Not told to the other instances: emptying every instance's cache at once would send
    // all their traffic to the IdP together.
    const qsizetype count = cache->evictAll();
    qCInfo(lcAuth).noquote() << "cache: emptied (" << count << "entries)";
    return evicted(count, m_service.redisStats(), false);
}

QHttpServerResponse CacheApi::evictFingerprint(const QHttpServerRequest &request,
                                               const QString &fingerprint) const {
    if (auto refusal = refuseWithoutAdminToken(request, m_service.config().admin.token, What))
        return std::move(*refusal);
    if (auto refusal = refuseBody(request))
        return std::move(*refusal);
    const Query query = readQuery(request, {});
    if (!query.error.isEmpty())
        return adminProblem(Status::BadRequest, "invalid_request", query.error);
    if (!isFingerprint(fingerprint))
        return adminProblem(Status::BadRequest, "invalid_request",
                            QStringLiteral("a fingerprint is 8 lowercase hex digits, as GET "
                                           "/cache and the access log show it"));
    IntrospectionCache *cache = m_service.cache();
    if (!cache)
        return evicted(0, nullptr, false);
    const qsizetype count = cache->evictFingerprint(fingerprint.toLatin1());
    qCInfo(lcAuth).noquote() << "cache: evicted token" << QStringLiteral("fp=") + fingerprint << "("
                             << count << "entries here)";
    return evicted(count, m_service.redisStats(), true);
}

} // namespace Tokengate
