// SPDX-License-Identifier: Apache-2.0
// CORS as the Fetch standard's CORS protocol reads the answers (fetch.spec.whatwg.org, "CORS
// check" and "CORS-preflight fetch"): which origins a route grants, what a preflight is told,
// and the fields every answer of the route carries, the upstream's replaced.
#include "core/pipeline/corspolicy.h"

#include <QTest>

using namespace Tokengate;

namespace {

CorsConfig config(QStringList origins, bool credentials = false) {
    CorsConfig c;
    c.enabled = true;
    c.allowOrigins = std::move(origins);
    c.allowCredentials = credentials;
    return c;
}

CorsPolicy compiled(const CorsConfig &c, const QStringList &routeMethods = {}) {
    QString why;
    const std::optional<CorsPolicy> p = CorsPolicy::compile(c, routeMethods, &why);
    if (!p)
        qFatal("%s", qPrintable(why));
    return *p;
}

QStringList list(const char *text) {
    return text[0] ? QString::fromLatin1(text).split(u' ') : QStringList();
}

} // namespace

class TestCorsPolicy : public QObject {
    Q_OBJECT

private slots:
    void refusedConfigs_data() {
        QTest::addColumn<QStringList>("origins");
        QTest::addColumn<bool>("credentials");
        QTest::addColumn<QStringList>("headers");
        QTest::addColumn<QStringList>("expose");
        QTest::addColumn<QString>("why");
        const QStringList none;
        QTest::newRow("no origin") << none << false << none << none << "allow_origins is empty";
        QTest::newRow("any origin with credentials")
            << list("*") << true << none << none << "every site";
        QTest::newRow("null with credentials")
            << list("https://app.test null") << true << none << none << "\"null\"";
        QTest::newRow("a whole top-level domain")
            << list("https://*.com") << false << none << none << "top-level domain";
        QTest::newRow("no scheme") << list("app.test") << false << none << none << "app.test";
        QTest::newRow("path") << list("https://app.test/x") << false << none << none
                              << "app.test/x";
        QTest::newRow("pattern with path")
            << list("https://*.b.test/x") << false << none << none << "*.b.test/x";
        QTest::newRow("star inside")
            << list("https://a.*.test") << false << none << none << "a.*.test";
        QTest::newRow("pattern without scheme")
            << list("*.b.test") << false << none << none << "*.b.test";
        QTest::newRow("userinfo") << list("https://u@app.test") << false << none << none << "u@";
        QTest::newRow("port not a number")
            << list("https://app.test:x") << false << none << none << "app.test:x";
        QTest::newRow("header not a name")
            << list("https://app.test") << false << QStringList{QStringLiteral("X Bad")} << none
            << "X Bad";
        QTest::newRow("expose any with credentials")
            << list("https://app.test") << true << none << list("*") << "expose_headers";
    }
    void refusedConfigs() {
        QFETCH(QStringList, origins);
        QFETCH(bool, credentials);
        QFETCH(QStringList, headers);
        QFETCH(QStringList, expose);
        QFETCH(QString, why);
        CorsConfig c = config(origins, credentials);
        c.allowHeaders = headers;
        c.exposeHeaders = expose;
        QString problem;
        QVERIFY(!CorsPolicy::compile(c, {}, &problem));
        QVERIFY2(problem.startsWith(u"cors: ") && problem.contains(why), qPrintable(problem));
    }

    void origins_data() {
        QTest::addColumn<QStringList>("allowed");
        QTest::addColumn<QByteArray>("origin");
        QTest::addColumn<bool>("granted");
        const QStringList exact = list("https://app.test http://[::1]:8080 null");
        QTest::newRow("exact") << exact << QByteArray("https://app.test") << true;
        QTest::newRow("letter case") << exact << QByteArray("HTTPS://App.Test") << true;
        QTest::newRow("default port") << exact << QByteArray("https://app.test:443") << true;
        QTest::newRow("IPv6 literal") << exact << QByteArray("http://[::1]:8080") << true;
        QTest::newRow("null listed") << exact << QByteArray("null") << true;
        QTest::newRow("other scheme") << exact << QByteArray("http://app.test") << false;
        QTest::newRow("other port") << exact << QByteArray("https://app.test:8443") << false;
        QTest::newRow("port with a leading zero")
            << list("http://app.test:8080") << QByteArray("http://app.test:08080") << false;
        QTest::newRow("longer host") << exact << QByteArray("https://app.test.evil.test") << false;
        QTest::newRow("prefixed host") << exact << QByteArray("https://evilapp.test") << false;
        QTest::newRow("trailing slash") << exact << QByteArray("https://app.test/") << false;
        QTest::newRow("userinfo") << exact << QByteArray("https://app.test@evil.test") << false;
        QTest::newRow("empty") << exact << QByteArray() << false;
        const QStringList pattern = list("https://*.b.test");
        QTest::newRow("subdomain") << pattern << QByteArray("https://x.b.test") << true;
        QTest::newRow("deeper subdomain") << pattern << QByteArray("https://x.y.b.test") << true;
        QTest::newRow("the domain itself") << pattern << QByteArray("https://b.test") << false;
        QTest::newRow("suffix without dot") << pattern << QByteArray("https://xb.test") << false;
        QTest::newRow("pattern, other scheme") << pattern << QByteArray("http://x.b.test") << false;
        QTest::newRow("pattern, other port")
            << pattern << QByteArray("https://x.b.test:444") << false;
        QTest::newRow("pattern, longer host")
            << pattern << QByteArray("https://x.b.test.evil.test") << false;
        QTest::newRow("pattern, escaped dot")
            << pattern << QByteArray("https://x%2eb.test") << false;
        QTest::newRow("null not listed") << pattern << QByteArray("null") << false;
        QTest::newRow("any") << list("*") << QByteArray("https://whatever.test") << true;
        QTest::newRow("any, null") << list("*") << QByteArray("null") << true;
    }
    void origins() {
        QFETCH(QStringList, allowed);
        QFETCH(QByteArray, origin);
        QFETCH(bool, granted);
        QCOMPARE(compiled(config(allowed)).allowsOrigin(origin), granted);
    }

    void sameOrigin_data() {
        QTest::addColumn<QByteArray>("origin");
        QTest::addColumn<QByteArray>("host");
        QTest::addColumn<bool>("same");
        QTest::newRow("with port")
            << QByteArray("http://gw.test:8080") << QByteArray("gw.test:8080") << true;
        QTest::newRow("http default")
            << QByteArray("http://gw.test") << QByteArray("gw.test:80") << true;
        QTest::newRow("https default")
            << QByteArray("https://gw.test") << QByteArray("gw.test:443") << true;
        QTest::newRow("letter case")
            << QByteArray("http://gw.test") << QByteArray("GW.TEST") << true;
        QTest::newRow("port missing")
            << QByteArray("http://gw.test:8080") << QByteArray("gw.test") << false;
        QTest::newRow("other host")
            << QByteArray("http://evil.test") << QByteArray("gw.test") << false;
        QTest::newRow("null") << QByteArray("null") << QByteArray("gw.test") << false;
        QTest::newRow("no host") << QByteArray("http://gw.test") << QByteArray() << false;
    }
    void sameOrigin() {
        QFETCH(QByteArray, origin);
        QFETCH(QByteArray, host);
        QFETCH(bool, same);
        QCOMPARE(CorsPolicy::isSameOrigin(origin, host), same);
    }

    // Allowed: the answer passes the browser's CORS check for the request asked about.
    void preflight_data() {
        QTest::addColumn<QStringList>("methods");      // allow_methods
        QTest::addColumn<QStringList>("routeMethods"); // the route's own
        QTest::addColumn<QStringList>("headers");      // allow_headers
        QTest::addColumn<QByteArray>("origin");
        QTest::addColumn<QByteArray>("method");       // Access-Control-Request-Method
        QTest::addColumn<QByteArray>("askedHeaders"); // Access-Control-Request-Headers
        QTest::addColumn<int>("refusal");             // Reason
        QTest::addColumn<QByteArray>("allowHeaders"); // Access-Control-Allow-Headers sent
        const QStringList none;
        const QStringList named = list("Authorization Content-Type");
        const QByteArray app = "https://app.test";
        const int ok = int(Reason::None);
        const int badOrigin = int(Reason::CorsOriginRefused);
        const int bad = int(Reason::CorsRequestRefused);
        QTest::newRow("default methods, named header")
            << none << none << named << app << QByteArray("PUT") << QByteArray("authorization")
            << ok << QByteArray("authorization");
        QTest::newRow("headers in any case and spacing")
            << none << none << named << app << QByteArray("DELETE")
            << QByteArray("Content-Type , authorization") << ok
            << QByteArray("content-type, authorization");
        QTest::newRow("header not allowed")
            << none << none << named << app << QByteArray("PUT")
            << QByteArray("authorization,x-other") << bad << QByteArray();
        QTest::newRow("any header") << none << none << none << app << QByteArray("PUT")
                                    << QByteArray("x-anything") << ok << QByteArray("x-anything");
        QTest::newRow("no header asked") << none << none << named << app << QByteArray("PATCH")
                                         << QByteArray() << ok << QByteArray();
        QTest::newRow("method not allowed") << none << none << none << app << QByteArray("CONNECT")
                                            << QByteArray() << bad << QByteArray();
        // Fetch compares methods byte for byte; browsers upper-case only the six it knows.
        QTest::newRow("method in another case")
            << none << none << none << app << QByteArray("patch") << QByteArray() << bad
            << QByteArray();
        QTest::newRow("safelisted method always")
            << list("PUT") << none << none << app << QByteArray("POST")
            << QByteArray("content-type") << ok << QByteArray("content-type");
        QTest::newRow("route methods are the default")
            << none << list("GET PURGE") << none << app << QByteArray("PURGE") << QByteArray() << ok
            << QByteArray();
        QTest::newRow("route methods, other")
            << none << list("GET PURGE") << none << app << QByteArray("DELETE") << QByteArray()
            << bad << QByteArray();
        QTest::newRow("method not a token") << none << none << none << app << QByteArray("P T")
                                            << QByteArray() << bad << QByteArray();
        QTest::newRow("headers not names") << none << none << none << app << QByteArray("PUT")
                                           << QByteArray("a b") << bad << QByteArray();
        QTest::newRow("origin not allowed")
            << none << none << none << QByteArray("https://evil.test") << QByteArray("PUT")
            << QByteArray() << badOrigin << QByteArray();
    }
    void preflight() {
        QFETCH(QStringList, methods);
        QFETCH(QStringList, routeMethods);
        QFETCH(QStringList, headers);
        QFETCH(QByteArray, origin);
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, askedHeaders);
        QFETCH(int, refusal);
        QFETCH(QByteArray, allowHeaders);
        CorsConfig c = config({QStringLiteral("https://app.test")}, true);
        c.allowMethods = methods;
        c.allowHeaders = headers;
        c.maxAgeSecs = 120;
        const CorsPolicy::Preflight p =
            compiled(c, routeMethods).answerPreflight(origin, method, askedHeaders);
        QCOMPARE(int(p.refusal), refusal);
        if (refusal != int(Reason::None))
            return;
        const HeaderMap &h = p.head.headers;
        QCOMPARE(p.head.status, 204);
        QVERIFY(!p.head.mayHaveBody);
        // The browser's CORS check: the origin echoed exactly (never "*" with credentials).
        QCOMPARE(h.values("Access-Control-Allow-Origin"), QList<QByteArray>{origin});
        QCOMPARE(h.value("Access-Control-Allow-Credentials"), QByteArray("true"));
        const bool safelisted = method == "GET" || method == "HEAD" || method == "POST";
        QVERIFY2(safelisted || h.hasToken("Access-Control-Allow-Methods", method),
                 h.value("Access-Control-Allow-Methods").constData());
        for (QByteArrayView asked : splitTokenList(askedHeaders))
            QVERIFY(h.hasToken("Access-Control-Allow-Headers", asked));
        QCOMPARE(h.value("Access-Control-Allow-Headers"), allowHeaders);
        QCOMPARE(h.value("Access-Control-Max-Age"), QByteArray("120"));
        QVERIFY(h.hasToken("Vary", "Origin"));
        QVERIFY(h.hasToken("Vary", "Access-Control-Request-Headers"));
    }

    void anyOriginAnswersStar() {
        const CorsPolicy p = compiled(config({QStringLiteral("*")}));
        const CorsPolicy::Preflight answer = p.answerPreflight("https://x.test", "PUT", {});
        QCOMPARE(answer.head.headers.value("Access-Control-Allow-Origin"), QByteArray("*"));
        QVERIFY(!answer.head.headers.contains("Access-Control-Allow-Credentials"));
    }

    // Whatever the upstream says about CORS, the route's policy is what the browser sees.
    void decorate_data() {
        QTest::addColumn<QByteArray>("origin"); // granted; empty: none
        QTest::addColumn<QList<QByteArray>>("upstream");
        QTest::addColumn<QList<QByteArray>>("expected");
        using L = QList<QByteArray>;
        QTest::newRow("upstream's replaced")
            << QByteArray("https://app.test")
            << L{"Access-Control-Allow-Origin: *", "access-control-allow-methods: DELETE",
                 "Access-Control-Allow-Credentials: false", "Content-Type: text/plain"}
            << L{"Content-Type: text/plain", "Access-Control-Allow-Origin: https://app.test",
                 "Access-Control-Allow-Credentials: true", "Access-Control-Expose-Headers: ETag",
                 "Vary: Origin"};
        QTest::newRow("no grant without an origin")
            << QByteArray() << L{"Access-Control-Allow-Origin: *", "Vary: Accept-Encoding"}
            << L{"Vary: Accept-Encoding", "Vary: Origin"};
        QTest::newRow("Vary already names Origin")
            << QByteArray() << L{"Vary: Accept-Encoding, origin"}
            << L{"Vary: Accept-Encoding, origin"};
        QTest::newRow("Vary *") << QByteArray() << L{"Vary: *"} << L{"Vary: *"};
        QTest::newRow("a 429's fields exposed")
            << QByteArray("https://app.test") << L{"Retry-After: 1", "RateLimit: \"l\";r=0;t=1"}
            << L{"Retry-After: 1",
                 "RateLimit: \"l\";r=0;t=1",
                 "Access-Control-Allow-Origin: https://app.test",
                 "Access-Control-Allow-Credentials: true",
                 "Access-Control-Expose-Headers: ETag, Retry-After, RateLimit",
                 "Vary: Origin"};
        QTest::newRow("challenge exposed")
            << QByteArray("https://app.test") << L{"WWW-Authenticate: Bearer"}
            << L{"WWW-Authenticate: Bearer", "Access-Control-Allow-Origin: https://app.test",
                 "Access-Control-Allow-Credentials: true",
                 "Access-Control-Expose-Headers: ETag, WWW-Authenticate", "Vary: Origin"};
    }
    void decorate() {
        QFETCH(QByteArray, origin);
        QFETCH(QList<QByteArray>, upstream);
        QFETCH(QList<QByteArray>, expected);
        CorsConfig c = config({QStringLiteral("https://app.test")}, true);
        c.exposeHeaders = {QStringLiteral("ETag")};
        HeaderMap headers;
        for (const QByteArray &line : upstream) {
            const qsizetype colon = line.indexOf(':');
            headers.append(line.first(colon), line.sliced(colon + 2));
        }
        compiled(c).decorate(headers, origin);
        QList<QByteArray> got;
        for (const HeaderField &f : headers.fields())
            got << f.name.toByteArray() + ": " + f.value.toByteArray();
        QCOMPARE(got, expected);
    }
};

QTEST_APPLESS_MAIN(TestCorsPolicy)
#include "tst_corspolicy.moc"
