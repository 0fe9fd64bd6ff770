// SPDX-License-Identifier: Apache-2.0
// A credential that is present but malformed (two Authorization fields, "Bearer\t<t>",
// "Bearer <t> x", a repeated or empty parameter, header or cookie) is never taken for a
// missing one: 401 invalid_request, or, on a passThrough route, stripped before the
// anonymous forward. A raw upstream records exactly what reached it.
#include "core/devidp/demoidp.h"
#include "tests/support/gatewayfixture.h"
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"

#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

// Every token source kind; "<t>" stands for a token the IdP takes as active.
const char *const MalformedForms[][2] = {
    {"Bearer and a second word", "Authorization: Bearer <t> x\r\n"},
    {"Bearer and a tab", "Authorization: Bearer\t<t>\r\n"},
    {"two Bearer fields", "Authorization: Bearer <t>\r\nAuthorization: Bearer <t>\r\n"},
    {"Basic and Bearer fields", "Authorization: Basic YTpi\r\nAuthorization: Bearer <t>\r\n"},
    {"Bearer alone", "Authorization: Bearer\r\n"},
    {"empty Authorization", "Authorization:\r\n"},
    {"Bearer with a comma", "Authorization: Bearer <t>,x\r\n"},
    {"two query parameters", "?api_key=<t>&api_key=<t>"},
    {"encoded name twice", "?api_key=<t>&api%5Fkey=<t>"},
    {"empty query parameter", "?api_key="},
    {"query parameter without value", "?api_key"},
    {"space in a query token", "?api_key=<t>+x"},
    {"two headers", "X-Api-Key: <t>\r\nX-Api-Key: <t>\r\n"},
    {"header in its '_' spelling too", "X-Api-Key: <t>\r\nX_Api_Key: <t>\r\n"},
    {"empty header", "X-Api-Key:\r\n"},
    {"two cookies", "Cookie: session=<t>; session=<t>\r\n"},
    {"cookie in two fields", "Cookie: session=<t>\r\nCookie: session=<t>\r\n"},
    {"empty cookie", "Cookie: a=1; session=\r\n"},
    {"good Bearer, malformed query", "Authorization: Bearer <t>\r\n?api_key="},
};

RouteConfig route(const char *name, const char *prefix, const QString &upstream) {
    RouteConfig r = prefixRoute(name, prefix, upstream);
    r.tokenSources = {{TokenSource::Kind::BearerHeader, {}},
                      {TokenSource::Kind::Query, QStringLiteral("api_key")},
                      {TokenSource::Kind::Header, QStringLiteral("X-Api-Key")},
                      {TokenSource::Kind::Cookie, QStringLiteral("session")}};
    return r;
}

// `form` with its token: header lines, and a query string after '?'.
std::optional<ReceivedResponse> send(quint16 port, const QByteArray &path, QByteArray form,
                                     const QByteArray &token) {
    form.replace("<t>", token);
    const qsizetype q = form.indexOf('?');
    const QByteArray query = q < 0 ? QByteArray() : form.mid(q);
    const QByteArray headers = q < 0 ? form : form.left(q);
    return requestOnce(port, "GET", path + query, headers);
}

} // namespace

class TestCredentialForms : public QObject {
    Q_OBJECT

    DemoIdp m_idp;
    QByteArray m_token;
    std::unique_ptr<ScriptedUpstream> m_upstream;
    std::unique_ptr<Gateway> m_routes;
    std::unique_ptr<Gateway> m_dropIn; // ALLOW_MISSING_AUTH_HEADER, no routes

    Config authConfig() const {
        Config c = testConfig(m_upstream->url());
        c.auth = AuthMode::Introspection;
        c.introspection.url = m_idp.introspectionUrl();
        c.introspection.clientId = QString::fromLatin1(m_idp.clientId());
        c.introspection.clientSecret = QString::fromLatin1(m_idp.clientSecret());
        return c;
    }

    QList<qsizetype> m_before; // bytes each upstream connection had before this row

    // What reached the upstream during this row.
    QByteArray received() const {
        QByteArray all;
        const auto &connections = m_upstream->connections();
        for (qsizetype i = 0; i < connections.size(); ++i)
            all += connections[i].received.mid(m_before.value(i));
        return all;
    }

private slots:
    void initTestCase() {
        QString error;
        QVERIFY2(m_idp.start(0, &error), qPrintable(error));
        m_token = m_idp.mint(QStringLiteral("alice"), QStringLiteral("read"), 600);
        m_upstream = std::make_unique<ScriptedUpstream>(ScriptedUpstream::answerEachRequest());

        Config routed = authConfig();
        routed.upstreamUrl.clear();
        RouteConfig pass = route("pass", "/pass", m_upstream->url());
        pass.passThrough = true;
        pass.stripCredential = false; // an unaccepted credential is stripped all the same
        routed.routes = {route("strict", "/strict", m_upstream->url()), pass};
        m_routes = std::make_unique<Gateway>();
        QVERIFY(m_routes->start(routed));

        Config dropIn = authConfig();
        dropIn.allowMissingToken = true;
        m_dropIn = std::make_unique<Gateway>();
        QVERIFY(m_dropIn->start(dropIn));
    }
    void cleanupTestCase() {
        m_routes.reset();
        m_dropIn.reset();
        m_upstream.reset();
    }
    void init() {
        m_before.clear();
        for (const auto &c : m_upstream->connections())
            m_before << c.received.size();
    }

    void refusedOnStrictRoutes_data() {
        QTest::addColumn<QString>("gateway");
        QTest::addColumn<QByteArray>("form");
        for (const auto &f : MalformedForms) {
            QTest::addRow("route: %s", f[0]) << QStringLiteral("routes") << QByteArray(f[1]);
            if (!QByteArray(f[1]).startsWith("Authorization") || QByteArray(f[1]).contains('?'))
                continue;
            QTest::addRow("allow-missing: %s", f[0])
                << QStringLiteral("drop-in") << QByteArray(f[1]);
        }
    }
    void refusedOnStrictRoutes() {
        QFETCH(QString, gateway);
        QFETCH(QByteArray, form);
        Gateway &gw = gateway == u"routes" ? *m_routes : *m_dropIn;
        const quint64 before = gw.events.published();
        const auto r = send(gw.port(), "/strict/x", form, m_token);
        QVERIFY(r);
        QCOMPARE(r->status, 401);
        QCOMPARE(r->body, QByteArray("Access Token needed for the given URL"));
        QVERIFY(waitFor([&] { return gw.events.published() > before; }));
        QCOMPARE(reasonId(gw.events.snapshot().constLast().reason), QByteArray("token_malformed"));
        QCOMPARE(r->headers.value("WWW-Authenticate"),
                 QByteArray("Bearer error=\"invalid_request\""));
        QCOMPARE(received(), QByteArray());
    }

    void strippedBeforeAnonymousForward_data() {
        QTest::addColumn<QByteArray>("form");
        for (const auto &f : MalformedForms)
            QTest::addRow("%s", f[0]) << QByteArray(f[1]);
    }
    void strippedBeforeAnonymousForward() {
        QFETCH(QByteArray, form);
        const auto r = send(m_routes->port(), "/pass/x", form, m_token);
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QVERIFY(waitFor([&] { return received().contains("\r\n\r\n"); }));
        const QByteArray seen = received();
        QVERIFY2(!seen.contains(m_token), seen.constData());
        for (const char *name : {"authorization: bearer", "api_key", "api%5fkey", "x-api-key",
                                 "x_api_key", "session="})
            QVERIFY2(!seen.toLower().contains(name), seen.constData());
    }

    // Well-formed credentials still work in every source (the refusals above are not blanket).
    void wellFormedAccepted_data() {
        QTest::addColumn<QByteArray>("form");
        QTest::newRow("Bearer") << QByteArray("Authorization: Bearer <t>\r\n");
        QTest::newRow("query") << QByteArray("?api_key=<t>&x=1");
        QTest::newRow("header") << QByteArray("X-Api-Key: <t>\r\n");
        QTest::newRow("cookie") << QByteArray("Cookie: a=1; session=<t>\r\n");
        QTest::newRow("Basic is not ours")
            << QByteArray("Authorization: Basic YTpi\r\n?api_key=<t>");
    }
    void wellFormedAccepted() {
        QFETCH(QByteArray, form);
        const auto r = send(m_routes->port(), "/strict/x", form, m_token);
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QVERIFY(waitFor([&] { return received().contains("\r\n\r\n"); }));
        QVERIFY(!received().contains(m_token));
    }
};

QTEST_GUILESS_MAIN(TestCredentialForms)
#include "tst_credentialforms.moc"
