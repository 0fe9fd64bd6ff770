// SPDX-License-Identifier: Apache-2.0
// The shared Redis tier's layout: keys (hashes, never the token), values (the answer and its
// deadline, no token), EX seconds under the local TTL rules, the URLs we accept, and its
// options (environment, secret file, validation).
#include "core/cache/redisaddress.h"
#include "core/cache/redisentry.h"
#include "core/config/configoptions.h"

#include <QTemporaryDir>

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <optional>

using namespace Tokengate;

namespace {

constexpr qint64 Now = 1'800'000'000'000; // a whole second
constexpr qint64 NowSecs = Now / 1000;

IntrospectionResult parsed(const QByteArray &json) {
    std::optional<IntrospectionResult> r = IntrospectionResult::fromJson(json, nullptr);
    if (!r)
        qFatal("test JSON does not parse");
    return *r;
}

QByteArray activeJson(std::optional<qint64> exp) {
    QJsonObject o{{QStringLiteral("active"), true},
                  {QStringLiteral("sub"), QStringLiteral("alice")},
                  {QStringLiteral("scope"), QStringLiteral("read write")}};
    if (exp)
        o.insert(QStringLiteral("exp"), *exp);
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

} // namespace

class TestRedisEntry : public QObject {
    Q_OBJECT

private slots:
    void keysAreHashes() {
        const QByteArray token = "s3cr3t-token-value";
        const QByteArray cacheKey = IntrospectionCache::key("https://idp/introspect", "gw", token);
        const QByteArray key = RedisEntry::key("tokengate:", cacheKey);
        QCOMPARE(key, QByteArray("tokengate:") + cacheKey.toHex());
        QCOMPARE(key.size(), qsizetype(10 + 64));
        QVERIFY(!key.contains(token));
        // Same scope, same key: what lets two instances share an entry.
        QCOMPARE(RedisEntry::key("tokengate:",
                                 IntrospectionCache::key("https://idp/introspect", "gw", token)),
                 key);
        QVERIFY(RedisEntry::key("other:", cacheKey) != key);
        QCOMPARE(RedisEntry::fingerprintIndex("p:", "abcd1234"), QByteArray("p:fp:abcd1234"));
        const QByteArray sub = RedisEntry::subjectIndex("p:", QStringLiteral("alice"));
        QVERIFY(sub.startsWith("p:sub:"));
        QCOMPARE(sub.size(), qsizetype(6 + 64));
        QVERIFY(!sub.contains("alice"));
        QCOMPARE(RedisEntry::evictionChannel("p:"), QByteArray("p:evict"));
    }

    // EX is whole seconds, rounded down, so Redis never keeps an entry past the local rule.
    void expiry_data() {
        QTest::addColumn<int>("ttl");
        QTest::addColumn<int>("negativeTtl");
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<qint64>("untilMs"); // 0: not kept
        QTest::addColumn<qint64>("exSecs");
        QTest::newRow("ttl 60, exp far")
            << 60 << 5 << activeJson(NowSecs + 3600) << Now + 60'000 << qint64(60);
        QTest::newRow("exp before ttl")
            << 60 << 5 << activeJson(NowSecs + 10) << Now + 10'000 << qint64(10);
        QTest::newRow("ttl 0: exp only")
            << 0 << 5 << activeJson(NowSecs + 120) << Now + 120'000 << qint64(120);
        QTest::newRow("ttl 0, no exp: unbounded, not kept")
            << 0 << 5 << activeJson(std::nullopt) << qint64(0) << qint64(0);
        QTest::newRow("no exp") << 30 << 5 << activeJson(std::nullopt) << Now + 30'000
                                << qint64(30);
        QTest::newRow("exp passed") << 60 << 5 << activeJson(NowSecs - 1) << qint64(0) << qint64(0);
        QTest::newRow("under a second left")
            << 60 << 5 << activeJson(NowSecs) << qint64(0) << qint64(0);
        QTest::newRow("inactive") << 60 << 5 << QByteArray(R"({"active":false})") << Now + 5'000
                                  << qint64(5);
        QTest::newRow("inactive, negative ttl 0")
            << 60 << 0 << QByteArray(R"({"active":false})") << qint64(0) << qint64(0);
    }
    void expiry() {
        QFETCH(int, ttl);
        QFETCH(int, negativeTtl);
        QFETCH(QByteArray, json);
        QFETCH(qint64, untilMs);
        QFETCH(qint64, exSecs);
        CacheSettings s;
        s.enabled = true;
        s.ttlSecs = ttl;
        s.negativeTtlSecs = negativeTtl;
        const auto e = RedisEntry::activeExpiry(s, parsed(json), Now);
        QCOMPARE(e.has_value(), untilMs != 0);
        if (e) {
            QCOMPARE(e->untilMs, untilMs);
            QCOMPARE(e->exSecs, exSecs);
        }
        // Half a second later: EX is rounded down, so Redis never keeps it past the deadline.
        const auto later = RedisEntry::activeExpiry(s, parsed(json), Now + 500);
        if (later) {
            QVERIFY(Now + 500 + later->exSecs * 1000 <= later->untilMs);
            QVERIFY(later->exSecs >= 1);
        }
    }

    void valueRoundTrip_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::newRow("active") << activeJson(NowSecs + 3600);
        QTest::newRow("active, no exp") << activeJson(std::nullopt);
        QTest::newRow("inactive") << QByteArray(R"({"active":false})");
        QTest::newRow("unicode subject")
            << QByteArray(R"({"active":true,"sub":"zoë","aud":["a","b"],"client_id":"c"})");
    }
    void valueRoundTrip() {
        QFETCH(QByteArray, json);
        const IntrospectionResult r = parsed(json);
        const QByteArray value = RedisEntry::encode(&r, Now + 60'000);
        QVERIFY(QJsonDocument::fromJson(value).isObject());
        const auto d = RedisEntry::decode(value, Now);
        QVERIFY(d);
        QCOMPARE(d->untilMs, Now + 60'000);
        QCOMPARE(bool(d->result), r.active);
        if (d->result) {
            QCOMPARE(d->result->claims, r.claims);
            QCOMPARE(d->result->subject, r.subject);
            QCOMPARE(d->result->audiences, r.audiences);
            QCOMPARE(d->result->exp, r.exp);
        }
        // The value holds what the IdP said, and the deadline: no token, nothing else.
        QCOMPARE(
            QJsonDocument::fromJson(value).object().keys(),
            (QStringList{QStringLiteral("result"), QStringLiteral("until"), QStringLiteral("v")}));
        // At the deadline it is not served.
        QVERIFY(!RedisEntry::decode(value, Now + 60'000));
    }

    void refusedValues_data() {
        QTest::addColumn<QByteArray>("value");
        QTest::newRow("not JSON") << QByteArray("{");
        QTest::newRow("array") << QByteArray("[]");
        QTest::newRow("other version")
            << QByteArray(R"({"v":2,"until":1900000000000,"result":{"active":true}})");
        QTest::newRow("no until") << QByteArray(R"({"v":1,"result":{"active":true}})");
        QTest::newRow("until as string")
            << QByteArray(R"({"v":1,"until":"1900000000000","result":{"active":true}})");
        QTest::newRow("result not an object")
            << QByteArray(R"({"v":1,"until":1900000000000,"result":"yes"})");
        QTest::newRow("past its deadline")
            << QByteArray(R"({"v":1,"until":1799999999999,"result":{"active":true}})");
        // Found by fuzz/fuzz_redis_entry under UBSan: a deadline no qint64 holds was cast anyway.
        QTest::newRow("until beyond 64 bits")
            << QByteArray(R"({"v":1,"until":1e300,"result":{"active":true}})");
        QTest::newRow("until below 64 bits")
            << QByteArray(R"({"v":1,"until":-1e300,"result":{"active":true}})");
        QTest::newRow("until not whole")
            << QByteArray(R"({"v":1,"until":1900000000000.5,"result":{"active":true}})");
        // Another instance's clock ahead of ours: the token's exp still rules.
        QTest::newRow("token expired") << QByteArray(
            R"({"v":1,"until":1900000000000,"result":{"active":true,"exp":1800000000}})");
    }
    void refusedValues() {
        QFETCH(QByteArray, value);
        QVERIFY(!RedisEntry::decode(value, Now));
    }

    void urls_data() {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("password"); // the separate secret
        QTest::addColumn<QString>("expected"); // describe(), user, password; or "error: ..."
        QTest::newRow("host only") << "redis://cache.internal"
                                   << ""
                                   << "cache.internal:6379/0||";
        QTest::newRow("port and db") << "redis://127.0.0.1:6390/3"
                                     << ""
                                     << "127.0.0.1:6390/3||";
        QTest::newRow("ipv6") << "redis://[::1]:7000"
                              << ""
                              << "[::1]:7000/0||";
        QTest::newRow("password in url") << "redis://:p%40ss@h"
                                         << ""
                                         << "h:6379/0||p@ss";
        QTest::newRow("acl user") << "redis://gw:pw@h/1"
                                  << ""
                                  << "h:6379/1|gw|pw";
        QTest::newRow("secret wins") << "redis://:url@h"
                                     << "file"
                                     << "h:6379/0||file";
        QTest::newRow("rediss") << "rediss://h:6380"
                                << ""
                                << "error: rediss:// (TLS) is not supported: Debian 12's hiredis";
        QTest::newRow("http") << "http://h"
                              << ""
                              << "error: expected redis://";
        QTest::newRow("no host") << "redis://"
                                 << ""
                                 << "error: no host";
        QTest::newRow("bad db") << "redis://h/x"
                                << ""
                                << "error: the Redis URL's path";
        QTest::newRow("query") << "redis://h?db=1"
                               << ""
                               << "error: the Redis URL takes no query";
        QTest::newRow("user without password") << "redis://gw@h"
                                               << ""
                                               << "error: a Redis user name without";
    }
    void urls() {
        QFETCH(QString, url);
        QFETCH(QString, password);
        QFETCH(QString, expected);
        RedisSettings s;
        s.url = url;
        s.password = password;
        QString error;
        const auto a = RedisAddress::fromSettings(s, &error);
        if (expected.startsWith(u"error: ")) {
            QVERIFY(!a);
            QVERIFY2(error.startsWith(expected.mid(7)), qPrintable(error));
            QVERIFY(!error.contains(u"p%40ss"));
        } else {
            QVERIFY2(a, qPrintable(error));
            QCOMPARE(a->describe() + u'|' + QString::fromUtf8(a->username) + u'|' +
                         QString::fromUtf8(a->password),
                     expected);
        }
    }

    void options() {
        QTemporaryDir dir;
        QFile secret(dir.filePath(QStringLiteral("redis-password")));
        QVERIFY(secret.open(QIODevice::WriteOnly));
        secret.write("pa ss\n");
        secret.close();
        QProcessEnvironment env;
        env.insert(QStringLiteral("TOKENGATE_REDIS_URL"), QStringLiteral("redis://cache:6380/2"));
        env.insert(QStringLiteral("TOKENGATE_REDIS_PASSWORD_FILE"), secret.fileName());
        env.insert(QStringLiteral("TOKENGATE_REDIS_KEY_PREFIX"), QStringLiteral("gw1:"));
        env.insert(QStringLiteral("TOKENGATE_REDIS_TIMEOUT"), QStringLiteral("0.1"));
        env.insert(QStringLiteral("TOKENGATE_CACHE_TTL"), QStringLiteral("30"));
        Config c;
        QCOMPARE(applyEnvironment(c, env), QStringList());
        QCOMPARE(c.cache.redis.url, QStringLiteral("redis://cache:6380/2"));
        QCOMPARE(c.cache.redis.password, QStringLiteral("pa ss"));
        QCOMPARE(c.cache.redis.keyPrefix, QStringLiteral("gw1:"));
        QCOMPARE(c.cache.redis.timeoutMs, 100);
        c.introspection.url = QStringLiteral("http://127.0.0.1:1/introspect");
        c.upstreamUrl = QStringLiteral("http://127.0.0.1:2");
        QCOMPARE(c.validate(), QStringList());
        for (const ConfigOption &o : configOptions()) {
            if (o.name == u"redis-password")
                QVERIFY(o.secret); // --redis-password-file, *_FILE
        }
    }

    void validation_data() {
        QTest::addColumn<QString>("url");
        QTest::addColumn<bool>("cacheOn");
        QTest::addColumn<QString>("problem"); // empty: valid
        QTest::newRow("off") << "" << false << "";
        QTest::newRow("redis") << "redis://127.0.0.1" << true << "";
        QTest::newRow("rediss")
            << "rediss://127.0.0.1" << true
            << "cache.redis.url: rediss:// (TLS) is not supported: Debian 12's hiredis 0.14.1 "
               "has no TLS. Reach Redis through a local TLS terminator (stunnel, or Redis on the "
               "same host) and use redis://127.0.0.1:PORT";
        QTest::newRow("cache off") << "redis://127.0.0.1" << false
                                   << "cache.redis.url: the shared tier needs the cache on "
                                      "(cache-ttl)";
        QTest::newRow("not a url")
            << "127.0.0.1:6379" << true << "cache.redis.url: expected redis://";
    }
    void validation() {
        QFETCH(QString, url);
        QFETCH(bool, cacheOn);
        QFETCH(QString, problem);
        Config c;
        c.introspection.url = QStringLiteral("http://127.0.0.1:1/introspect");
        c.upstreamUrl = QStringLiteral("http://127.0.0.1:2");
        c.cache.enabled = cacheOn;
        c.cache.redis.url = url;
        const QStringList problems = c.validate();
        if (problem.isEmpty()) {
            QCOMPARE(problems, QStringList());
        } else {
            QCOMPARE(problems.size(), 1);
            QVERIFY2(problems[0].startsWith(problem), qPrintable(problems[0]));
        }
    }

    // A password in the URL works, but is named as a weakness.
    void passwordInUrlWarns() {
        Config c;
        c.cache.enabled = true;
        c.cache.redis.url = QStringLiteral("redis://:hunter2@127.0.0.1");
        QVERIFY(c.warnings().join(u'\n').contains(u"TOKENGATE_REDIS_PASSWORD_FILE"));
        for (const char *url : {"redis://127.0.0.1", "redis://gw@127.0.0.1"}) {
            c.cache.redis.url = QString::fromLatin1(url);
            QVERIFY2(!c.warnings().join(u'\n').contains(u"REDIS"),
                     qPrintable(c.warnings().join(u'\n')));
        }
    }
};

QTEST_GUILESS_MAIN(TestRedisEntry)
#include "tst_redisentry.moc"
