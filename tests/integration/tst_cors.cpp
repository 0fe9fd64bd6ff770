// SPDX-License-Identifier: Apache-2.0
// CORS over loopback: a route with a CORS policy in front of an upstream that sends its own
// Access-Control-* fields, and a route without one. Preflights are answered by the gateway,
// before any token is looked at and never forwarded; every answer of the route, the
// gateway's refusals included, carries the route's grant and nothing of the upstream's; a
// request from an origin the route does not allow never reaches the upstream.
#include "tests/support/egsample.h"
#include "tests/support/gatewayfixture.h"
#include "tests/support/introspectedconfig.h"
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"

#include "core/devidp/demoidp.h"
#include <QProcess>
#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

constexpr char App[] = "https://app.test";

QByteArray preflightHeaders(const QByteArray &origin, const QByteArray &method,
                            const QByteArray &headers = {}) {
    return "Origin: " + origin + "\r\nAccess-Control-Request-Method: " + method + "\r\n" +
           (headers.isEmpty() ? QByteArray()
                              : "Access-Control-Request-Headers: " + headers + "\r\n");
}

} // namespace

class TestCors : public QObject {
    Q_OBJECT

    std::unique_ptr<ScriptedUpstream> m_upstream;
    std::unique_ptr<DemoIdp> m_idp;
    std::unique_ptr<Gateway> m_gw;
    QByteArray m_token;

    int upstreamRequests() const { return m_upstream->requestTotal(); }

    std::optional<ReceivedResponse> send(const QByteArray &method, const QByteArray &target,
                                         const QByteArray &headers) {
        return requestOnce(m_gw->port(), method, target, headers);
    }

private slots:
    void initTestCase() {
        QString error;
        m_upstream = std::make_unique<ScriptedUpstream>(ScriptedUpstream::answerEachRequestWith(
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nAccess-Control-Allow-Origin: *\r\n"
            "Access-Control-Allow-Methods: DELETE\r\nVary: Accept-Encoding\r\nETag: \"e1\"\r\n"
            "\r\nok"));
        m_idp = std::make_unique<DemoIdp>();
        QVERIFY2(m_idp->start(0, &error), qPrintable(error));
        m_token = m_idp->mint(QStringLiteral("user"), QStringLiteral("profile"), 600);

        Config c = testConfig(m_upstream->url());
        c.upstreamUrl.clear();
        introspectWith(c, *m_idp);
        RouteConfig api = prefixRoute("api", "/api/", m_upstream->url());
        api.cors.enabled = true;
        api.cors.allowOrigins = {QString::fromLatin1(App), QStringLiteral("https://*.b.test")};
        api.cors.allowHeaders = {QStringLiteral("Authorization"), QStringLiteral("Content-Type")};
        api.cors.exposeHeaders = {QStringLiteral("ETag")};
        api.cors.allowCredentials = true;
        api.cors.maxAgeSecs = 300;
        RouteConfig plain = prefixRoute("plain", "/plain/", m_upstream->url());
        plain.authenticate = false;
        c.routes = {api, plain};
        m_gw = std::make_unique<Gateway>();
        QVERIFY(m_gw->start(c));
    }
    void cleanupTestCase() {
        m_gw.reset();
        m_upstream.reset();
        m_idp.reset();
    }

    void preflightAnsweredByTheGateway() {
        const int before = upstreamRequests();
        const auto r = send("OPTIONS", "/api/items/1",
                            preflightHeaders("https://x.b.test", "PUT", "authorization"));
        QVERIFY(r);
        QCOMPARE(r->status, 204);
        QCOMPARE(r->headers.values("Access-Control-Allow-Origin"),
                 QList<QByteArray>{"https://x.b.test"});
        QCOMPARE(r->headers.value("Access-Control-Allow-Credentials"), QByteArray("true"));
        QVERIFY(r->headers.hasToken("Access-Control-Allow-Methods", "PUT"));
        QCOMPARE(r->headers.value("Access-Control-Allow-Headers"), QByteArray("authorization"));
        QCOMPARE(r->headers.value("Access-Control-Max-Age"), QByteArray("300"));
        QVERIFY(r->headers.hasToken("Vary", "Origin"));
        QCOMPARE(upstreamRequests(), before);
    }

    void preflightRefused_data() {
        QTest::addColumn<QByteArray>("headers");
        QTest::addColumn<QByteArray>("reason");
        QTest::newRow("origin") << preflightHeaders("https://evil.test", "PUT")
                                << QByteArray("cors_origin_refused");
        QTest::newRow("two origins")
            << preflightHeaders(App, "PUT") + "Origin: https://evil.test\r\n"
            << QByteArray("cors_origin_refused");
        QTest::newRow("header") << preflightHeaders(App, "PUT", "x-secret")
                                << QByteArray("cors_request_refused");
        QTest::newRow("method") << preflightHeaders(App, "CONNECT")
                                << QByteArray("cors_request_refused");
    }
    void preflightRefused() {
        QFETCH(QByteArray, headers);
        QFETCH(QByteArray, reason);
        const int before = upstreamRequests();
        const auto r = send("OPTIONS", "/api/items/1", headers);
        QVERIFY(r);
        QCOMPARE(r->status, 403);
        QVERIFY2(r->body.contains(reason), r->body.constData());
        QVERIFY(!r->headers.contains("Access-Control-Allow-Origin"));
        QVERIFY(r->headers.hasToken("Vary", "Origin"));
        QCOMPARE(upstreamRequests(), before);
    }

    // A route without CORS leaves preflights to the upstream, as before.
    void preflightOnARouteWithoutCorsIsForwarded() {
        const int before = upstreamRequests();
        const auto r = send("OPTIONS", "/plain/x", preflightHeaders(App, "PUT"));
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(r->headers.value("Access-Control-Allow-Origin"), QByteArray("*"));
        QVERIFY(waitFor([&] { return upstreamRequests() == before + 1; }));
    }

    void grantReplacesTheUpstreams() {
        const auto r =
            send("GET", "/api/items/1",
                 "Origin: " + QByteArray(App) + "\r\nAuthorization: Bearer " + m_token + "\r\n");
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(r->headers.values("Access-Control-Allow-Origin"), QList<QByteArray>{App});
        QCOMPARE(r->headers.value("Access-Control-Allow-Credentials"), QByteArray("true"));
        QCOMPARE(r->headers.value("Access-Control-Expose-Headers"), QByteArray("ETag"));
        QVERIFY(!r->headers.contains("Access-Control-Allow-Methods"));
        QVERIFY(r->headers.hasToken("Vary", "Accept-Encoding"));
        QVERIFY(r->headers.hasToken("Vary", "Origin"));
    }

    // The page can read the gateway's 401 and its challenge.
    void refusalCarriesTheGrant() {
        const int before = upstreamRequests();
        const auto r = send("GET", "/api/items/1", "Origin: " + QByteArray(App) + "\r\n");
        QVERIFY(r);
        QCOMPARE(r->status, 401);
        QCOMPARE(r->headers.values("Access-Control-Allow-Origin"), QList<QByteArray>{App});
        QVERIFY(r->headers.hasToken("Access-Control-Expose-Headers", "WWW-Authenticate"));
        QVERIFY(r->headers.contains("WWW-Authenticate"));
        QCOMPARE(upstreamRequests(), before);
    }

    // A simple POST from another site (a form) would reach the upstream with the user's
    // credentials even though the browser hides the answer: it is refused instead.
    void otherOriginNeverReachesTheUpstream_data() {
        QTest::addColumn<QByteArray>("origin");
        QTest::newRow("other site") << QByteArray("https://evil.test");
        QTest::newRow("lookalike") << QByteArray("https://app.test.evil.test");
        QTest::newRow("null") << QByteArray("null");
        QTest::newRow("other scheme") << QByteArray("http://app.test");
        QTest::newRow("two origins") << QByteArray(App) + "\r\nOrigin: https://evil.test";
    }
    void otherOriginNeverReachesTheUpstream() {
        QFETCH(QByteArray, origin);
        const int before = upstreamRequests();
        const auto r = send("POST", "/api/items",
                            "Origin: " + origin + "\r\nAuthorization: Bearer " + m_token +
                                "\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi");
        QVERIFY(r);
        QCOMPARE(r->status, 403);
        QVERIFY2(r->body.contains("cors_origin_refused"), r->body.constData());
        QVERIFY(!r->headers.contains("Access-Control-Allow-Origin"));
        QVERIFY(r->headers.hasToken("Vary", "Origin"));
        QCOMPARE(upstreamRequests(), before);
        const auto get =
            send("GET", "/api/items/1",
                 "Origin: " + origin + "\r\nAuthorization: Bearer " + m_token + "\r\n");
        QVERIFY(get);
        QCOMPARE(get->status, 403);
        QCOMPARE(upstreamRequests(), before);
    }

    // A POST naming another method needs no preflight: the override is judged as a preflight
    // would judge the method.
    void methodOverrideJudgedAsThePreflight() {
        const int before = upstreamRequests();
        const auto r = send("POST", "/api/items?_method=PURGE",
                            "Origin: " + QByteArray(App) + "\r\nAuthorization: Bearer " + m_token +
                                "\r\nContent-Length: 0\r\n");
        QVERIFY(r);
        QCOMPARE(r->status, 403);
        QVERIFY2(r->body.contains("cors_request_refused"), r->body.constData());
        QCOMPARE(upstreamRequests(), before);
    }

    // Sec-Fetch-Site, which pages cannot set, decides same-origin where a browser sends it:
    // it tells schemes apart, and vouches for a page whose Origin is "null".
    void fetchSiteDecidesSameOrigin_data() {
        QTest::addColumn<QByteArray>("headers");
        QTest::addColumn<int>("status");
        QTest::newRow("null from a same-origin page")
            << QByteArray("Origin: null\r\nSec-Fetch-Site: same-origin\r\n") << 200;
        QTest::newRow("same host, cross-site")
            << QByteArray("Origin: http://t\r\nSec-Fetch-Site: cross-site\r\n") << 403;
    }
    void fetchSiteDecidesSameOrigin() {
        QFETCH(QByteArray, headers);
        QFETCH(int, status);
        const auto r =
            send("POST", "/api/items",
                 headers + "Authorization: Bearer " + m_token + "\r\nContent-Length: 0\r\n");
        QVERIFY(r);
        QCOMPARE(r->status, status);
    }

    // One connection, a CORS route's answer then another route's: nothing carries over.
    void nothingCarriesOverOnAConnection() {
        RawClient c;
        QVERIFY(c.connectTo(m_gw->port()));
        c.send("GET /api/items/1 HTTP/1.1\r\nHost: t\r\nOrigin: https://app.test\r\n"
               "Authorization: Bearer " +
               m_token + "\r\n\r\n");
        auto r = c.readResponse();
        QVERIFY(r);
        QCOMPARE(r->headers.value("Access-Control-Allow-Origin"), QByteArray(App));
        c.send("GET /plain/x HTTP/1.1\r\nHost: t\r\nOrigin: https://app.test\r\n\r\n");
        r = c.readResponse();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(r->headers.values("Access-Control-Allow-Origin"), QList<QByteArray>{"*"});
        QVERIFY(!r->headers.hasToken("Vary", "Origin"));
        QVERIFY(!r->headers.contains("Access-Control-Allow-Credentials"));
    }

    // Browsers send Origin on same-origin POSTs too; CORS has no say over those.
    void sameOriginPasses() {
        const int before = upstreamRequests();
        const auto r = send("POST", "/api/items",
                            "Origin: http://t\r\nAuthorization: Bearer " + m_token +
                                "\r\nContent-Length: 0\r\n");
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QVERIFY(!r->headers.contains("Access-Control-Allow-Origin"));
        QVERIFY(waitFor([&] { return upstreamRequests() == before + 1; }));
    }

    void withoutOriginNoGrant() {
        const auto r = send("GET", "/api/items/1", "Authorization: Bearer " + m_token + "\r\n");
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QVERIFY(!r->headers.contains("Access-Control-Allow-Origin"));
        QVERIFY(r->headers.hasToken("Vary", "Origin"));
    }

    // Express Gateway's cors policy, imported, runs as it did there.
    void importedExpressGatewayPolicy() {
        QString error;
        std::optional<Config> imported =
            importedEgSample("cors.yml", m_upstream->url(), m_idp->introspectionUrl(), &error);
        QVERIFY2(imported, qPrintable(error));
        Config &c = *imported;
        Gateway gw;
        QVERIFY(gw.start(c));
        const int before = upstreamRequests();
        auto r = requestOnce(gw.port(), "OPTIONS", "/api/things",
                             preflightHeaders("https://a.example.org", "PUT", "x-test"));
        QVERIFY(r);
        QCOMPARE(r->status, 204);
        QCOMPARE(r->headers.value("Access-Control-Allow-Origin"),
                 QByteArray("https://a.example.org"));
        QCOMPARE(r->headers.value("Access-Control-Allow-Credentials"), QByteArray("true"));
        QCOMPARE(r->headers.value("Access-Control-Max-Age"), QByteArray("600"));
        r = requestOnce(gw.port(), "OPTIONS", "/api/things",
                        preflightHeaders("https://www.example.com", "PUT", "x-other"));
        QVERIFY(r);
        QCOMPARE(r->status, 403);
        r = requestOnce(gw.port(), "GET", "/open/x", "Origin: https://any.test\r\n");
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(r->headers.values("Access-Control-Allow-Origin"), QList<QByteArray>{"*"});
        QVERIFY(waitFor([&] { return upstreamRequests() == before + 1; }));
    }

    // The same preflight from curl, a client built by others.
    void curlPreflight() {
        QProcess curl;
        curl.start(QStringLiteral("curl"),
                   {QStringLiteral("-sS"), QStringLiteral("-i"), QStringLiteral("-X"),
                    QStringLiteral("OPTIONS"), QStringLiteral("-H"),
                    QStringLiteral("Origin: https://app.test"), QStringLiteral("-H"),
                    QStringLiteral("Access-Control-Request-Method: DELETE"), QStringLiteral("-H"),
                    QStringLiteral("Access-Control-Request-Headers: content-type,authorization"),
                    QStringLiteral("http://127.0.0.1:%1/api/items/1").arg(m_gw->port())});
        QVERIFY2(curl.waitForFinished(10000), "curl did not finish");
        QCOMPARE(curl.exitCode(), 0);
        const QByteArray out = curl.readAllStandardOutput();
        QVERIFY2(out.startsWith("HTTP/1.1 204"), out.constData());
        QVERIFY2(out.contains("\r\nAccess-Control-Allow-Origin: https://app.test\r\n"),
                 out.constData());
        QVERIFY2(out.contains("\r\nAccess-Control-Allow-Headers: content-type, authorization\r\n"),
                 out.constData());
    }
};

QTEST_MAIN(TestCors)
#include "tst_cors.moc"
