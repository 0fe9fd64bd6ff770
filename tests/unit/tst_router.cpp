// SPDX-License-Identifier: Apache-2.0
// Route matching (host, path prefix or glob, methods, letter case; first match wins), the
// path the router compares and forwards (normalised, or refused when ambiguous) and prefix
// rewriting.
#include "core/config/routecompiler.h"
#include "core/http/headermap.h"
#include "core/pipeline/methodoverride.h"
#include "core/pipeline/pathnormalizer.h"
#include "core/pipeline/router.h"

#include <QTest>

using namespace Tokengate;

Q_DECLARE_METATYPE(Tokengate::RouteConfig)
Q_DECLARE_METATYPE(Tokengate::PathConfig)
Q_DECLARE_METATYPE(Tokengate::PathConfig::Parameters)
Q_DECLARE_METATYPE(std::optional<bool>)

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

// What routeFor() answers: the matching route's name, "-" for none, "!<reason>" for a
// refused path.
QString routeFor(const QList<RouteConfig> &routes, const QByteArray &method,
                 const QByteArray &hostHeader, const QByteArray &target,
                 const PathConfig &paths = {}, const HeaderMap &headers = {}) {
    QString error;
    const std::optional<Router> router = Router::compile(routes, paths, &error);
    if (!router)
        return QStringLiteral("compile error: ") + error;
    const TargetParts parts = splitTarget(target);
    const QByteArrayView host =
        hostWithoutPort(parts.authority.isNull() ? QByteArrayView(hostHeader) : parts.authority);
    const MethodOverrides overrides = methodOverrides(headers, parts.query, method);
    if (overrides.unreadable)
        return QStringLiteral("!method_override");
    const RouteDecision d = router->decide(method, host, parts.path, overrides.methods);
    if (d.path.refused())
        return u'!' + QString::fromLatin1(reasonId(d.path.reason));
    return d.index < 0 ? QStringLiteral("-") : routes.at(d.index).name;
}

// The shape match() and methodOverride() share: method, a second field (the Host header, or
// an override header line), target and the expected routeFor() answer.
void addRouteColumns(const char *second) {
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>(second);
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QString>("expected");
}
void routeRow(const char *name, const char *method, const char *second, const char *target,
              const char *expected) {
    QTest::newRow(name) << QByteArray(method) << QByteArray(second) << QByteArray(target)
                        << QString::fromLatin1(expected);
}

// The path normalizePath gives, or "!<reason>".
QByteArray normalized(QByteArrayView raw, const PathConfig &paths) {
    const NormalizedPath n = normalizePath(raw, paths);
    return n.refused() ? '!' + QByteArray(reasonId(n.reason)) : n.path;
}

// The table of the bypass: a protected /admin/, a public /static/, a catch-all.
QList<RouteConfig> bypassTable(bool adminCaseInsensitive) {
    RouteConfig admin = route(QStringLiteral("admin"), {}, QStringLiteral("/admin/"));
    admin.caseInsensitive = adminCaseInsensitive;
    admin.requiredScopes = {QStringLiteral("admin")};
    RouteConfig statics = route(QStringLiteral("static"), {}, QStringLiteral("/static/"));
    statics.authenticate = false;
    return {admin, statics, route(QStringLiteral("catch-all"), {}, QStringLiteral("/"))};
}

// The bypass table's rows under one path-parameter mode: target and the route (or refusal).
void addModeColumns() {
    QTest::addColumn<PathConfig::Parameters>("mode");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QString>("expected");
}
void modeRow(const char *name, PathConfig::Parameters mode, const char *target,
             const char *expected) {
    QTest::newRow(name) << mode << QByteArray(target) << QString::fromLatin1(expected);
}

} // namespace

class TestRouter : public QObject {
    Q_OBJECT

private slots:
    void match_data() {
        addRouteColumns("host");
        const auto row = routeRow;
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
        row("trailing dot of a fully qualified name", "GET", "api.example.com.:80", "/orders/7",
            "orders");
        row("trailing dot, wildcard host", "GET", "eu.shop.example.com.", "/cart", "shop");
        row("wildcard host needs a subdomain", "GET", "shop.example.com", "/cart", "catch-all");
        row("method list: allowed", "POST", "api.example.com", "/admin/users", "admin-write");
        row("a GET route takes HEAD", "HEAD", "api.example.com", "/admin/users", "admin-read");
        row("a GET route does not take PUT", "PUT", "api.example.com", "/admin/users", "catch-all");
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
        row("encoded slash refused", "GET", "api.example.com", "/orders%2F1",
            "!path_escaped_slash");
        row("dot segment resolved", "GET", "api.example.com", "/orders/../admin/x", "admin-read");
        row("encoded dot segment resolved", "GET", "api.example.com", "/public/%2e%2E/admin/x",
            "admin-read");
        row("single dot segment resolved", "GET", "api.example.com", "/./admin/x", "admin-read");
        row("dot segment above the root refused", "GET", "api.example.com", "/../admin/x",
            "!path_not_canonical");
        row("double slash merged", "GET", "api.example.com", "//admin//x", "admin-read");
        row("letter case kept by default", "GET", "api.example.com", "/ADMIN/x", "catch-all");
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
                  QStringLiteral("/admin/"), {}, {QStringLiteral("GET")}),
            route(QStringLiteral("profile"), {}, {}, QStringLiteral("/v1/users/*/profile")),
            route(QStringLiteral("pdf"), {}, {}, QStringLiteral("/files/**.pdf")),
            route(QStringLiteral("v6"), {QStringLiteral("[::1]")}, QStringLiteral("/local")),
            route(QStringLiteral("catch-all"),
                  {QStringLiteral("api.example.com"), QStringLiteral("shop.example.com")}, {}),
        };
        QCOMPARE(routeFor(table, method, host, target), expected);
    }

    // The scenario: every spelling of /admin/x reaches the admin rule or is refused.
    void bypass_data() {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<QString>("expected");
        auto row = [](const char *target, const char *expected) {
            QTest::newRow(target) << QByteArray(target) << QString::fromLatin1(expected);
        };
        row("/admin/x", "admin");
        row("/ADMIN/x", "admin");
        row("/Admin/X", "admin");
        row("//admin/x", "admin");
        row("///admin///x", "admin");
        row("/./admin/x", "admin");
        row("/static/../admin/x", "admin");
        row("/static/%2e%2e/admin/x", "admin");
        row("/static/.%2E/admin/x", "admin");
        row("/%61dmin/x", "admin");
        row("/%41DMIN/x", "admin");
        row("/static/..;/admin/x", "!path_parameter");
        row("/static/.;/../admin/x", "!path_parameter");
        row("/static/..;x=1/admin/x", "!path_parameter");
        row("/static/%2e%2e;/admin/x", "!path_parameter");
        row("/static/..%3B/admin/x", "!path_parameter");
        row("/admin/x;jsessionid=1", "admin");
        row("/admin;jsessionid=1/x", "!path_parameter"); // the upstream's /admin/x
        row("/static;x=/../admin/x", "admin");           // ".." resolved first: it is /admin/x
        row("/static/..%2fadmin/x", "!path_escaped_slash");
        row("/static/..%2Fadmin/x", "!path_escaped_slash");
        row("/static/..%5cadmin/x", "!path_escaped_slash");
        row("/static/..\\admin/x", "!path_escaped_slash");
        row("/static\\..\\admin/x", "!path_escaped_slash");
        row("/static/%252e%252e/admin/x", "static");            // double encoding: a literal "%2e"
        row("/static/%c0%ae%c0%ae/admin/x", "!path_malformed"); // overlong "."
        row("/static/%c0%af../admin/x", "!path_malformed");     // overlong "/"
        row("/static/%e0%80%ae/x", "!path_malformed");          // overlong, 3 bytes
        row("/static/%ff/x", "!path_malformed");
        row("/static/\xff/x", "!path_malformed");
        row("/static/%ed%a0%80/x", "!path_malformed"); // a surrogate
        row("/static/%c3/x", "!path_malformed");       // cut short
        row("/static/%00/x", "!path_malformed");
        row("/static/%zz/x", "!path_malformed");
        row("/static/%2", "!path_malformed");
        row("/static/%C3%A9t%C3%A9", "static");
        row("/static/\xc3\xa9t\xc3\xa9", "static");
        row("/static/x/../../admin/x", "admin");
        row("/static/../../admin/x", "!path_not_canonical");
        row("/static/..", "catch-all");
    }
    void bypass() {
        QFETCH(QByteArray, target);
        QFETCH(QString, expected);
        QCOMPARE(routeFor(bypassTable(true), "GET", "gw.test", target), expected);
    }

    // What the upstream is sent: the path the route was chosen for.
    void normalize_data() {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QByteArray>("expected"); // "!<reason>" when refused
        auto row = [](const char *name, const char *raw, const char *expected) {
            QTest::newRow(name) << QByteArray(raw) << QByteArray(expected);
        };
        row("root", "/", "/");
        row("plain", "/a/b", "/a/b");
        row("trailing slash kept", "/a/b/", "/a/b/");
        row("letter case kept", "/ADMIN/X", "/ADMIN/X");
        row("double slash", "//a//b", "/a/b");
        row("only slashes", "///", "/");
        row("trailing double slash", "/a//", "/a/");
        row("dot", "/a/./b", "/a/b");
        row("trailing dot", "/a/.", "/a/");
        row("dot-dot", "/a/b/../c", "/a/c");
        row("trailing dot-dot", "/a/b/..", "/a/");
        row("dot-dot to the root", "/a/..", "/");
        row("dot-dot above the root", "/..", "!path_not_canonical");
        row("dot-dot above the root later", "/a/../../b", "!path_not_canonical");
        row("encoded dots", "/a/%2e/%2E%2e/b", "/b");
        row("dots in a name", "/a..b/.c/d.", "/a..b/.c/d.");
        row("encoded unreserved decoded", "/%61%5A%30%2D%2e%5F%7e", "/aZ0-._~");
        row("other escapes upper-cased", "/a%3ab%20c%25", "/a%3Ab%20c%25");
        row("escaped percent stays", "/%252e", "/%252e");
        row("raw UTF-8 escaped", "/\xc3\xa9", "/%C3%A9");
        row("escaped UTF-8 upper-cased", "/%c3%a9", "/%C3%A9");
        row("4-byte UTF-8", "/%F0%9F%98%80", "/%F0%9F%98%80");
        row("overlong", "/%C0%AE", "!path_malformed");
        row("non-UTF-8 byte", "/%E9t%E9", "!path_malformed");
        row("raw non-UTF-8 byte", "/\xe9", "!path_malformed");
        row("above U+10FFFF", "/%F4%90%80%80", "!path_malformed");
        row("encoded NUL", "/a%00", "!path_malformed");
        row("encoded control", "/a%0d%0a", "!path_malformed");
        row("bad escape", "/a%g1", "!path_malformed");
        row("escape cut off", "/a%", "!path_malformed");
        row("escaped slash", "/a%2fb", "!path_escaped_slash");
        row("escaped backslash", "/a%5Cb", "!path_escaped_slash");
        row("backslash", "/a\\b", "!path_escaped_slash");
        row("path parameter kept", "/a;v=1/b", "/a;v=1/b");
        row("dot-dot parameter", "/a/..;/b", "!path_parameter");
        row("dot parameter", "/a/.;x/b", "!path_parameter");
        row("mixed", "//a/./b/%2E%2E/%63//d/", "/a/c/d/");
        row("not origin-form", "*", "*");
        const QByteArray longPath = "/" + QByteArray(4000, 'a') + "/../b";
        QTest::newRow("long path") << longPath << QByteArray("/b");
    }
    void normalize() {
        QFETCH(QByteArray, raw);
        QFETCH(QByteArray, expected);
        QCOMPARE(normalized(raw, PathConfig()), expected);
    }

    // The settings that change the defaults.
    void settings_data() {
        QTest::addColumn<PathConfig>("paths");
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QByteArray>("expected");
        const PathConfig defaults;
        PathConfig strict;
        strict.normalizePath = false;
        strict.mergeSlashes = false;
        PathConfig keep;
        keep.escapedSlashes = PathConfig::EscapedSlashes::Keep;
        PathConfig unescape;
        unescape.escapedSlashes = PathConfig::EscapedSlashes::UnescapeAndForward;
        auto row = [](const char *name, const PathConfig &p, const char *raw,
                      const char *expected) {
            QTest::newRow(name) << p << QByteArray(raw) << QByteArray(expected);
        };
        row("strict: normal path passes", strict, "/a/%3A", "/a/%3A");
        row("strict: dot-dot refused", strict, "/a/../b", "!path_not_canonical");
        row("strict: dot refused", strict, "/a/./b", "!path_not_canonical");
        row("strict: encoded unreserved refused", strict, "/%61", "!path_not_canonical");
        row("strict: lower-case escape refused", strict, "/%3a", "!path_not_canonical");
        row("strict: raw UTF-8 refused", strict, "/\xc3\xa9", "!path_not_canonical");
        row("strict: double slash refused", strict, "//a", "!path_not_canonical");
        row("strict: trailing slash passes", strict, "/a/", "/a/");
        row("keep: escaped slash kept", keep, "/a%2fb%5Cc", "/a%2Fb%5Cc");
        row("keep: backslash kept", keep, "/a\\b", "/a\\b");
        row("keep: dot-dot behind an escaped slash", keep, "/a/..%2Fb", "!path_not_canonical");
        row("keep: dot-dot after a backslash", keep, "/a\\../b", "!path_not_canonical");
        row("keep: dot-dot parameter behind an escaped slash", keep, "/a/b%2F..;/c",
            "!path_not_canonical");
        row("unescape: slashes", unescape, "/a%2Fb%5cc\\d", "/a/b/c/d");
        row("unescape: then dot-dot resolved", unescape, "/s/..%2Fadmin/x", "/admin/x");
        row("unescape: above the root", unescape, "/..%2F..%2Fx", "!path_not_canonical");
        row("defaults: double slash", defaults, "//a", "/a");
    }
    void settings() {
        QFETCH(PathConfig, paths);
        QFETCH(QByteArray, raw);
        QFETCH(QByteArray, expected);
        QCOMPARE(normalized(raw, paths), expected);
    }

    // ";" in a segment: servlet containers cut it off before they route.
    void pathParameters_data() {
        addModeColumns();
        using P = PathConfig::Parameters;
        const auto row = modeRow;
        row("same route: allowed", P::RejectIfRerouted, "/admin/y;x=1", "admin");
        row("same route, static", P::RejectIfRerouted, "/static/a;v=2", "static");
        row("route changes: refused", P::RejectIfRerouted, "/admin;x/", "!path_parameter");
        row("route changes through an escaped ;", P::RejectIfRerouted, "/admin%3bx/secret",
            "!path_parameter");
        row("escaped ; on the same route: allowed", P::RejectIfRerouted, "/admin/y%3Bx=1", "admin");
        row("route changes via an empty segment", P::RejectIfRerouted, "/;x/admin/y",
            "!path_parameter");
        row("no route formed by cutting: allowed", P::RejectIfRerouted, "/adm;x/in/y", "catch-all");
        row("reject: any parameter", P::Reject, "/static/a;v=2", "!path_parameter");
        row("keep: forwarded", P::Keep, "/;x/admin/y", "catch-all");
        row("keep: dot-dot parameter still refused", P::Keep, "/static/..;/admin/x",
            "!path_parameter");
    }
    void pathParameters() {
        QFETCH(PathConfig::Parameters, mode);
        QFETCH(QByteArray, target);
        QFETCH(QString, expected);
        PathConfig paths;
        paths.parameters = mode;
        QCOMPARE(routeFor(bypassTable(false), "GET", "gw.test", target, paths), expected);
    }

    // keep_unchanged escaped slashes: an upstream that reads "\\", "%2F" or "%5C" as "/" (and
    // merges the empty segments that makes) must not reach a route the gateway did not pick.
    // Found by fuzz/fuzz_route_path.cpp (the "fuzz find" row).
    void keptEscapedSlashes_data() {
        addModeColumns();
        using P = PathConfig::Parameters;
        const auto row = modeRow;
        row("same route: allowed", P::RejectIfRerouted, "/static/a%2Fb", "static");
        row("same route, backslash: allowed", P::RejectIfRerouted, "/admin/a\\b", "admin");
        row("catch-all that stays there", P::RejectIfRerouted, "/a%2Fb", "catch-all");
        row("backslashes before admin", P::RejectIfRerouted, "/\\\\admin/x", "!path_escaped_slash");
        row("one backslash before admin", P::RejectIfRerouted, "/\\admin/x", "!path_escaped_slash");
        row("escaped slash before admin", P::RejectIfRerouted, "/%2Fadmin/x",
            "!path_escaped_slash");
        row("escaped backslash before admin", P::RejectIfRerouted, "/%5cadmin/x",
            "!path_escaped_slash");
        row("escaped slash inside the prefix", P::RejectIfRerouted, "/admin%2Fx",
            "!path_escaped_slash");
        row("fuzz find: with a parameter", P::RejectIfRerouted, "/\\\\\\\\\\admin/x/p;vx\\sZ",
            "!path_escaped_slash");
        row("backslash then parameter", P::RejectIfRerouted, "/;y\\admin/z", "!path_escaped_slash");
        row("parameters kept: still refused", P::Keep, "/%2Fadmin/x", "!path_escaped_slash");
        // From a review: an upstream that reads only some spellings as "/", or cuts
        // parameters before it decodes.
        row("only %2F decoded, then ; cut", P::RejectIfRerouted, "/;\\x%2Fadmin/x",
            "!path_escaped_slash");
        row("only %2F decoded, escaped ;", P::RejectIfRerouted, "/%3B\\x%2Fadmin/x",
            "!path_escaped_slash");
        row("only \\ read as /, then ; cut", P::RejectIfRerouted, "/;%2Fx\\admin/x",
            "!path_escaped_slash");
    }
    void keptEscapedSlashes() {
        QFETCH(PathConfig::Parameters, mode);
        QFETCH(QByteArray, target);
        QFETCH(QString, expected);
        PathConfig paths;
        paths.escapedSlashes = PathConfig::EscapedSlashes::Keep;
        paths.parameters = mode;
        QCOMPARE(routeFor(bypassTable(false), "GET", "gw.test", target, paths), expected);
    }

    // The same, for tables where the check matters differently: a prefix without "/", an
    // exact pattern and a glob whose "*" stays within a segment.
    void keptEscapedSlashesOtherTables_data() {
        QTest::addColumn<QString>("prefix");
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QByteArray>("target");
        auto row = [](const char *name, const char *prefix, const char *pattern,
                      const char *target) {
            QTest::newRow(name) << QString::fromLatin1(prefix) << QString::fromLatin1(pattern)
                                << QByteArray(target);
        };
        row("prefix without a slash", "/admin", "", "/;\\x%2Fadmin");
        row("parameters cut before decoding", "", "/admin/config", "/admin\\config;x\\y");
        row("glob, only %2F decoded", "", "/*/secret", "/a\\b%2Fsecret");
        row("glob, only \\ read as /", "", "/*/secret", "/a%2Fb\\secret");
    }
    void keptEscapedSlashesOtherTables() {
        QFETCH(QString, prefix);
        QFETCH(QString, pattern);
        QFETCH(QByteArray, target);
        RouteConfig guarded = route(QStringLiteral("guarded"), {}, prefix, pattern);
        guarded.requiredScopes = {QStringLiteral("admin")};
        PathConfig paths;
        paths.escapedSlashes = PathConfig::EscapedSlashes::Keep;
        QCOMPARE(routeFor({guarded, route(QStringLiteral("catch-all"), {}, QStringLiteral("/"))},
                          "GET", "gw.test", target, paths),
                 QStringLiteral("!path_escaped_slash"));
    }

    void caseInsensitive_data() {
        QTest::addColumn<std::optional<bool>>("route");
        QTest::addColumn<bool>("global");
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<QString>("expected");
        using O = std::optional<bool>;
        QTest::newRow("default: case kept")
            << O() << false << QByteArray("/ADMIN/x") << QStringLiteral("catch-all");
        QTest::newRow("route on") << O(true) << false << QByteArray("/ADMIN/x")
                                  << QStringLiteral("admin");
        QTest::newRow("global on")
            << O() << true << QByteArray("/aDmIn/x") << QStringLiteral("admin");
        QTest::newRow("route off overrides global")
            << O(false) << true << QByteArray("/ADMIN/x") << QStringLiteral("catch-all");
        QTest::newRow("escapes compare either case")
            << O(true) << false << QByteArray("/%41dmin/x") << QStringLiteral("admin");
        QTest::newRow("non-ASCII is not folded")
            << O(true) << false << QByteArray("/\xc3\x89/x") << QStringLiteral("catch-all");
    }
    void caseInsensitive() {
        QFETCH(std::optional<bool>, route);
        QFETCH(bool, global);
        QFETCH(QByteArray, target);
        QFETCH(QString, expected);
        QList<RouteConfig> table = bypassTable(false);
        table[0].caseInsensitive = route;
        // A glob takes the same letter-case rule.
        table.insert(1, ::route(QStringLiteral("pattern"), {}, {}, QStringLiteral("/Files/*.PDF")));
        table[1].caseInsensitive = route;
        PathConfig paths;
        paths.caseInsensitive = global;
        QCOMPARE(routeFor(table, "GET", "gw.test", target, paths), expected);
        const QString pdf = routeFor(table, "GET", "gw.test", "/files/a.pdf", paths);
        QCOMPARE(pdf,
                 route.value_or(global) ? QStringLiteral("pattern") : QStringLiteral("catch-all"));
    }

    // X-HTTP-Method-Override and its cousins: the upstream acts on the named method, so it
    // must take the route the request's own method took (a deleting route that needs a scope
    // must not be reached by a POST to the public route naming DELETE).
    void methodOverride_data() {
        addRouteColumns("header"); // "Name: value", or empty
        const auto row = routeRow;
        row("no override", "POST", "", "/items/1", "public");
        row("X-HTTP-Method-Override", "POST", "X-HTTP-Method-Override: DELETE", "/items/1",
            "!method_override");
        row("lower case value", "POST", "X-HTTP-Method-Override: delete", "/items/1",
            "!method_override");
        row("X-HTTP-Method", "POST", "X-HTTP-Method: DELETE", "/items/1", "!method_override");
        row("X-Method-Override", "POST", "x-method-override: DELETE", "/items/1",
            "!method_override");
        row("second value in the list", "POST", "X-HTTP-Method-Override: PATCH, DELETE", "/items/1",
            "!method_override");
        row("_method in the query", "POST", "", "/items/1?_method=DELETE", "!method_override");
        row("_method after ;", "POST", "", "/items/1?a=1;_method=delete", "!method_override");
        row("encoded _method", "POST", "", "/items/1?%5Fmethod=%44ELETE", "!method_override");
        row("same route either way", "POST", "X-HTTP-Method-Override: PUT", "/items/1", "public");
        row("the request's own method", "DELETE", "X-HTTP-Method-Override: DELETE", "/items/1",
            "deleting");
        row("overriding away from the strict route", "DELETE", "X-HTTP-Method-Override: GET",
            "/items/1", "!method_override");
        row("other parameter", "POST", "", "/items/1?method=DELETE", "public");
        // What CGI-style servers, PHP, JavaScript's trim() and ASP.NET make of other spellings.
        row("underscores in the name", "POST", "X_HTTP_Method_Override: DELETE", "/items/1",
            "!method_override");
        row("no-break space after the value", "POST", "X-HTTP-Method-Override: DELETE\xa0",
            "/items/1", "!method_override");
        row("Kelvin sign", "POST", "", "/items/1?_method=LOC%E2%84%AA", "!method_override");
        row("PHP reads . as _", "POST", "", "/items/1?.method=DELETE", "!method_override");
        row("PHP drops leading spaces", "POST", "", "/items/1?+_method=DELETE", "!method_override");
        row("PHP cuts at NUL", "POST", "", "/items/1?_method%00x=DELETE", "!method_override");
        row("ASP.NET's query key", "POST", "", "/items/1?X-HTTP-Method-Override=DELETE",
            "!method_override");
        row("a WebDAV method name", "POST", "X-HTTP-Method-Override: VERSION-CONTROL", "/items/1",
            "public");
        row("unrelated keys", "POST", "", "/items/1?utm_source=a&_methods=DELETE", "public");
    }
    void methodOverride() {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, header);
        QFETCH(QByteArray, target);
        QFETCH(QString, expected);
        RouteConfig deleting = route(QStringLiteral("deleting"), {}, QStringLiteral("/items/"), {},
                                     {QStringLiteral("DELETE")});
        deleting.requiredScopes = {QStringLiteral("items:delete")};
        const QList<RouteConfig> table = {deleting,
                                          route(QStringLiteral("public"), {}, QStringLiteral("/"))};
        HeaderMap headers;
        if (!header.isEmpty()) {
            const qsizetype colon = header.indexOf(':');
            headers.append(header.first(colon), header.sliced(colon + 1).trimmed());
        }
        QCOMPARE(routeFor(table, method, "gw.test", target, {}, headers), expected);
    }
    // With escaped slashes kept, every reading of the path is judged with the override too.
    void methodOverrideUnderPathReadings() {
        const QList<RouteConfig> table = {route(QStringLiteral("deleting"), {},
                                                QStringLiteral("/items/"), {},
                                                {QStringLiteral("DELETE")}),
                                          route(QStringLiteral("public"), {}, QStringLiteral("/"))};
        PathConfig paths;
        paths.escapedSlashes = PathConfig::EscapedSlashes::Keep;
        HeaderMap override;
        override.append("X-HTTP-Method-Override", "DELETE");
        QCOMPARE(routeFor(table, "POST", "gw.test", "/items%2F1", paths), QStringLiteral("public"));
        QCOMPARE(routeFor(table, "POST", "gw.test", "/items%2F1", paths, override),
                 QStringLiteral("!path_escaped_slash"));
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
        QTest::newRow("prefix no request can match")
            << route({}, {}, QStringLiteral("/a%2Fb")) << QStringLiteral("path_escaped_slash");
        QTest::newRow("pattern climbing above the root")
            << route({}, {}, {}, QStringLiteral("/../*")) << QStringLiteral("path_not_canonical");
    }
    void compileErrors() {
        QFETCH(RouteConfig, config);
        QFETCH(QString, expected);
        QString error;
        QVERIFY(!RouteMatcher::compile(config, PathConfig(), &error));
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
        const std::optional<Router> router = Router::compile(routes, PathConfig(), &error);
        QVERIFY2(router, qPrintable(error));
        const QByteArray target = "/files/2026/report%2Dq3.pdf?download=1";
        int index = -1;
        QBENCHMARK {
            const TargetParts parts = splitTarget(target);
            index = router->decide("GET", hostWithoutPort("eu.example.com:443"), parts.path).index;
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
        row("letter case must match", "/api", "/v2", "/API/x", "/API/x");
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

    // A case-insensitive route strips its prefix in any case; the rest keeps the client's.
    void rewriteCaseInsensitive() {
        RouteSettings r;
        r.stripPrefix = "/api";
        r.rewritePrefix = "/v2";
        r.caseInsensitive = true;
        QCOMPARE(r.rewriteTarget("/API/Orders?Q=1"), QByteArray("/v2/Orders?Q=1"));
        QCOMPARE(r.rewriteTarget("/APIx/y"), QByteArray("/APIx/y"));
    }

    // The config's strip prefix is compared with the normalised path, so it is normalised too.
    void stripPrefixNormalised() {
        Config config;
        RouteConfig r = route(QStringLiteral("api"), {}, QStringLiteral("/api/"));
        r.stripPrefix = QStringLiteral("/%61pi");
        r.caseInsensitive = true;
        config.routes = {r};
        const QList<RouteSettings> settings = compileRoutes(config);
        QCOMPARE(settings.value(0).stripPrefix, QByteArray("/api"));
        QVERIFY(settings.value(0).caseInsensitive);
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
            << QList<RouteConfig>{badAllow} << QStringLiteral("destination_allow:");
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
        RouteConfig badStrip = ok;
        badStrip.stripPrefix = QStringLiteral("/a/%2F");
        QTest::newRow("strip prefix no path can have")
            << QList<RouteConfig>{badStrip}
            << QStringLiteral("strip prefix \"/a/%2F\": The path holds an escaped slash");
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

    void pathWarnings_data() {
        QTest::addColumn<PathConfig>("paths");
        QTest::addColumn<QString>("warning"); // empty: none about paths
        PathConfig keepSlashes;
        keepSlashes.escapedSlashes = PathConfig::EscapedSlashes::Keep;
        PathConfig keepParameters;
        keepParameters.parameters = PathConfig::Parameters::Keep;
        QTest::newRow("defaults") << PathConfig() << QString();
        QTest::newRow("escaped slashes kept")
            << keepSlashes << QStringLiteral("keep_unchanged escaped slashes");
        QTest::newRow("parameters kept")
            << keepParameters << QStringLiteral("keep_unchanged path parameters");
    }
    void pathWarnings() {
        QFETCH(PathConfig, paths);
        QFETCH(QString, warning);
        Config config;
        config.routes = {route(QStringLiteral("r"), {}, QStringLiteral("/"))};
        config.paths = paths;
        const QString all = config.warnings().join(u'\n');
        if (warning.isEmpty())
            QVERIFY2(!all.contains(QStringLiteral("path_normalization")), qPrintable(all));
        else
            QVERIFY2(all.contains(warning), qPrintable(all));
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
