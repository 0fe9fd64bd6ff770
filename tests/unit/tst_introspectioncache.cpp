// SPDX-License-Identifier: Apache-2.0
// IntrospectionCache: keys, TTL/exp boundaries to the millisecond, negative and stale answers,
// LRU and byte bounds, manual eviction, counters, and a multi-threaded smoke run.
#include "core/cache/introspectioncache.h"
#include "tests/support/manualclock.h"

#include <QJsonDocument>
#include <QTest>
#include <QThread>

#include <optional>

using namespace Tokengate;

namespace {

constexpr qint64 Start = 1'800'000'000'000; // ManualClock's default, a whole second
constexpr qint64 StartSecs = Start / 1000;

QByteArray keyFor(int i) {
    return IntrospectionCache::key("https://idp.example.com/introspect", "gateway",
                                   QByteArray(QByteArray("token-") + QByteArray::number(i)));
}

// Mirrors the cache's shard choice (last key byte, 16 shards) so tests can put keys in one
// shard on purpose; if the cache changes it, the LRU tests fail rather than pass vacuously.
int shardOf(const QByteArray &key) {
    return quint8(key.back()) % 16;
}

// `count` distinct keys that all land in the shard of keyFor(0).
QList<QByteArray> keysInOneShard(int count) {
    QList<QByteArray> keys;
    const int shard = shardOf(keyFor(0));
    for (int i = 0; keys.size() < count; ++i) {
        if (shardOf(keyFor(i)) == shard)
            keys << keyFor(i);
    }
    return keys;
}

std::shared_ptr<const IntrospectionResult> parsed(const QByteArray &json) {
    QString error;
    std::optional<IntrospectionResult> r = IntrospectionResult::fromJson(json, &error);
    if (!r)
        qFatal("test JSON does not parse: %s", qPrintable(error));
    return std::make_shared<const IntrospectionResult>(std::move(*r));
}

// An active answer as the IdP client makes it: parsed from JSON.
std::shared_ptr<const IntrospectionResult> active(std::optional<qint64> expSecs,
                                                  const QString &subject = QStringLiteral("alice"),
                                                  qsizetype claimsPadding = 0) {
    QJsonObject claims{{QStringLiteral("active"), true}, {QStringLiteral("sub"), subject}};
    if (expSecs)
        claims.insert(QStringLiteral("exp"), *expSecs);
    if (claimsPadding)
        claims.insert(QStringLiteral("pad"), QString(claimsPadding, QLatin1Char('x')));
    return parsed(QJsonDocument(claims).toJson(QJsonDocument::Compact));
}

std::optional<qint64> expAt(std::optional<qint64> offsetSecs) {
    return offsetSecs ? std::optional<qint64>(StartSecs + *offsetSecs) : std::nullopt;
}

// Every field, since a hit rebuilds the result rather than handing back the stored object.
void compareResults(const IntrospectionResult &actual, const IntrospectionResult &expected) {
    QCOMPARE(actual.active, expected.active);
    QCOMPARE(actual.claims, expected.claims);
    QCOMPARE(actual.exp, expected.exp);
    QCOMPARE(actual.nbf, expected.nbf);
    QCOMPARE(actual.iat, expected.iat);
    QCOMPARE(actual.malformedTimes, expected.malformedTimes);
    QCOMPARE(actual.subject, expected.subject);
    QCOMPARE(actual.clientId, expected.clientId);
    QCOMPARE(actual.scope, expected.scope);
    QCOMPARE(actual.audiences, expected.audiences);
}

CacheSettings enabled(int ttl = 60, int negativeTtl = 5, int grace = 0) {
    CacheSettings s;
    s.enabled = true;
    s.ttlSecs = ttl;
    s.negativeTtlSecs = negativeTtl;
    s.staleGraceSecs = grace;
    return s;
}

const QByteArray Fp = QByteArray("0a1b2c3d");

} // namespace

class TestIntrospectionCache : public QObject {
    Q_OBJECT

private slots:
    void keyCoversEveryFieldWithLengthPrefixes_data() {
        QTest::addColumn<QByteArray>("endpoint1");
        QTest::addColumn<QByteArray>("client1");
        QTest::addColumn<QByteArray>("token1");
        QTest::addColumn<QByteArray>("endpoint2");
        QTest::addColumn<QByteArray>("client2");
        QTest::addColumn<QByteArray>("token2");
        QTest::addColumn<bool>("same");

        const QByteArray e("https://idp/introspect"), c("gw"), t("tok");
        QTest::newRow("identical") << e << c << t << e << c << t << true;
        QTest::newRow("endpoint differs")
            << e << c << t << QByteArray("https://other/introspect") << c << t << false;
        QTest::newRow("client differs") << e << c << t << e << QByteArray("gw2") << t << false;
        QTest::newRow("token differs") << e << c << t << e << c << QByteArray("tok2") << false;
        QTest::newRow("split endpoint|client") << QByteArray("ab") << QByteArray("c") << t
                                               << QByteArray("a") << QByteArray("bc") << t << false;
        QTest::newRow("split client|token") << e << QByteArray("ab") << QByteArray("c") << e
                                            << QByteArray("a") << QByteArray("bc") << false;
        QTest::newRow("empty field moves")
            << e << QByteArray() << t << e << t << QByteArray() << false;
    }
    void keyCoversEveryFieldWithLengthPrefixes() {
        QFETCH(QByteArray, endpoint1);
        QFETCH(QByteArray, client1);
        QFETCH(QByteArray, token1);
        QFETCH(QByteArray, endpoint2);
        QFETCH(QByteArray, client2);
        QFETCH(QByteArray, token2);
        QFETCH(bool, same);

        const QByteArray a = IntrospectionCache::key(endpoint1, client1, token1);
        const QByteArray b = IntrospectionCache::key(endpoint2, client2, token2);
        QCOMPARE(a.size(), 32);
        QCOMPARE(b.size(), 32);
        QCOMPARE(a == b, same);
        QVERIFY(!a.contains(token1)); // raw digest, never the token
    }

    void activeLifetime_data() {
        QTest::addColumn<int>("ttl");
        QTest::addColumn<std::optional<qint64>>("expOffsetSecs");
        QTest::addColumn<qint64>("probeMs");
        QTest::addColumn<bool>("fresh");

        const std::optional<qint64> noExp;
        const std::optional<qint64> farExp = 3600;
        QTest::newRow("ttl 60, fresh at +59.999 s") << 60 << noExp << qint64(59'999) << true;
        QTest::newRow("ttl 60, absent at +60 s") << 60 << noExp << qint64(60'000) << false;
        QTest::newRow("ttl 60 under far exp, absent at +60 s")
            << 60 << farExp << qint64(60'000) << false;
        QTest::newRow("exp caps ttl, fresh 1 ms before exp")
            << 60 << std::optional<qint64>(30) << qint64(29'999) << true;
        QTest::newRow("exp caps ttl, absent at exp")
            << 60 << std::optional<qint64>(30) << qint64(30'000) << false;
        QTest::newRow("ttl 0, fresh 1 ms before exp")
            << 0 << std::optional<qint64>(7200) << qint64(7'199'999) << true;
        QTest::newRow("ttl 0, absent at exp")
            << 0 << std::optional<qint64>(7200) << qint64(7'200'000) << false;
        QTest::newRow("ttl 0 without exp, not stored") << 0 << noExp << qint64(0) << false;
        QTest::newRow("exp now, not stored")
            << 60 << std::optional<qint64>(0) << qint64(0) << false;
        QTest::newRow("exp passed, not stored")
            << 60 << std::optional<qint64>(-1) << qint64(0) << false;
    }
    void activeLifetime() {
        QFETCH(int, ttl);
        QFETCH(std::optional<qint64>, expOffsetSecs);
        QFETCH(qint64, probeMs);
        QFETCH(bool, fresh);

        ManualClock clock(Start);
        IntrospectionCache cache(enabled(ttl), clock);
        const auto result = active(expAt(expOffsetSecs));
        cache.storeActive(keyFor(1), result, Fp);
        clock.setMs(Start + probeMs);

        const IntrospectionCache::Lookup hit = cache.find(keyFor(1));
        QCOMPARE(hit.state,
                 fresh ? IntrospectionCache::State::Fresh : IntrospectionCache::State::Absent);
        QCOMPARE(hit.result != nullptr, fresh);
        if (fresh)
            compareResults(*hit.result, *result);
        QCOMPARE(cache.find(keyFor(2)).state, IntrospectionCache::State::Absent);
    }

    void disabledCacheStoresNothing() {
        ManualClock clock(Start);
        CacheSettings settings = enabled();
        settings.enabled = false;
        IntrospectionCache cache(settings, clock);
        cache.storeActive(keyFor(1), active(StartSecs + 3600), Fp);
        cache.storeInactive(keyFor(2), Fp);
        QCOMPARE(cache.find(keyFor(1)).state, IntrospectionCache::State::Absent);
        QCOMPARE(cache.find(keyFor(2)).state, IntrospectionCache::State::Absent);
        QCOMPARE(cache.stats().entries, 0);
    }

    // A hot entry keeps its rebuilt result: later hits share it instead of parsing again.
    // Only the most recently pinned 128 per shard keep theirs, so memory stays bounded.
    void hotEntriesShareTheirResult() {
        ManualClock clock(Start);
        IntrospectionCache cache(enabled(), clock);
        const QList<QByteArray> keys = keysInOneShard(130);
        for (const QByteArray &k : keys)
            cache.storeActive(k, active(StartSecs + 3600), Fp);
        const auto first = cache.find(keys[0]).result;
        QVERIFY(first);
        QCOMPARE(cache.find(keys[0]).result.get(), first.get());
        for (qsizetype i = 1; i < keys.size(); ++i)
            QVERIFY(cache.find(keys[i]).result); // pins 129 more: keys[0]'s pin goes
        const auto again = cache.find(keys[0]).result;
        QVERIFY(again.get() != first.get());
        compareResults(*again, *first);
    }

    // Entries hold compact JSON, not the parsed object; a hit must give back the same answer.
    void resultComesBackUnchanged_data() {
        QTest::addColumn<QByteArray>("json");

        QTest::newRow("typical") << QByteArray(
            "{\"active\":true,\"sub\":\"user-1\",\"client_id\":\"web\",\"scope\":\"read write\","
            "\"exp\":1800003600,\"iat\":1800000000,\"iss\":\"https://"
            "idp\",\"aud\":[\"api\",\"b\"]}");
        QTest::newRow("non-ASCII subject, aud string") << QByteArray(
            "{\"active\":true,\"sub\":\"J\\u00fcrgen \\ud83d\\ude00\",\"aud\":\"api\"}");
        QTest::newRow("fractional exp, nbf")
            << QByteArray("{\"active\":true,\"exp\":1800003600.75,\"nbf\":1799999999.5}");
        QTest::newRow("malformed time stays malformed")
            << QByteArray("{\"active\":true,\"nbf\":\"soon\",\"exp\":1800003600}");
        QTest::newRow("nested and odd claims") << QByteArray(
            "{\"active\":true,\"cnf\":{\"x5t#S256\":\"abc\"},\"n\":null,\"big\":9007199254740993,"
            "\"f\":0.1,\"e\":\"\",\"list\":[1,\"two\",{\"three\":3}]}");
    }
    void resultComesBackUnchanged() {
        QFETCH(QByteArray, json);

        ManualClock clock(Start);
        IntrospectionCache cache(enabled(), clock);
        const auto result = parsed(json);
        cache.storeActive(keyFor(1), result, Fp);
        const IntrospectionCache::Lookup hit = cache.find(keyFor(1));
        QCOMPARE(hit.state, IntrospectionCache::State::Fresh);
        compareResults(*hit.result, *result);
    }

    // A result whose fields disagree with its claims cannot be rebuilt from them: not cached.
    void handBuiltResultIsNotCached() {
        ManualClock clock(Start);
        IntrospectionCache cache(enabled(), clock);
        auto r = std::make_shared<IntrospectionResult>(*active(StartSecs + 3600));
        r->subject = QStringLiteral("someone-else");
        cache.storeActive(keyFor(1), r, Fp);
        QCOMPARE(cache.find(keyFor(1)).state, IntrospectionCache::State::Absent);
        QCOMPARE(cache.stats().entries, 0);
    }

    void negativeLifetime_data() {
        QTest::addColumn<int>("negativeTtl");
        QTest::addColumn<qint64>("probeMs");
        QTest::addColumn<IntrospectionCache::State>("state");

        using S = IntrospectionCache::State;
        QTest::newRow("at once") << 5 << qint64(0) << S::Negative;
        QTest::newRow("+4.999 s") << 5 << qint64(4'999) << S::Negative;
        QTest::newRow("+5 s") << 5 << qint64(5'000) << S::Absent;
        QTest::newRow("negative ttl 0, not stored") << 0 << qint64(0) << S::Absent;
    }
    void negativeLifetime() {
        QFETCH(int, negativeTtl);
        QFETCH(qint64, probeMs);
        QFETCH(IntrospectionCache::State, state);

        ManualClock clock(Start);
        IntrospectionCache cache(enabled(60, negativeTtl, 30), clock);
        cache.storeInactive(keyFor(1), Fp);
        clock.setMs(Start + probeMs);
        const IntrospectionCache::Lookup hit = cache.find(keyFor(1));
        QCOMPARE(hit.state, state);
        QCOMPARE(hit.result, nullptr);
        QCOMPARE(cache.findStale(keyFor(1)), nullptr); // never serves an inactive answer
    }

    void staleGrace_data() {
        QTest::addColumn<int>("ttl");
        QTest::addColumn<int>("grace");
        QTest::addColumn<std::optional<qint64>>("expOffsetSecs");
        QTest::addColumn<qint64>("probeMs");
        QTest::addColumn<bool>("served");

        const std::optional<qint64> noExp;
        QTest::newRow("grace off, while fresh") << 60 << 0 << noExp << qint64(59'999) << true;
        QTest::newRow("grace off, right after ttl") << 60 << 0 << noExp << qint64(60'000) << false;
        QTest::newRow("grace 30, 1 ms before ttl+grace")
            << 60 << 30 << noExp << qint64(89'999) << true;
        QTest::newRow("grace 30, at ttl+grace") << 60 << 30 << noExp << qint64(90'000) << false;
        QTest::newRow("grace capped by exp, 1 ms before exp")
            << 60 << 300 << std::optional<qint64>(100) << qint64(99'999) << true;
        QTest::newRow("grace capped by exp, at exp")
            << 60 << 300 << std::optional<qint64>(100) << qint64(100'000) << false;
        QTest::newRow("ttl 0: grace ends at exp")
            << 0 << 30 << std::optional<qint64>(100) << qint64(100'000) << false;
    }
    void staleGrace() {
        QFETCH(int, ttl);
        QFETCH(int, grace);
        QFETCH(std::optional<qint64>, expOffsetSecs);
        QFETCH(qint64, probeMs);
        QFETCH(bool, served);

        ManualClock clock(Start);
        IntrospectionCache cache(enabled(ttl, 5, grace), clock);
        const auto result = active(expAt(expOffsetSecs));
        cache.storeActive(keyFor(1), result, Fp);
        clock.setMs(Start + probeMs);

        // A normal lookup past the TTL is a miss even inside the grace, and must not drop the
        // entry the grace may still serve.
        const bool pastTtl = probeMs >= qint64(ttl) * 1000 && ttl > 0;
        if (pastTtl)
            QCOMPARE(cache.find(keyFor(1)).state, IntrospectionCache::State::Absent);
        const auto stale = cache.findStale(keyFor(1));
        QCOMPARE(stale != nullptr, served);
        if (served)
            compareResults(*stale, *result);
        QCOMPARE(cache.stats().staleServed, served ? 1u : 0u);
    }

    // The newest answer for a token wins, even one the cache will not keep: otherwise a
    // revoked token's old active entry could be served from the stale grace.
    void newerAnswerReplacesOlder_data() {
        QTest::addColumn<QString>("second");
        QTest::addColumn<int>("negativeTtl");
        QTest::addColumn<IntrospectionCache::State>("state");
        QTest::addColumn<bool>("staleServed");

        using S = IntrospectionCache::State;
        QTest::newRow("inactive, remembered")
            << QStringLiteral("inactive") << 5 << S::Negative << false;
        QTest::newRow("inactive, not remembered")
            << QStringLiteral("inactive") << 0 << S::Absent << false;
        QTest::newRow("active, already expired")
            << QStringLiteral("expired") << 5 << S::Absent << false;
        QTest::newRow("active, fresh") << QStringLiteral("fresh") << 5 << S::Fresh << true;
    }
    void newerAnswerReplacesOlder() {
        QFETCH(QString, second);
        QFETCH(int, negativeTtl);
        QFETCH(IntrospectionCache::State, state);
        QFETCH(bool, staleServed);

        ManualClock clock(Start);
        IntrospectionCache cache(enabled(60, negativeTtl, 600), clock);
        cache.storeActive(keyFor(1), active(StartSecs + 3600, QStringLiteral("old")), Fp);
        if (second == QStringLiteral("inactive"))
            cache.storeInactive(keyFor(1), Fp);
        else if (second == QStringLiteral("expired"))
            cache.storeActive(keyFor(1), active(StartSecs - 1), Fp);
        else
            cache.storeActive(keyFor(1), active(StartSecs + 3600, QStringLiteral("new")), Fp);

        const IntrospectionCache::Lookup hit = cache.find(keyFor(1));
        QCOMPARE(hit.state, state);
        if (state == IntrospectionCache::State::Fresh)
            QCOMPARE(hit.result->subject, QStringLiteral("new"));
        QCOMPARE(cache.findStale(keyFor(1)) != nullptr, staleServed);
        QCOMPARE(cache.stats().entries, state == IntrospectionCache::State::Absent ? 0 : 1);
    }

    // maxEntries 32 over 16 shards: two entries per shard.
    void lruEvictsLeastRecentlyUsed_data() {
        QTest::addColumn<bool>("touchFirst");
        QTest::addColumn<int>("evicted");

        QTest::newRow("untouched: oldest goes") << false << 0;
        QTest::newRow("find() refreshes: second goes") << true << 1;
    }
    void lruEvictsLeastRecentlyUsed() {
        QFETCH(bool, touchFirst);
        QFETCH(int, evicted);

        ManualClock clock(Start);
        CacheSettings settings = enabled();
        settings.maxEntries = 32;
        IntrospectionCache cache(settings, clock);
        const QList<QByteArray> keys = keysInOneShard(3);
        QByteArray elsewhere;
        for (int i = 0; elsewhere.isEmpty(); ++i) {
            if (shardOf(keyFor(i)) != shardOf(keys[0]))
                elsewhere = keyFor(i);
        }

        const auto result = active(StartSecs + 3600);
        cache.storeActive(elsewhere, result, Fp);
        cache.storeActive(keys[0], result, Fp);
        cache.storeActive(keys[1], result, Fp);
        if (touchFirst)
            QCOMPARE(cache.find(keys[0]).state, IntrospectionCache::State::Fresh);
        cache.storeActive(keys[2], result, Fp);

        QCOMPARE(cache.stats().evictions, 1u);
        QCOMPARE(cache.stats().entries, 3);
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(cache.find(keys[i]).state, i == evicted ? IntrospectionCache::State::Absent
                                                             : IntrospectionCache::State::Fresh);
        }
        QCOMPARE(cache.find(elsewhere).state, IntrospectionCache::State::Fresh);
    }

    void maxBytesBoundsEveryShard() {
        ManualClock clock(Start);
        CacheSettings settings = enabled();
        settings.maxBytes = 16 * 4096; // 4 KiB a shard
        IntrospectionCache cache(settings, clock);

        cache.storeActive(keyFor(0), active(StartSecs + 3600), Fp);
        const qint64 oneEntry = cache.stats().bytes;
        QVERIFY2(oneEntry > 150 && oneEntry < 1024, QByteArray::number(oneEntry).constData());

        for (int i = 1; i < 400; ++i)
            cache.storeActive(keyFor(i), active(StartSecs + 3600), Fp);
        const CacheStats s = cache.stats();
        QVERIFY(s.bytes <= settings.maxBytes);
        QVERIFY(s.evictions > 0);
        QCOMPARE(qint64(s.evictions) + s.entries, 400);
        QVERIFY(s.entries >= 16); // every shard holds at least one

        // Larger than a shard's share: not stored, and nothing evicted to make room for it.
        cache.storeActive(keyFor(1000), active(StartSecs + 3600, QStringLiteral("big"), 4096), Fp);
        QCOMPARE(cache.find(keyFor(1000)).state, IntrospectionCache::State::Absent);
        QCOMPARE(cache.stats().entries, s.entries);
        QCOMPARE(cache.stats().evictions, s.evictions);
    }

    void manualEviction_data() {
        QTest::addColumn<QString>("by");
        QTest::addColumn<QString>("what");
        QTest::addColumn<qsizetype>("count");

        QTest::newRow("fingerprint, active and inactive")
            << QStringLiteral("fingerprint") << QStringLiteral("aaaaaaaa") << qsizetype(3);
        QTest::newRow("unknown fingerprint")
            << QStringLiteral("fingerprint") << QStringLiteral("ffffffff") << qsizetype(0);
        QTest::newRow("subject") << QStringLiteral("subject") << QStringLiteral("alice")
                                 << qsizetype(2);
        QTest::newRow("subject is matched whole")
            << QStringLiteral("subject") << QStringLiteral("alic") << qsizetype(0);
        QTest::newRow("empty subject matches nothing")
            << QStringLiteral("subject") << QString() << qsizetype(0);
        QTest::newRow("all") << QStringLiteral("all") << QString() << qsizetype(5);
    }
    void manualEviction() {
        QFETCH(QString, by);
        QFETCH(QString, what);
        QFETCH(qsizetype, count);

        ManualClock clock(Start);
        IntrospectionCache cache(enabled(), clock);
        const QByteArray a("aaaaaaaa"), b("bbbbbbbb");
        const qint64 exp = StartSecs + 3600;
        cache.storeActive(keyFor(0), active(exp, QStringLiteral("alice")), a);
        cache.storeActive(keyFor(1), active(exp, QStringLiteral("alice")), a);
        cache.storeActive(keyFor(2), active(exp, QStringLiteral("bob")), b);
        cache.storeActive(keyFor(3), active(exp, QString()), b);
        cache.storeInactive(keyFor(4), a);

        qsizetype removed = -1;
        if (by == QStringLiteral("fingerprint"))
            removed = cache.evictFingerprint(what.toLatin1());
        else if (by == QStringLiteral("subject"))
            removed = cache.evictSubject(what);
        else
            removed = cache.evictAll();
        QCOMPARE(removed, count);

        const CacheStats s = cache.stats();
        QCOMPARE(s.entries, 5 - count);
        QCOMPARE(s.evictions, 0u); // manual eviction is not LRU pressure
        QCOMPARE(s.bytes == 0, count == 5);
        qsizetype present = 0;
        for (int i = 0; i < 5; ++i)
            present += cache.find(keyFor(i)).state != IntrospectionCache::State::Absent;
        QCOMPARE(present, 5 - count);

        // The index must have forgotten the evicted keys too: storing them again works.
        for (int i = 0; i < 5; ++i)
            cache.storeActive(keyFor(i), active(exp), a);
        QCOMPARE(cache.stats().entries, 5);
        for (int i = 0; i < 5; ++i)
            QCOMPARE(cache.find(keyFor(i)).state, IntrospectionCache::State::Fresh);
    }

    // What a WebSocket watching its token asks at each check: was it evicted since it looked?
    void evictedSinceNamesTheTokenOrItsSubject() {
        ManualClock clock(Start);
        IntrospectionCache cache(enabled(), clock);
        const QString alice = QStringLiteral("alice");
        const quint64 start = cache.evictionGeneration();
        QVERIFY(!cache.evictionLog()->evictedSince(start, "aaaaaaaa", alice));
        cache.evictFingerprint("bbbbbbbb"); // another token, even with nothing cached
        cache.evictSubject(QStringLiteral("bob"));
        QVERIFY(cache.evictionGeneration() != start);
        QVERIFY(!cache.evictionLog()->evictedSince(start, "aaaaaaaa", alice));
        QVERIFY(cache.evictionLog()->evictedSince(start, "bbbbbbbb", alice));
        QVERIFY(cache.evictionLog()->evictedSince(start, "cccccccc", QStringLiteral("bob")));
        // An answer without a subject is not one of every subject-less eviction's.
        QVERIFY(!cache.evictionLog()->evictedSince(start, "cccccccc", QString()));

        const quint64 afterBob = cache.evictionGeneration();
        QVERIFY(!cache.evictionLog()->evictedSince(afterBob, "bbbbbbbb", QStringLiteral("bob")));
        cache.evictSubject(alice);
        QVERIFY(cache.evictionLog()->evictedSince(afterBob, "aaaaaaaa", alice));
        QVERIFY(!cache.evictionLog()->evictedSince(afterBob, "aaaaaaaa", QStringLiteral("alicia")));

        const quint64 beforeAll = cache.evictionGeneration();
        cache.evictAll();
        QVERIFY(cache.evictionLog()->evictedSince(beforeAll, "dddddddd", QStringLiteral("dave")));

        // Evictions beyond what is kept may have named anyone: a match, not a miss.
        const quint64 beforeFlood = cache.evictionGeneration();
        for (qsizetype i = 0; i < EvictionLog::Size; ++i)
            cache.evictFingerprint("eeeeeeee");
        QVERIFY(!cache.evictionLog()->evictedSince(beforeFlood, "aaaaaaaa", alice));
        cache.evictFingerprint("eeeeeeee");
        QVERIFY(cache.evictionLog()->evictedSince(beforeFlood, "aaaaaaaa", alice));
        QVERIFY(
            !cache.evictionLog()->evictedSince(cache.evictionGeneration() - 1, "aaaaaaaa", alice));
    }

    // What the inspector shows: most recently used first, hits, where each answer came from,
    // stale and negative entries, expired ones left out, the limit and the subject filter.
    void entriesForTheInspector() {
        ManualClock clock(Start);
        IntrospectionCache cache(enabled(60, 5, 30), clock);
        const qint64 exp = StartSecs + 3600;
        const QByteArray claims = R"({"active":true,"sub":"alice","client_id":"app",)"
                                  R"("scope":"read write","exp":)" +
                                  QByteArray::number(exp) + "}";
        cache.storeActive(keyFor(0), parsed(claims), "aaaaaaaa");
        clock.advanceMs(10);
        cache.storeActive(keyFor(1), active(exp, QStringLiteral("bob")), "bbbbbbbb", INT64_MAX,
                          CacheSource::SharedTier);
        clock.advanceMs(10);
        cache.storeActive(keyFor(2), active(exp, QStringLiteral("carol")), "cccccccc", INT64_MAX,
                          CacheSource::LocalJwt);
        clock.advanceMs(10);
        cache.storeInactive(keyFor(3), "dddddddd");
        clock.advanceMs(10);
        // alice's entry answers twice, the negative one once: both move to the front.
        QCOMPARE(cache.find(keyFor(3)).state, IntrospectionCache::State::Negative);
        clock.advanceMs(10);
        QCOMPARE(cache.find(keyFor(0)).state, IntrospectionCache::State::Fresh);
        QCOMPARE(cache.find(keyFor(0)).state, IntrospectionCache::State::Fresh);

        qsizetype total = -1;
        QList<IntrospectionCache::EntryInfo> all = cache.entries(100, {}, &total);
        QCOMPARE(total, 4);
        QCOMPARE(all.size(), 4);
        QCOMPARE(all[0].fingerprint, QByteArray("aaaaaaaa"));
        QCOMPARE(all[0].hits, 2u);
        QCOMPARE(all[0].subject, QStringLiteral("alice"));
        QCOMPARE(all[0].clientId, QStringLiteral("app"));
        QCOMPARE(all[0].scope, QStringLiteral("read write"));
        QCOMPARE(all[0].source, CacheSource::Idp);
        QVERIFY(all[0].active);
        QCOMPARE(all[0].lastUsedMs, Start + 50);
        QCOMPARE(all[0].freshUntilMs, Start + 60'000);
        QCOMPARE(all[0].staleUntilMs, Start + 90'000);
        QCOMPARE(all[1].fingerprint, QByteArray("dddddddd"));
        QVERIFY(!all[1].active);
        QCOMPARE(all[1].hits, 1u);
        QVERIFY(all[1].subject.isEmpty());
        QCOMPARE(all[2].fingerprint, QByteArray("cccccccc"));
        QCOMPARE(all[2].source, CacheSource::LocalJwt);
        QCOMPARE(all[2].hits, 0u);
        QCOMPARE(all[3].fingerprint, QByteArray("bbbbbbbb"));
        QCOMPARE(all[3].source, CacheSource::SharedTier);

        const auto first = cache.entries(1, {}, &total);
        QCOMPARE(first.size(), 1);
        QCOMPARE(first[0].fingerprint, QByteArray("aaaaaaaa"));
        QCOMPARE(total, 4); // the total counts beyond the limit
        const auto bobs = cache.entries(100, QStringLiteral("bob"), &total);
        QCOMPARE(bobs.size(), 1);
        QCOMPARE(bobs[0].fingerprint, QByteArray("bbbbbbbb"));
        QCOMPARE(total, 1);
        QVERIFY(cache.entries(100, QStringLiteral("bo")).isEmpty()); // whole subjects only
        QVERIFY(cache.entries(0).isEmpty());

        // Past the negative TTL the negative entry is gone; past the TTL the active ones are
        // stale (still listed, a stale hit counted); past the grace nothing is left.
        clock.advanceMs(5'000);
        QCOMPARE(cache.entries(100).size(), 3);
        clock.advanceMs(60'000);
        QVERIFY(cache.findStale(keyFor(0)));
        all = cache.entries(100);
        QCOMPARE(all.size(), 3);
        QCOMPARE(all[0].fingerprint, QByteArray("aaaaaaaa"));
        QCOMPARE(all[0].hits, 3u);
        QVERIFY(clock.nowMs() >= all[0].freshUntilMs);
        clock.advanceMs(30'000);
        QVERIFY(cache.entries(100, {}, &total).isEmpty());
        QCOMPARE(total, 0);
    }

    void statsCountEveryLookup() {
        ManualClock clock(Start);
        IntrospectionCache cache(enabled(60, 5, 30), clock);
        QCOMPARE(cache.find(keyFor(1)).state, IntrospectionCache::State::Absent);
        cache.storeActive(keyFor(1), active(StartSecs + 3600), Fp);
        cache.storeInactive(keyFor(2), Fp);
        QCOMPARE(cache.find(keyFor(1)).state, IntrospectionCache::State::Fresh);
        QCOMPARE(cache.find(keyFor(1)).state, IntrospectionCache::State::Fresh);
        QCOMPARE(cache.find(keyFor(2)).state, IntrospectionCache::State::Negative);
        QCOMPARE(cache.findStale(keyFor(2)), nullptr);
        clock.advanceMs(61'000);
        QCOMPARE(cache.find(keyFor(1)).state, IntrospectionCache::State::Absent);
        QVERIFY(cache.findStale(keyFor(1)));
        QCOMPARE(cache.find(keyFor(2)).state, IntrospectionCache::State::Absent);

        const CacheStats s = cache.stats();
        QCOMPARE(s.hits, 2u);
        QCOMPARE(s.negativeHits, 1u);
        QCOMPARE(s.misses, 3u);
        QCOMPARE(s.staleServed, 1u);
        QCOMPARE(s.evictions, 0u);
        // The expired negative entry went when looked up; the active one stays for the grace.
        QCOMPARE(s.entries, 1);
    }

    // Four threads on 64 shared keys with a small bound, so stores, lookups, LRU eviction and
    // manual eviction race on the same shards. Bounded iterations, no sleeps.
    void concurrentUseKeepsCountsConsistent() {
        ManualClock clock(Start);
        CacheSettings settings = enabled(60, 5, 30);
        settings.maxEntries = 32;
        IntrospectionCache cache(settings, clock);
        constexpr int Threads = 4;
        constexpr int Iterations = 20'000;
        QList<QByteArray> keys;
        for (int i = 0; i < 64; ++i)
            keys << keyFor(i);
        const auto result = active(StartSecs + 3600, QStringLiteral("alice"));

        std::atomic<quint64> lookups{0};
        std::atomic<quint64> staleServed{0};
        QList<QThread *> threads;
        for (int t = 0; t < Threads; ++t) {
            threads << QThread::create([&, t] {
                quint64 mine = 0, stale = 0;
                for (int i = 0; i < Iterations; ++i) {
                    const QByteArray &key = keys[(i / 3 + t * 13) % keys.size()];
                    switch (i % 8) {
                    case 0:
                    case 1:
                        cache.storeActive(key, result, Fp);
                        break;
                    case 2:
                        cache.storeInactive(key, Fp);
                        break;
                    case 3:
                        stale += cache.findStale(key) != nullptr;
                        break;
                    case 4: // now and then: manual eviction, or time passing (100 s in all)
                        if ((i / 8) % 100 == t)
                            cache.evictSubject(QStringLiteral("alice"));
                        else if ((i / 8) % 100 == 50 + t)
                            clock.advanceMs(1'000);
                        else
                            cache.evictFingerprint(QByteArray("ffffffff"));
                        break;
                    default:
                        cache.find(key);
                        ++mine;
                    }
                }
                lookups += mine;
                staleServed += stale;
            });
        }
        for (QThread *t : threads)
            t->start();
        for (QThread *t : threads) {
            QVERIFY(t->wait(QDeadlineTimer(120'000)));
            delete t;
        }

        const CacheStats s = cache.stats();
        QCOMPARE(s.hits + s.misses + s.negativeHits, lookups.load());
        QCOMPARE(s.staleServed, staleServed.load());
        QVERIFY(s.hits > 0);
        QVERIFY(s.negativeHits > 0);
        QVERIFY(s.evictions > 0);
        QVERIFY(s.entries <= settings.maxEntries);
        QCOMPARE(cache.evictAll(), s.entries);
        QCOMPARE(cache.stats().entries, 0);
        QCOMPARE(cache.stats().bytes, 0); // per-shard accounting balanced to the byte
    }
};

QTEST_GUILESS_MAIN(TestIntrospectionCache)
#include "tst_introspectioncache.moc"
