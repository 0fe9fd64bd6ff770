// SPDX-License-Identifier: Apache-2.0
// Issue 15, defect 3, over loopback: a protected /admin/, a public /static/ and a catch-all
// route. Every spelling of an admin path either meets the admin rule or is refused; none
// reaches the upstream through another route, and the upstream (a raw socket recording what
// it gets) receives the normalised path the route was chosen for.
#include "tests/support/gatewayfixture.h"
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"

#include "core/devidp/demoidp.h"

#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

class TestPathBypass : public QObject {
    Q_OBJECT

    std::unique_ptr<ScriptedUpstream> m_upstream;
    std::unique_ptr<DemoIdp> m_idp;
    std::unique_ptr<Gateway> m_gw;
    QByteArray m_user;  // scope "profile": enough for the catch-all
    QByteArray m_admin; // scope "admin profile"

    // The request lines the upstream has received, in order, over all its connections.
    QList<QByteArray> upstreamTargets() {
        QList<QByteArray> targets;
        for (const ScriptedUpstream::Connection &c : m_upstream->connections()) {
            qsizetype pos = 0;
            for (qsizetype end; (end = c.received.indexOf("\r\n\r\n", pos)) >= 0; pos = end + 4)
                targets << c.received.mid(pos, c.received.indexOf("\r\n", pos) - pos)
                               .split(' ')
                               .value(1);
        }
        return targets;
    }

    std::optional<ReceivedResponse> get(const QByteArray &target, const QByteArray &token) {
        return requestOnce(m_gw->port(), "GET", target, "Authorization: Bearer " + token + "\r\n");
    }

private slots:
    void initTestCase() {
        QString error;
        m_upstream = std::make_unique<ScriptedUpstream>(ScriptedUpstream::answerEachRequest());
        m_idp = std::make_unique<DemoIdp>();
        QVERIFY2(m_idp->start(0, &error), qPrintable(error));
        m_user = m_idp->mint(QStringLiteral("user"), QStringLiteral("profile"), 600);
        m_admin = m_idp->mint(QStringLiteral("root"), QStringLiteral("admin profile"), 600);

        const QString up = m_upstream->url() + QStringLiteral("/base");
        Config c = testConfig(up);
        c.upstreamUrl.clear();
        c.auth = AuthMode::Introspection;
        c.introspection.url = m_idp->introspectionUrl();
        c.introspection.clientId = QString::fromLatin1(m_idp->clientId());
        c.introspection.clientSecret = QString::fromLatin1(m_idp->clientSecret());
        RouteConfig admin;
        admin.name = QStringLiteral("admin");
        admin.pathPrefix = QStringLiteral("/admin/");
        admin.caseInsensitive = true;
        admin.requiredScopes = {QStringLiteral("admin")};
        admin.upstreamUrl = up;
        admin.stripPrefix = QStringLiteral("/admin");
        admin.rewritePrefix = QStringLiteral("/a");
        RouteConfig statics;
        statics.name = QStringLiteral("static");
        statics.pathPrefix = QStringLiteral("/static/");
        statics.authenticate = false;
        statics.upstreamUrl = up;
        RouteConfig all;
        all.name = QStringLiteral("catch-all");
        all.pathPrefix = QStringLiteral("/");
        all.upstreamUrl = up;
        // Deleting static files takes the admin scope; everything else under /static/ is open.
        RouteConfig purge;
        purge.name = QStringLiteral("purge");
        purge.pathPrefix = QStringLiteral("/static/");
        purge.methods = {QStringLiteral("DELETE")};
        purge.requiredScopes = {QStringLiteral("admin")};
        purge.upstreamUrl = up;
        c.routes = {admin, purge, statics, all};
        m_gw = std::make_unique<Gateway>();
        QVERIFY(m_gw->start(c));
    }
    void cleanupTestCase() {
        m_gw.reset();
        m_upstream.reset();
        m_idp.reset();
    }

    // The upstream acts on an override: naming DELETE must not let a POST to the open static
    // route reach the purge handler, whichever way the override is spelled.
    void methodOverride_data() {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<int>("status");
        QTest::newRow("header") << QByteArray("/static/a.css")
                                << QByteArray("X-HTTP-Method-Override: DELETE\r\n") << 400;
        QTest::newRow("query") << QByteArray("/static/a.css?_method=delete") << QByteArray() << 400;
        QTest::newRow("not a method name")
            << QByteArray("/static/a.css")
            << QByteArray("X-HTTP-Method-Override: DELETE\xc2\xa0\r\n") << 400;
        QTest::newRow("underscores") << QByteArray("/static/a.css")
                                     << QByteArray("X_HTTP_Method_Override: DELETE\r\n") << 400;
        QTest::newRow("same route")
            << QByteArray("/static/a.css") << QByteArray("X-HTTP-Method-Override: PUT\r\n") << 200;
    }
    void methodOverride() {
        QFETCH(QByteArray, target);
        QFETCH(QByteArray, header);
        QFETCH(int, status);
        const qsizetype before = upstreamTargets().size();
        const auto r = requestOnce(m_gw->port(), "POST", target, header + "Content-Length: 0\r\n");
        QVERIFY(r);
        QCOMPARE(r->status, status);
        if (status == 400) {
            QVERIFY2(r->body.contains("method_override"), r->body.constData());
            QCOMPARE(upstreamTargets().size(), before);
        } else {
            QVERIFY(waitFor([&] { return upstreamTargets().size() == before + 1; }));
            const QByteArray &seen = m_upstream->connections().constLast().received;
            QVERIFY2(seen.contains("X-HTTP-Method-Override: PUT"), seen.constData());
        }
    }

    void pathForms_data() {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<int>("userStatus");       // with a token the catch-all would let in
        QTest::addColumn<QByteArray>("reason");    // in the refusal's body
        QTest::addColumn<QByteArray>("adminSees"); // the upstream's target for an admin token
        auto refused = [](const char *target, const char *reason) {
            QTest::newRow(target) << QByteArray(target) << 400 << QByteArray(reason)
                                  << QByteArray();
        };
        auto admin = [](const char *target, const char *upstreamTarget) {
            QTest::newRow(target) << QByteArray(target) << 403 << QByteArray("scope_insufficient")
                                  << QByteArray(upstreamTarget);
        };
        auto open = [](const char *target, const char *upstreamTarget) {
            QTest::newRow(target) << QByteArray(target) << 200 << QByteArray()
                                  << QByteArray(upstreamTarget);
        };
        // The forms.
        admin("/ADMIN/x", "/base/a/x");
        admin("//admin/x", "/base/a/x");
        refused("/static/..;/admin/x", "path_parameter");
        refused("/static/..%2fadmin/x", "path_escaped_slash");
        refused("/static/..%5cadmin/x", "path_escaped_slash");
        refused("/static/..\\admin/x", "path_escaped_slash");
        // Their relatives.
        admin("/admin/x", "/base/a/x");
        admin("/Admin/X?Q=%2e&r=..%2f", "/base/a/X?Q=%2e&r=..%2f");
        admin("/static/../admin/x", "/base/a/x");
        admin("/static/%2e%2E/admin/x", "/base/a/x");
        admin("/./admin//x/.", "/base/a/x/");
        admin("/%61dmin/%7ex", "/base/a/~x");
        admin("/admin/x;v=1", "/base/a/x;v=1");
        refused("/admin;v=1/x", "path_parameter");
        refused("/static/.;/admin/x", "path_parameter");
        refused("/static/..%3b/admin/x", "path_parameter");
        refused("/static/%2e%2e%2Fadmin/x", "path_escaped_slash");
        refused("/static/%c0%ae%c0%ae/admin/x", "path_malformed");
        refused("/static/%ff/admin", "path_malformed");
        refused("/static/%00/admin", "path_malformed");
        refused("/static/%zz", "path_malformed");
        refused("/static/../../admin/x", "path_not_canonical");
        // What stays open does so at its normal form.
        open("/static/a/../b", "/base/static/b");
        open("/static//%63ss/%c3%a9", "/base/static/css/%C3%A9");
        open("/other//x/", "/base/other/x/");
    }
    void pathForms() {
        QFETCH(QByteArray, target);
        QFETCH(int, userStatus);
        QFETCH(QByteArray, reason);
        QFETCH(QByteArray, adminSees);

        const qsizetype before = upstreamTargets().size();
        const auto user = get(target, m_user);
        QVERIFY(user);
        QCOMPARE(user->status, userStatus);
        QVERIFY2(user->body.contains(reason), user->body.constData());
        if (userStatus != 200)
            QCOMPARE(upstreamTargets().size(), before);

        const auto admin = get(target, m_admin);
        QVERIFY(admin);
        QCOMPARE(admin->status, adminSees.isEmpty() ? 400 : 200);
        if (adminSees.isEmpty())
            return;
        QVERIFY(waitFor([&] { return upstreamTargets().size() > before; }));
        QCOMPARE(upstreamTargets().constLast(), adminSees);
    }
};

QTEST_GUILESS_MAIN(TestPathBypass)
#include "tst_pathbypass.moc"
