// SPDX-License-Identifier: Apache-2.0
// Header rules over loopback: what the upstream receives (a claim in a field the client
// also sent, a field removed, one added) and what the client gets back (the upstream's
// fields removed and replaced), on proxied answers and on the gateway's own refusals.
#include "tests/support/egsample.h"
#include "tests/support/gatewayfixture.h"
#include "tests/support/introspectedconfig.h"
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"

#include "core/devidp/demoidp.h"
#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

class TestRouteHeaders : public QObject {
    Q_OBJECT

    std::unique_ptr<ScriptedUpstream> m_upstream;
    std::unique_ptr<DemoIdp> m_idp;
    std::unique_ptr<Gateway> m_gw;
    QByteArray m_token;

    int upstreamRequests() const { return m_upstream->requestTotal(); }
    // The head of the last request the upstream received (connections are reused).
    QByteArray lastUpstreamHead() const {
        QByteArray all;
        for (const ScriptedUpstream::Connection &c : m_upstream->connections())
            all += c.received;
        const qsizetype end = all.lastIndexOf("\r\n\r\n");
        const qsizetype start = all.lastIndexOf("\r\n\r\n", end - 1);
        return all.mid(start < 0 ? 0 : start + 4, end - (start < 0 ? 0 : start + 4) + 2);
    }

private slots:
    void initTestCase() {
        QString error;
        m_upstream = std::make_unique<ScriptedUpstream>(ScriptedUpstream::answerEachRequestWith(
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nServer: upstream/1.2.3\r\n"
            "X-Powered-By: php\r\nCache-Control: public, max-age=60\r\n\r\nok"));
        m_idp = std::make_unique<DemoIdp>();
        QVERIFY2(m_idp->start(0, &error), qPrintable(error));
        m_token = m_idp->mint(QStringLiteral("ann"), QStringLiteral("profile"), 600);

        Config c = testConfig(m_upstream->url());
        c.upstreamUrl.clear();
        introspectWith(c, *m_idp);
        RouteConfig api = prefixRoute("api", "/api/", m_upstream->url());
        api.requestHeaders.set = {{QStringLiteral("X-Caller"), QStringLiteral("user:{sub}")}};
        api.requestHeaders.add = {{QStringLiteral("X-Gateway"), QStringLiteral("tokengate")}};
        api.requestHeaders.remove = {QStringLiteral("X-Debug")};
        api.responseHeaders.set = {{QStringLiteral("Cache-Control"), QStringLiteral("no-store")}};
        api.responseHeaders.remove = {QStringLiteral("Server"), QStringLiteral("X-Powered-By")};
        RouteConfig open = prefixRoute("open", "/open/", m_upstream->url());
        open.authenticate = false;
        c.routes = {api, open};
        m_gw = std::make_unique<Gateway>();
        QVERIFY(m_gw->start(c));
    }
    void cleanupTestCase() {
        m_gw.reset();
        m_upstream.reset();
        m_idp.reset();
    }

    void upstreamReceivesTheRules() {
        const int before = upstreamRequests();
        const auto r = requestOnce(m_gw->port(), "GET", "/api/x",
                                   "Authorization: Bearer " + m_token +
                                       "\r\nX-Caller: user:admin\r\nX_Caller: user:admin"
                                       "\r\nX-Debug: 1\r\nX_Debug: 1\r\n");
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QVERIFY(waitFor([&] { return upstreamRequests() > before; }));
        const QByteArray seen = lastUpstreamHead();
        QVERIFY2(seen.contains("\r\nX-Caller: user:ann\r\n"), seen.constData());
        QVERIFY2(!seen.contains("user:admin"), seen.constData());
        QVERIFY2(!seen.contains("X-Debug"), seen.constData());
        QVERIFY2(seen.contains("\r\nX-Gateway: tokengate\r\n"), seen.constData());
        // And the client sees the route's answer fields, not the upstream's.
        QVERIFY(!r->headers.contains("Server"));
        QVERIFY(!r->headers.contains("X-Powered-By"));
        QCOMPARE(r->headers.values("Cache-Control"), QList<QByteArray>{"no-store"});
    }

    // A field a rule fills from a claim speaks for the caller, like an identity header: a
    // client's copy is removed on every route, so one without rules cannot pass it on to an
    // upstream that trusts it.
    void claimFieldsRemovedOnEveryRoute() {
        const int before = upstreamRequests();
        const auto r = requestOnce(m_gw->port(), "GET", "/open/x",
                                   "X-Caller: user:admin\r\nX-Gateway: mine\r\n");
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QVERIFY(waitFor([&] { return upstreamRequests() > before; }));
        const QByteArray seen = lastUpstreamHead();
        QVERIFY2(!seen.contains("user:admin"), seen.constData());
        QVERIFY2(seen.contains("\r\nX-Gateway: mine\r\n"), seen.constData()); // fixed text
    }

    // Answer rules transform the upstream's answers: a Cache-Control meant for those must not
    // let a shared cache keep the gateway's 401.
    void refusalsLeaveOutTheAnswerFields() {
        const auto r = requestOnce(m_gw->port(), "GET", "/api/x");
        QVERIFY(r);
        QCOMPARE(r->status, 401);
        QVERIFY(!r->headers.contains("Cache-Control"));
    }

    // Express Gateway's header policies, imported, do what they did there.
    void importedExpressGatewayPolicies() {
        QString error;
        std::optional<Config> imported =
            importedEgSample("headers.yml", m_upstream->url(), m_idp->introspectionUrl(), &error);
        QVERIFY2(imported, qPrintable(error));
        Config &c = *imported;
        // Express Gateway's endpoint took an Authorization value; the demo IdP wants its client.
        c.introspection.authMethod = ClientAuthMethod::ClientSecretBasic;
        introspectWith(c, *m_idp);
        Gateway gw;
        QVERIFY(gw.start(c));
        const int before = upstreamRequests();
        const auto r = requestOnce(gw.port(), "GET", "/api/x",
                                   "Authorization: Bearer " + m_token + "\r\nX-Debug: 1\r\n");
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QVERIFY(waitFor([&] { return upstreamRequests() > before; }));
        const QByteArray seen = lastUpstreamHead();
        QVERIFY2(seen.contains("\r\neg-user: ann\r\n"), seen.constData());
        QVERIFY2(seen.contains("\r\nX-Api-Version: 2\r\n"), seen.constData());
        QVERIFY2(!seen.contains("X-Debug"), seen.constData());
        QVERIFY(!r->headers.contains("Server"));
        QCOMPARE(r->headers.values("Cache-Control"), QList<QByteArray>{"no-store"});
    }
};

QTEST_MAIN(TestRouteHeaders)
#include "tst_routeheaders.moc"
