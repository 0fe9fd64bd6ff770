// SPDX-License-Identifier: Apache-2.0
// Route matching (host, path prefix or glob, methods; first match wins), the path the
// router compares (unreserved escapes decoded, dot segments refused) and prefix rewriting.
#include "core/pipeline/router.h"
#include "core/pipeline/routesettings.h"

#include <QTest>

using namespace Tokengate;

Q_DECLARE_METATYPE(Tokengate::RouteConfig)

namespace {

RouteConfig route(const QString &name, QStringList hosts, QString prefix, QString pattern = {},
                  QStringList methods = {}) {
    RouteConfig r;
    r.name = name;
    r.hosts = std::move(hosts);
    r.pathPrefix = std::move(prefix);
    r.pathPattern = std::move(pattern);
    r.methods = std::move(methods);
    r.upstreamUrl = QStringLiteral("http://127.0.0.1:1");
    return r;
}

// What routeFor() answers: the matching route's name, "-" for none, "!" for a refused path.
QString routeFor(const QList<RouteConfig> &routes, const QByteArray &method,
                 const QByteArray &hostHeader, const QByteArray &target) {
    QString error;
    const std::optional<Router> router = Router::compile(routes, &error);
    if (!router)
        return QStringLiteral("compile error: ") + error;
    const TargetParts parts = splitTarget(target);
    const QByteArrayView host =
        hostWithoutPort(parts.authority.isNull() ? QByteArrayView(hostHeader) : parts.authority);
    QByteArray buffer;
    QByteArrayView path;
    if (!pathForMatching(parts.path, buffer, path))
        return QStringLiteral("!");
    const int index = router->match(method, host, path);
    return index < 0 ? QStringLiteral("-") : routes.at(index).name;
}

} // namespace

class TestRouter : public QObject {
    Q_OBJECT

private slots:
    void match_data() {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("host");
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<QString>("expected");

        auto row = [](const char *name, const char *method, const char *host, const char *target,
                      const char *expected) {
            QTest::newRow(name) << QByteArray(method) << QByteArray(host) << QByteArray(target)
                                << QString::fromLatin1(expected);
        };
        // The table of table(): see there.
        row("exact host, prefix", "GET", "api.example.com", "/orders/7", "orders");
        row("host letter case and port ignored", "GET", "API.Example.COM:8443", "/orders/7",
            "orders");
        row("prefix without slash takes the path itself", "GET", "api.example.com", "/orders",
            "orders");
        row("prefix never takes a longer segment", "GET", "api.example.com", "/ordersx",
            "catch-all");
        row("query is not part of the path", "GET", "api.example.com", "/orders?x=/admin",
            "orders");
        row("wildcard host", "GET", "eu.shop.example.com", "/cart", "shop");
        row("wildcard host needs a subdomain", "GET", "shop.example.com", "/cart", "catch-all");
        row("method list: allowed", "POST", "api.example.com", "/admin/users", "admin-write");
        row("method list: other method falls through", "GET", "api.example.com", "/admin/users",
            "admin-read");
        row("glob one segment", "GET", "api.example.com", "/v1/users/42/profile", "profile");
        row("glob star stops at a slash", "GET", "api.example.com", "/v1/users/4/2/profile",
            "catch-all");
        row("glob double star crosses segments", "GET", "api.example.com", "/files/a/b/c.pdf",
            "pdf");
        row("glob must match the whole path", "GET", "api.example.com", "/files/a.pdf.txt",
            "catch-all");
        row("first match wins over a later, more specific one", "GET", "api.example.com",
            "/orders/special", "orders");
        row("no host route for another host", "GET", "other.test", "/orders/7", "-");
        row("absolute-form target: its authority is the host", "GET", "ignored.test",
            "http://api.example.com/orders/1", "orders");
        row("IPv6 host with port", "GET", "[::1]:8080", "/local", "v6");
        row("encoded unreserved characters are decoded", "GET", "api.example.com", "/%6Frders/1",
            "orders");
        row("encoded slash stays encoded", "GET", "api.example.com", "/orders%2F1", "catch-all");
        row("dot segment refused", "GET", "api.example.com", "/orders/../admin", "!");
        row("encoded dot segment refused", "GET", "api.example.com", "/public/%2e%2E/admin", "!");
        row("single dot segment refused", "GET", "api.example.com", "/./admin", "!");
        row("dots inside a segment are fine", "GET", "api.example.com", "/orders/a..b", "orders");
    }
    void match() {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, host);
        QFETCH(QByteArray, target);
        QFETCH(QString, expected);
        const QList<RouteConfig> table{
            route(QStringLiteral("orders"), {QStringLiteral("api.example.com")},
                  QStringLiteral("/orders")),
            route(QStringLiteral("special"), {QStringLiteral("api.example.com")},
                  QStringLiteral("/orders/special")),
            route(QStringLiteral("shop"), {QStringLiteral("*.shop.example.com")}, {}),
            route(QStringLiteral("admin-write"), {QStringLiteral("api.example.com")},
                  QStringLiteral("/admin/"), {},
                  {QStringLiteral("POST"), QStringLiteral("DELETE")}),
            route(QStringLiteral("admin-read"), {QStringLiteral("api.example.com")},
                  QStringLiteral("/admin/")),
            route(QStringLiteral("profile"), {}, {}, QStringLiteral("/v1/users/*/profile")),
            route(QStringLiteral("pdf"), {}, {}, QStringLiteral("/files/**.pdf")),
            route(QStringLiteral("v6"), {QStringLiteral("[::1]")}, QStringLiteral("/local")),
            route(QStringLiteral("catch-all"),
                  {QStringLiteral("api.example.com"), QStringLiteral("shop.example.com")}, {}),
        };
        QCOMPARE(routeFor(table, method, host, target), expected);
    }

    void compileErrors_data() {
        QTest::addColumn<RouteConfig>("config");
        QTest::addColumn<QString>("expected");
        QTest::newRow("host with port")
            << route({}, {QStringLiteral("a.test:80")}, {}) << QStringLiteral("host \"a.test:80\"");
        QTest::newRow("host star in the middle")
            << route({}, {QStringLiteral("a.*.test")}, {}) << QStringLiteral("host \"a.*.test\"");
        QTest::newRow("prefix without slash")
            << route({}, {}, QStringLiteral("api")) << QStringLiteral("must start with \"/\"");
        QTest::newRow("prefix and pattern")
            << route({}, {}, QStringLiteral("/a"), QStringLiteral("/b/*"))
            << QStringLiteral("not both");
        QTest::newRow("triple star")
            << route({}, {}, {}, QStringLiteral("/a/***")) << QStringLiteral("\"***\"");
        QTest::newRow("lower-case method")
            << route({}, {}, {}, {}, {QStringLiteral("get")}) << QStringLiteral("method \"get\"");
    }
    void compileErrors() {
        QFETCH(RouteConfig, config);
        QFETCH(QString, expected);
        QString error;
        QVERIFY(!RouteMatcher::compile(config, &error));
        QVERIFY2(error.contains(expected), qPrintable(error));
    }

    // The cost of matching against a 20-route table, last route taking the request: run
    // `build/tests/tst_router matchCost` to see it (about 4 us on the shared build machine).
    void matchCost() {
        QList<RouteConfig> routes;
        for (int i = 0; i < 19; ++i)
            routes << route(QStringLiteral("r%1").arg(i), {QStringLiteral("api.example.com")},
                            QStringLiteral("/svc%1/").arg(i));
        routes << route(QStringLiteral("last"), {QStringLiteral("*.example.com")}, {},
                        QStringLiteral("/files/**.pdf"), {QStringLiteral("GET")});
        QString error;
        const std::optional<Router> router = Router::compile(routes, &error);
        QVERIFY2(router, qPrintable(error));
        const QByteArray target = "/files/2026/report%2Dq3.pdf?download=1";
        int index = -1;
        QBENCHMARK {
            const TargetParts parts = splitTarget(target);
            QByteArray buffer;
            QByteArrayView path;
            pathForMatching(parts.path, buffer, path);
            index = router->match("GET", hostWithoutPort("eu.example.com:443"), path);
        }
        QCOMPARE(index, 19);
    }

    void globIsLinear() {
        // Backtracking would take ages on this; the state set does not.
        QString error;
        const auto glob = PathGlob::compile("/**a**a**a**a**a**a**a**a**b", &error);
        QVERIFY2(glob, qPrintable(error));
        QVERIFY(!glob->matches(QByteArray(8000, 'a')));
        QVERIFY(glob->matches("/aaaaaaaab"));
    }

    void rewrite_data() {
        QTest::addColumn<QString>("strip");
        QTest::addColumn<QString>("rewrite");
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<QByteArray>("expected");
        auto row = [](const char *name, const char *strip, const char *rewrite, const char *target,
                      const char *expected) {
            QTest::newRow(name) << QString::fromLatin1(strip) << QString::fromLatin1(rewrite)
                                << QByteArray(target) << QByteArray(expected);
        };
        row("strip", "/api", "", "/api/orders?x=1", "/orders?x=1");
        row("strip to the root", "/api", "", "/api", "/");
        row("strip to the root, query kept", "/api", "", "/api?q=%20", "/?q=%20");
        row("strip with slash", "/api/", "", "/api/orders", "/orders");
        row("rewrite", "/api", "/v2", "/api/orders", "/v2/orders");
        row("rewrite with slashes", "/api/", "/v2/", "/api/orders", "/v2/orders");
        row("rewrite root", "/api", "/v2", "/api", "/v2");
        row("not at a segment boundary", "/api", "/v2", "/apix/orders", "/apix/orders");
        row("other path untouched", "/api", "/v2", "/other/%2e", "/other/%2e");
        row("escapes kept byte for byte", "/api", "/v2", "/api/a%2Fb%20c?d=%41",
            "/v2/a%2Fb%20c?d=%41");
        row("encoded prefix still stripped", "/api", "/v2", "/%61pi/x", "/v2/x");
        row("absolute-form target", "/api", "", "http://h.test/api/x?y", "/x?y");
    }
    void rewrite() {
        QFETCH(QString, strip);
        QFETCH(QString, rewrite);
        QFETCH(QByteArray, target);
        QFETCH(QByteArray, expected);
        RouteSettings r;
        r.stripPrefix = strip.toUtf8();
        r.rewritePrefix = rewrite.toUtf8();
        QCOMPARE(r.rewriteTarget(target), expected);
    }

    void validation_data() {
        QTest::addColumn<QList<RouteConfig>>("routes");
        QTest::addColumn<QString>("expected");
        RouteConfig ok = route(QStringLiteral("orders"), {}, QStringLiteral("/orders"));

        RouteConfig noUpstream = ok;
        noUpstream.upstreamUrl.clear();
        QTest::newRow("no upstream") << QList<RouteConfig>{noUpstream}
                                     << QStringLiteral("routes[0] \"orders\": no upstream");
        QTest::newRow("duplicate name")
            << QList<RouteConfig>{ok, ok}
            << QStringLiteral("routes[1] \"orders\": the name is already used");
        RouteConfig unknownIdp = ok;
        unknownIdp.introspection = QStringLiteral("corp");
        QTest::newRow("unknown introspection")
            << QList<RouteConfig>{unknownIdp}
            << QStringLiteral("routes[0] \"orders\": unknown introspection endpoint \"corp\" "
                              "(known: default)");
        RouteConfig badPattern = ok;
        badPattern.pathPrefix.clear();
        badPattern.pathPattern = QStringLiteral("orders/*");
        badPattern.name.clear();
        QTest::newRow("bad pattern, unnamed route")
            << QList<RouteConfig>{ok, badPattern}
            << QStringLiteral("routes[1] \"route-2\": path pattern \"orders/*\"");
        RouteConfig badHeader = ok;
        badHeader.identityHeaders.insert(QStringLiteral("X User"), QStringLiteral("sub"));
        QTest::newRow("bad identity header")
            << QList<RouteConfig>{badHeader}
            << QStringLiteral("identity header \"X User\" is not a valid header name");
        RouteConfig hostHeader = ok;
        hostHeader.identityHeaders.insert(QStringLiteral("host"), QStringLiteral("sub"));
        QTest::newRow("identity header replacing Host")
            << QList<RouteConfig>{hostHeader} << QStringLiteral("would replace a header");
        RouteConfig bothUpstreams = ok;
        bothUpstreams.destinationMode = true;
        QTest::newRow("upstream and Destination mode")
            << QList<RouteConfig>{bothUpstreams} << QStringLiteral("not both");
        RouteConfig badAllow = ok;
        badAllow.upstreamUrl.clear();
        badAllow.destinationMode = true;
        badAllow.destinationAllow = QStringLiteral("http://x/");
        QTest::newRow("bad allowlist")
            << QList<RouteConfig>{badAllow} << QStringLiteral("destination allowlist:");
        RouteConfig cookieNoName = ok;
        cookieNoName.tokenSources = {TokenSource{TokenSource::Kind::Cookie, {}}};
        QTest::newRow("cookie source without name")
            << QList<RouteConfig>{cookieNoName} << QStringLiteral("needs a name");
        RouteConfig badRule = ok;
        badRule.claimRules = {ClaimRule{QStringLiteral("tenant"),
                                        ClaimRule::Op::Equals,
                                        {QStringLiteral("a"), QStringLiteral("b")}}};
        QTest::newRow("equals with two values")
            << QList<RouteConfig>{badRule} << QStringLiteral("exactly one value");
        RouteConfig rewriteOnly = ok;
        rewriteOnly.rewritePrefix = QStringLiteral("/v2");
        QTest::newRow("rewrite without strip")
            << QList<RouteConfig>{rewriteOnly} << QStringLiteral("needs the strip prefix");
        QTest::newRow("valid") << QList<RouteConfig>{ok} << QString();
    }
    void validation() {
        QFETCH(QList<RouteConfig>, routes);
        QFETCH(QString, expected);
        Config config;
        config.introspection.url = QStringLiteral("http://127.0.0.1:1/introspect");
        config.routes = routes;
        const QStringList problems = config.validate();
        if (expected.isEmpty()) {
            QCOMPARE(problems, QStringList());
            return;
        }
        QVERIFY2(std::any_of(problems.cbegin(), problems.cend(),
                             [&](const QString &p) { return p.contains(expected); }),
                 qPrintable(problems.join(u'\n')));
    }

    void destinationWarning() {
        Config config;
        RouteConfig r = route(QStringLiteral("dyn"), {}, {});
        r.upstreamUrl.clear();
        r.destinationMode = true;
        config.routes = {r};
        QVERIFY(config.warnings().join(u'\n').contains(
            QStringLiteral("routes[0] \"dyn\": Destination mode without an allowlist")));
    }
};

QTEST_GUILESS_MAIN(TestRouter)
#include "tst_router.moc"
