// SPDX-License-Identifier: Apache-2.0
// Where a request goes: a request target (and the same bytes as a Destination URL) through
// path normalisation, the routing table, the route's prefix rewrite and the upstream URL
// parser. Normalising is idempotent, the route of a raw path is the route of its normal form,
// and a path that some upstream would read as /admin/... is routed to the admin route or
// refused, whichever spellings of "/" that upstream decodes and whenever it cuts parameters
// (the oracle is tests/support/upstreamreading.h, written apart from the normaliser). Method
// overrides (X-HTTP-Method-Override, `_method`) name only methods that take the same route.
#include "core/http/headermap.h"
#include "core/http/requesttarget.h"
#include "core/pipeline/destinationpolicy.h"
#include "core/pipeline/methodoverride.h"
#include "core/pipeline/router.h"
#include "core/pipeline/routesettings.h"
#include "fuzz/fuzzsupport.h"
#include "tests/support/upstreamreading.h"

using namespace Tokengate;
using namespace Tokengate::Fuzz;

namespace {

constexpr int AdminRoute = 0;

QList<RouteConfig> routes() {
    auto route = [](const char *name, const char *prefix, const char *pattern = "") {
        RouteConfig r;
        r.name = QString::fromLatin1(name);
        r.pathPrefix = QString::fromLatin1(prefix);
        r.pathPattern = QString::fromLatin1(pattern);
        r.caseInsensitive = true; // the oracle reads paths as a case-blind upstream would
        r.upstreamUrl = QStringLiteral("http://127.0.0.1:9");
        return r;
    };
    // Deleting under /static/ takes its own route: a method override naming DELETE must
    // not reach it from the open static route.
    RouteConfig purge = route("purge", "/static/");
    purge.methods = {QStringLiteral("DELETE")};
    return {route("admin", "/admin/"), purge, route("static", "/static/"),
            route("items", "", "/api/*/items/**"), route("all", "/")};
}

PathConfig pathConfigFor(InputRandom &random) {
    PathConfig c;
    if (random.chance(50)) {
        c.normalizePath = random.chance(50);
        c.mergeSlashes = random.chance(50);
        c.escapedSlashes = PathConfig::EscapedSlashes(random.below(3));
        c.parameters = PathConfig::Parameters(random.below(3));
    }
    return c;
}

bool isMethodName(QByteArrayView m) {
    return !m.isEmpty() && std::all_of(m.begin(), m.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

// The `_method` values of a query as a PHP or Rack upstream reads them, written apart from
// methodOverrides(), for queries without "%" only (decoding escapes is form_encoding's
// question, not this one).
QList<QByteArray> referenceQueryMethods(QByteArrayView query) {
    QList<QByteArray> out;
    if (query.contains('%'))
        return out;
    QByteArray text = query.toByteArray();
    text.replace(';', '&').replace('+', ' ');
    for (const QByteArray &pair : text.split('&')) {
        const qsizetype eq = pair.indexOf('=');
        if (eq < 0)
            continue;
        QByteArray key = pair.left(eq);
        while (key.startsWith(' '))
            key.remove(0, 1);
        for (char &c : key) {
            if (c == ' ' || c == '.' || c == '[')
                c = '_';
        }
        if (key.toLower() == "_method" || key.toLower() == "x-http-method-override" ||
            key.toLower() == "x_http_method_override")
            out << pair.mid(eq + 1).trimmed();
    }
    return out;
}

// X-HTTP-Method-Override and `_method`: whatever the upstream acts on is a method name that
// takes the request's route, or the request is refused.
void checkMethodOverride(const Router &router, QByteArrayView host, const TargetParts &parts,
                         QByteArrayView headerValue) {
    HeaderMap headers;
    headers.append("X-HTTP-Method-Override", headerValue.toByteArray());
    const MethodOverrides o = methodOverrides(headers, parts.query, "GET");
    for (qsizetype i = 0; i < o.methods.size(); ++i) {
        FUZZ_CHECK(isMethodName(o.methods[i]) && o.methods[i] != "GET", o.methods[i]);
        FUZZ_CHECK(o.methods.indexOf(o.methods[i]) == i, "duplicate " + o.methods[i]);
    }
    for (const QByteArray &value : referenceQueryMethods(parts.query)) {
        if (value.isEmpty())
            continue;
        const QByteArray upper = value.toUpper();
        FUZZ_CHECK(o.unreadable || upper == "GET" || o.methods.contains(upper),
                   "_method=" + value + " not seen in " + parts.query.toByteArray());
    }
    if (o.unreadable)
        return; // refused as method_override before routing
    const RouteDecision d = router.decide("GET", host, parts.path, o.methods);
    if (d.path.refused() || d.index < 0)
        return;
    for (const QByteArray &m : o.methods)
        FUZZ_CHECK(router.match(m, host, d.path.path) == d.index,
                   m + " takes another route than GET for " + d.path.path);
}

// `target` as RequestParser hands it on: origin-form, its authority (absolute-form) as Host.
void checkRouting(QByteArrayView sent, const PathConfig &paths, InputRandom &random) {
    const RequestTarget parsed = parseRequestTarget("GET", sent);
    if (!parsed.ok())
        return; // refused with 400 before any routing
    const QByteArray &target = parsed.originForm;
    QString error;
    const std::optional<Router> router = Router::compile(routes(), paths, &error);
    FUZZ_CHECK(router, error.toUtf8());
    static constexpr QByteArrayView hosts[] = {"gw.test", "GW.test.", "[::1]:8080", "a:80", ""};
    const QByteArrayView hostField =
        parsed.authority.isEmpty() ? hosts[random.below(5)] : QByteArrayView(parsed.authority);
    const TargetParts parts = splitTarget(target);
    const QByteArrayView host = hostWithoutPort(hostField);
    FUZZ_CHECK(hostField.startsWith(host), host.toByteArray());
    checkMethodOverride(*router, host, parts, random.chance(50) ? parts.query : "DELETE");
    const RouteDecision d = router->decide("GET", host, parts.path);
    if (d.path.refused() || d.index < 0) {
        FUZZ_CHECK(d.index < 0, "a refused path has a route");
        return; // 400 or 404: nothing is forwarded
    }
    FUZZ_CHECK(d.index == router->match("GET", host, d.path.path),
               "the raw path and its normal form route apart");
    QByteArray forwarded = d.path.path;
    if (parts.hasQuery)
        forwarded += '?' + parts.query.toByteArray();
    if (paths.parameters != PathConfig::Parameters::Keep && d.index != AdminRoute) {
        for (const QByteArray &reading : Test::upstreamReadings(forwarded))
            FUZZ_CHECK(!reading.startsWith("/admin/"), "route " + QByteArray::number(d.index) +
                                                           " forwards " + forwarded +
                                                           ", read upstream as " + reading);
    }
    RouteSettings rewrite;
    rewrite.stripPrefix = "/api";
    rewrite.rewritePrefix = random.chance(50) ? "/v2/" : "";
    rewrite.caseInsensitive = true;
    const QByteArray rewritten = rewrite.rewriteTarget(forwarded);
    if (forwarded.startsWith('/'))
        FUZZ_CHECK(rewritten.startsWith('/'), rewritten);
}

void checkNormalizer(QByteArrayView raw, const PathConfig &paths) {
    const NormalizedPath n = normalizePath(raw, paths);
    if (n.refused()) {
        FUZZ_CHECK(n.path.isEmpty() && n.message[0], raw.toByteArray().toPercentEncoding());
        return;
    }
    if (raw.startsWith('/'))
        FUZZ_CHECK(n.path.startsWith('/'), n.path.toPercentEncoding());
    const NormalizedPath again = normalizePath(n.path, paths);
    FUZZ_CHECK(!again.refused() && again.path == n.path,
               "normalize(" + raw.toByteArray().toPercentEncoding() +
                   ") = " + n.path.toPercentEncoding() + ", then " +
                   again.path.toPercentEncoding() + ' ' + reasonId(again.reason));
    FUZZ_CHECK(withoutPathParameters(withoutPathParameters(n.path)) ==
                   withoutPathParameters(n.path),
               n.path);
}

void checkDestination(QByteArrayView text, QByteArrayView clientTarget) {
    const std::optional<UpstreamTarget> t =
        UpstreamTarget::parse(QString::fromLatin1(text), nullptr);
    if (!t)
        return;
    FUZZ_CHECK(!t->origin.host.isEmpty() && t->origin.port > 0, text.toByteArray());
    const std::optional<UpstreamTarget> again = UpstreamTarget::parse(t->toString(), nullptr);
    FUZZ_CHECK(again && again->origin == t->origin && again->basePath == t->basePath &&
                   again->baseQuery == t->baseQuery && again->authority == t->authority,
               text.toByteArray() + " -> " + t->toString().toUtf8());
    static const DestinationPolicy policy =
        *DestinationPolicy::parse(QStringLiteral("*.example.com, 10.0.0.7:*, [fd00::1]"), nullptr);
    (void)policy.check(t->origin);
    const QByteArray joined = t->join(clientTarget.toByteArray());
    FUZZ_CHECK(joined.startsWith('/') || joined == "*" || !clientTarget.startsWith('/'), joined);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArrayView input = bytes(data, size);
    InputRandom random(input);
    const PathConfig paths = pathConfigFor(random);
    const TargetParts parts = splitTarget(input);
    checkNormalizer(parts.path, paths);
    // What the request parser lets through as a target: visible ASCII.
    if (!input.isEmpty() &&
        std::all_of(input.begin(), input.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
        checkRouting(input, paths, random);
        checkDestination(input, "/client/path?q=1");
    }
    return 0;
}
