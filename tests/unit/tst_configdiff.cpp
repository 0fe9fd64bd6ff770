// SPDX-License-Identifier: Apache-2.0
// configChanges(): what Apply will change, setting by setting in the config file's terms,
// endpoints and routes paired by name, their order, and secrets named but never shown.
#include "core/config/configdiff.h"

#include <QTest>

using namespace Tokengate;

namespace {

RouteConfig route(const char *name, const char *prefix) {
    RouteConfig r;
    r.name = QString::fromLatin1(name);
    r.pathPrefix = QString::fromLatin1(prefix);
    r.upstreamUrl = QStringLiteral("http://127.0.0.1:3000");
    return r;
}

} // namespace

class TestConfigDiff : public QObject {
    Q_OBJECT

private slots:
    void sameConfigNoChange() {
        Config c;
        c.routes = {route("a", "/a/")};
        QCOMPARE(configChanges(c, c), QStringList());
    }

    void everyKindOfChange() {
        Config before;
        before.cache.enabled = true;
        before.cache.ttlSecs = 60;
        before.jwt.secret = QStringLiteral("old-jwt-secret-value");
        IntrospectionConfig partners;
        partners.name = QStringLiteral("partners");
        partners.url = QStringLiteral("https://p.test/introspect");
        partners.clientId = QStringLiteral("one");
        before.moreIntrospection = {partners};
        before.routes = {route("a", "/a/"), route("b", "/b/")};

        Config after = before;
        after.cache.ttlSecs = 45;
        after.jwt.secret = QStringLiteral("new-jwt-secret-value");
        after.moreIntrospection[0].clientId = QStringLiteral("two");
        after.routes = {route("b", "/bee/"), route("c", "/c/")};

        const QStringList changes = configChanges(before, after);
        const QString all = changes.join(u'\n');
        for (const QString &expected : {
                 u"cache.ttl: 60 → 45"_qs,
                 u"jwt.secret: changed"_qs,
                 u"introspection.partners.client_id: one → two"_qs,
                 u"routes.b.path_prefix: /b/ → /bee/"_qs,
                 u"routes.c: added"_qs,
                 u"routes.a: removed"_qs,
             })
            QVERIFY2(changes.contains(expected), qPrintable(all));
        QVERIFY2(!all.contains(u"jwt-secret-value"), qPrintable(all));
        QCOMPARE(changes.size(), 6);
    }

    // Never a password in a URL (Redis accepts one there), and demo mode, which has no key.
    void passwordsAndDemo() {
        Config before;
        before.cache.redis.url = QStringLiteral("redis://:first-password@127.0.0.1:6379");
        Config after = before;
        after.cache.redis.url = QStringLiteral("redis://:second-password@127.0.0.1:6380");
        after.demo = !before.demo;
        const QString all = configChanges(before, after).join(u'\n');
        QVERIFY2(!all.contains(u"password"), qPrintable(all));
        QVERIFY2(all.contains(u"127.0.0.1:6379 → redis://127.0.0.1:6380"), qPrintable(all));
        QVERIFY2(all.contains(u"demo: off → on"), qPrintable(all));
        Config samePlace = before;
        samePlace.cache.redis.url = QStringLiteral("redis://:other-password@127.0.0.1:6379");
        QCOMPARE(configChanges(before, samePlace), QStringList{u"cache.redis.url: changed"_qs});
    }

    void routeOrderIsAChange() {
        Config before;
        before.routes = {route("a", "/a/"), route("b", "/b/")};
        Config after = before;
        std::swap(after.routes[0], after.routes[1]);
        QCOMPARE(configChanges(before, after), QStringList{u"routes: order a, b → b, a"_qs});
    }
};

QTEST_GUILESS_MAIN(TestConfigDiff)
#include "tst_configdiff.moc"
