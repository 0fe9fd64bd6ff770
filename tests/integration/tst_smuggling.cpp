// SPDX-License-Identifier: Apache-2.0
// What reaches the upstream is exactly what the gateway authenticated: the upstream frames the
// forwarded stream with an independent strict reader and records every request. Covers framing
// and routing fields a client's Connection header tries to remove, a response whose framing the
// upstream's Connection header hides, absolute-form and other request-target forms, and client
// fields that servers read as the gateway's own (X_User next to X-User).
#include "tests/support/gatewayfixture.h"
#include "tests/support/introspectedconfig.h"
#include "tests/support/rawclient.h"
#include "tests/support/recordingupstream.h"
#include "tests/support/scriptedupstream.h"

#include "core/devidp/demoidp.h"

#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

constexpr char JwtHeader[] = "X-Tokengate-Jwt";

RouteConfig route(const char *name, const char *prefix, const QString &upstream) {
    RouteConfig r;
    r.name = QString::fromLatin1(name);
    r.pathPrefix = QString::fromLatin1(prefix);
    r.upstreamUrl = upstream;
    r.identityHeaders.insert(QStringLiteral("X-User"), QStringLiteral("sub"));
    return r;
}

} // namespace

class TestSmuggling : public QObject {
    Q_OBJECT

    std::unique_ptr<DemoIdp> m_idp;
    std::unique_ptr<RecordingUpstream> m_upstream;
    std::unique_ptr<Gateway> m_routed; // routing table: /admin/ needs scope admin
    std::unique_ptr<Gateway> m_dropIn; // no routes, as introspection-microgateway
    QByteArray m_user;                 // scope "read"
    QByteArray m_admin;                // scope "admin"

    Config authConfig() const { return introspectedConfig(m_upstream->url(), *m_idp, JwtHeader); }

    // Sends raw bytes on one connection and reads `responses` answers.
    QList<ReceivedResponse> exchange(quint16 port, const QByteArray &raw, int responses) {
        QList<ReceivedResponse> out;
        RawClient client;
        if (!client.connectTo(port))
            return out;
        client.send(raw);
        for (int i = 0; i < responses; ++i) {
            const auto r = client.readResponse(5000);
            if (!r)
                break;
            out << *r;
        }
        return out;
    }

private slots:
    void initTestCase() {
        QString error;
        m_idp = std::make_unique<DemoIdp>();
        QVERIFY2(m_idp->start(0, &error), qPrintable(error));
        m_user = m_idp->mint(QStringLiteral("alice"), QStringLiteral("read"), 600);
        m_admin = m_idp->mint(QStringLiteral("root"), QStringLiteral("admin"), 600);
        m_upstream = std::make_unique<RecordingUpstream>();

        Config routed = authConfig();
        routed.upstreamUrl.clear();
        RouteConfig admin = route("admin", "/admin/", m_upstream->url());
        admin.requiredScopes << QStringLiteral("admin");
        routed.routes << admin << route("all", "/", m_upstream->url());
        m_routed = std::make_unique<Gateway>();
        QVERIFY(m_routed->start(routed));

        m_dropIn = std::make_unique<Gateway>();
        QVERIFY(m_dropIn->start(authConfig()));
    }

    void init() { m_upstream->clear(); }

    // Connection may name any field; it must never remove the message's framing, its Host,
    // or a field the gateway sets itself, and whatever it names never changes how many
    // requests the upstream sees.
    void connectionCannotUnframe_data() {
        QTest::addColumn<QByteArray>("listed");
        QTest::addColumn<bool>("chunked");
        for (const char *name :
             {"content-length", "Content-Length", "transfer-encoding", "host", "X-User",
              "x-tokengate-jwt", "X-Forwarded-For", "X-Forwarded-Proto", "X-Request-Id",
              "X-Tokengate-Introspection", "Via", "close, content-length, te", "keep-alive"}) {
            QTest::addRow("length, Connection: %s", name) << QByteArray(name) << false;
            QTest::addRow("chunked, Connection: %s", name) << QByteArray(name) << true;
        }
    }
    void connectionCannotUnframe() {
        QFETCH(QByteArray, listed);
        QFETCH(bool, chunked);
        const QByteArray smuggled = "GET /admin/secret HTTP/1.1\r\nHost: gw.test\r\n"
                                    "X-User: root\r\n\r\n";
        for (Gateway *gw : {m_routed.get(), m_dropIn.get()}) {
            m_upstream->clear();
            QByteArray framing = "Content-Length: " + QByteArray::number(smuggled.size()) + "\r\n";
            QByteArray body = smuggled;
            if (chunked) {
                framing = "Transfer-Encoding: chunked\r\n";
                body =
                    QByteArray::number(smuggled.size(), 16) + "\r\n" + smuggled + "\r\n0\r\n\r\n";
            }
            const QByteArray raw = "POST /x HTTP/1.1\r\nHost: gw.test\r\nAuthorization: Bearer " +
                                   m_user + "\r\n" + framing + "Connection: " + listed +
                                   "\r\nX-Request-Id: fixed-id\r\n\r\n" + body;
            const QList<ReceivedResponse> got = exchange(gw->port(), raw, 1);
            QCOMPARE(got.size(), 1);
            QCOMPARE(got[0].status, 200);
            // The upstream answers only after framing the whole body, and a smuggled request
            // would have arrived with its last bytes: it is recorded by the time we read.
            QVERIFY2(m_upstream->errors().isEmpty(), qPrintable(m_upstream->errors().join(u';')));
            QCOMPARE(m_upstream->requests().size(), 1);
            const SeenRequest &seen = m_upstream->requests().first();
            QCOMPARE(seen.method, QByteArray("POST"));
            QCOMPARE(seen.body, smuggled);
            QVERIFY(!seen.has("Connection") || !seen.value("Connection").contains("length"));
            QVERIFY(seen.has(JwtHeader));
            if (gw == m_routed.get()) {
                QCOMPARE(seen.values("X-User"), QList<QByteArray>{"alice"});
                QCOMPARE(seen.values("X-Forwarded-For"), QList<QByteArray>{"127.0.0.1"});
                // Listed in Connection, the client's id is hop-by-hop: the gateway makes one.
                const QList<QByteArray> ids = seen.values("X-Request-Id");
                QCOMPARE(ids.size(), 1);
                QCOMPARE(ids[0] == "fixed-id", !listed.contains("Request-Id"));
            }
        }
    }

    // The upstream's Connection header cannot hide its own framing from the client: the
    // answer is re-framed from what the gateway parsed, and the next answer on the same
    // client connection is read correctly.
    void responseConnectionCannotUnframe_data() {
        QTest::addColumn<QByteArray>("answer");
        QTest::newRow("Connection: content-length")
            << QByteArray("HTTP/1.1 200 OK\r\nConnection: content-length\r\n"
                          "Content-Length: 5\r\n\r\nhello");
        QTest::newRow("Connection: transfer-encoding")
            << QByteArray("HTTP/1.1 200 OK\r\nConnection: Transfer-Encoding\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        QTest::newRow("Connection lists everything")
            << QByteArray("HTTP/1.1 200 OK\r\nConnection: keep-alive, content-length, date, "
                          "content-type\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n"
                          "hello");
    }
    void responseConnectionCannotUnframe() {
        QFETCH(QByteArray, answer);
        m_upstream->setAnswer(answer);
        const QByteArray one =
            "GET /x HTTP/1.1\r\nHost: gw.test\r\nAuthorization: Bearer " + m_user + "\r\n\r\n";
        const QList<ReceivedResponse> got = exchange(m_routed->port(), one + one, 2);
        QCOMPARE(got.size(), 2);
        for (const ReceivedResponse &r : got) {
            QCOMPARE(r.status, 200);
            QCOMPARE(r.body, QByteArray("hello"));
        }
        QCOMPARE(m_upstream->requests().size(), 2);
    }

    // llhttp takes any 64-bit length; read as a negative qint64 it meant "no body" to the
    // gateway while llhttp framed one, and the bytes after the head went upstream raw.
    void contentLengthBeyondQint64() {
        const QByteArray smuggled =
            "GET /admin/x HTTP/1.1\r\nHost: gw.test\r\nX-User: root\r\n\r\n";
        for (const char *length : {"18446744073709551615", "9223372036854775808"}) {
            const QList<ReceivedResponse> got =
                exchange(m_dropIn->port(),
                         "POST /x HTTP/1.1\r\nHost: gw.test\r\nAuthorization: Bearer " + m_user +
                             "\r\nContent-Length: " + length + "\r\n\r\n" + smuggled,
                         1);
            QCOMPARE(got.size(), 1);
            QCOMPARE(got[0].status, 413);
        }
        QCOMPARE(m_upstream->requests().size(), 0);
    }

    // A 1xx has no body whatever its fields say: the final answer follows its head.
    void interimAnswerHasNoBody() {
        m_upstream->setAnswer("HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\n"
                              "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        const QList<ReceivedResponse> got = exchange(
            m_routed->port(),
            "GET /x HTTP/1.1\r\nHost: gw.test\r\nAuthorization: Bearer " + m_user + "\r\n\r\n", 1);
        QCOMPARE(got.size(), 1);
        QCOMPARE(got[0].status, 200);
        QCOMPARE(got[0].body, QByteArray("ok"));
    }

    // A route that maps no identity header still must not pass a client's X-User to an
    // upstream that another route feeds X-User.
    void identityHeadersRemovedOnEveryRoute() {
        Config c = authConfig();
        c.upstreamUrl.clear();
        RouteConfig admin = route("admin", "/admin/", m_upstream->url());
        RouteConfig open = route("open", "/", m_upstream->url());
        open.identityHeaders.clear();
        open.authenticate = false;
        c.routes << admin << open;
        Gateway gw;
        QVERIFY(gw.start(c));
        const QList<ReceivedResponse> got =
            exchange(gw.port(),
                     "GET /x HTTP/1.1\r\nHost: gw.test\r\nX-User: root\r\n"
                     "X_User: root\r\nx-user: root\r\n\r\n",
                     1);
        QCOMPARE(got.size(), 1);
        QCOMPARE(got[0].status, 200);
        QVERIFY(waitFor([&] { return m_upstream->requests().size() == 1; }));
        const SeenRequest &seen = m_upstream->requests()[0];
        QVERIFY(!seen.has("X-User"));
        QVERIFY(!seen.has("X_User"));
    }

    // With routes, a Destination's path is put in front of the request's: it must be in the
    // normal form the route was matched in.
    void destinationPathInNormalForm_data() {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<int>("status");
        QTest::newRow("plain") << QByteArray("/public/") << 200;
        QTest::newRow("..; segment") << QByteArray("/public/..;/admin/") << 400;
        QTest::newRow("dot segment") << QByteArray("/public/../admin") << 400;
        QTest::newRow("escaped slash") << QByteArray("/public%2f..%2fadmin") << 400;
        QTest::newRow("merged slashes") << QByteArray("//admin") << 400;
    }
    void destinationPathInNormalForm() {
        QFETCH(QByteArray, path);
        QFETCH(int, status);
        Config c = authConfig();
        c.upstreamUrl.clear();
        RouteConfig dynamic = route("dynamic", "/", QString());
        dynamic.destinationMode = true;
        dynamic.destinationAllow = QStringLiteral("127.0.0.1:%1").arg(m_upstream->port());
        dynamic.authenticate = false;
        c.routes << dynamic;
        Gateway gw;
        QVERIFY(gw.start(c));
        const QList<ReceivedResponse> got =
            exchange(gw.port(),
                     "GET /x HTTP/1.1\r\nHost: gw.test\r\nDestination: http://127.0.0.1:" +
                         QByteArray::number(m_upstream->port()) + path + "\r\n\r\n",
                     1);
        QCOMPARE(got.size(), 1);
        QCOMPARE(got[0].status, status);
        QCOMPARE(m_upstream->requests().size(), status == 200 ? 1 : 0);
    }

    // A request refused while its head is read, right after one that was answered, still
    // gets its own 400 (not a bare close), and a refused HEAD gets no body.
    void refusalAfterAnAnsweredRequest_data() {
        QTest::addColumn<QByteArray>("second");
        QTest::addColumn<bool>("head");
        QTest::newRow("relative target")
            << QByteArray("PUT admin/x HTTP/1.1\r\nHost: a\r\n\r\n") << false;
        QTest::newRow("HEAD with a relative target")
            << QByteArray("HEAD admin/x HTTP/1.1\r\nHost: a\r\n\r\n") << true;
        QTest::newRow("HEAD with a signed Content-Length")
            << QByteArray("HEAD /x HTTP/1.1\r\nHost: a\r\nContent-Length: +2\r\n\r\nab") << true;
    }
    void refusalAfterAnAnsweredRequest() {
        QFETCH(QByteArray, second);
        QFETCH(bool, head);
        RawClient client;
        QVERIFY(client.connectTo(m_dropIn->port()));
        client.send("GET /x HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + m_user + "\r\n\r\n" +
                    second);
        const auto first = client.readResponse();
        QVERIFY(first);
        QCOMPARE(first->status, 200);
        const auto refused = client.readResponse(5000, head);
        QVERIFY(refused);
        QCOMPARE(refused->status, 400);
        if (head)
            QVERIFY(refused->body.isEmpty());
        QVERIFY(client.waitForClosed());
        QVERIFY(client.takeBuffered().isEmpty()); // no stray body bytes after the head
    }

    // RFC 9112 3.2.2: in absolute form the target's authority is the Host; the upstream
    // gets origin form and that authority, never the other name. Other forms are refused.
    void requestTargetForms_data() {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("forwardedTarget");
        QTest::addColumn<QByteArray>("forwardedHost");
        QTest::newRow("absolute-form wins over Host")
            << QByteArray("http://public.example/x?q=1") << 200 << QByteArray("/x?q=1")
            << QByteArray("public.example");
        QTest::newRow("absolute-form, scheme in capitals, no path")
            << QByteArray("HTTP://public.example:8081") << 200 << QByteArray("/")
            << QByteArray("public.example:8081");
        QTest::newRow("absolute-form, query without path")
            << QByteArray("http://public.example?a=b") << 200 << QByteArray("/?a=b")
            << QByteArray("public.example");
        QTest::newRow("absolute-form with user info")
            << QByteArray("http://u:p@public.example/x") << 400 << QByteArray() << QByteArray();
        QTest::newRow("absolute-form, empty authority")
            << QByteArray("http:///x") << 400 << QByteArray() << QByteArray();
        QTest::newRow("absolute-form, other scheme")
            << QByteArray("ftp://public.example/x") << 400 << QByteArray() << QByteArray();
        QTest::newRow("relative target")
            << QByteArray("admin/x") << 400 << QByteArray() << QByteArray();
        QTest::newRow("asterisk for GET") << QByteArray("*") << 400 << QByteArray() << QByteArray();
        QTest::newRow("fragment") << QByteArray("/x#frag") << 400 << QByteArray() << QByteArray();
    }
    void requestTargetForms() {
        QFETCH(QByteArray, target);
        QFETCH(int, status);
        QFETCH(QByteArray, forwardedTarget);
        QFETCH(QByteArray, forwardedHost);
        Config c = authConfig();
        c.upstreamUrl.clear();
        RouteConfig internal = route("internal", "/", m_upstream->url());
        internal.hosts << QStringLiteral("admin.example");
        internal.requiredScopes << QStringLiteral("admin");
        RouteConfig open = route("public", "/", m_upstream->url());
        open.hosts << QStringLiteral("public.example");
        open.authenticate = false;
        open.preserveHost = true;
        c.routes << internal << open;
        Gateway gw;
        QVERIFY(gw.start(c));
        const QList<ReceivedResponse> got =
            exchange(gw.port(), "GET " + target + " HTTP/1.1\r\nHost: admin.example\r\n\r\n", 1);
        QCOMPARE(got.size(), 1);
        QCOMPARE(got[0].status, status);
        if (status != 200) {
            QCOMPARE(m_upstream->requests().size(), 0);
            return;
        }
        QVERIFY(waitFor([&] { return m_upstream->requests().size() == 1; }));
        QCOMPARE(m_upstream->requests()[0].target, forwardedTarget);
        QCOMPARE(m_upstream->requests()[0].values("Host"), QList<QByteArray>{forwardedHost});
    }

    // gunicorn, Puma and others read "_" as "-": a client's X_User would sit next to the
    // gateway's X-User. Every field that folds to a name the gateway sets is removed.
    void underscoreTwinsRemoved_data() {
        QTest::addColumn<bool>("routed");
        QTest::newRow("routes") << true;
        QTest::newRow("drop-in") << false;
    }
    void underscoreTwinsRemoved() {
        QFETCH(bool, routed);
        Gateway *gw = routed ? m_routed.get() : m_dropIn.get();
        const QByteArray raw = "GET /x HTTP/1.1\r\nHost: gw.test\r\nAuthorization: Bearer " +
                               m_user +
                               "\r\nX_User: root\r\nx_tokengate_jwt: forged\r\n"
                               "X_Forwarded_For: 6.6.6.6\r\nX-Forwarded_Proto: https\r\n"
                               "X_Request_Id: forged\r\nX_Tokengate_Introspection: stale\r\n"
                               "X_Other: kept\r\nX-Original-URL: /admin/x\r\n"
                               "X-Rewrite-URL: /admin/x\r\nX-Real-IP: 6.6.6.6\r\n"
                               "X_Real_IP: 6.6.6.6\r\nX_Forwarded_Ssl: on\r\n"
                               "True_Client_IP: 6.6.6.6\r\nX_Forwarded_Prefix: /admin\r\n\r\n";
        const QList<ReceivedResponse> got = exchange(gw->port(), raw, 1);
        QCOMPARE(got.size(), 1);
        QCOMPARE(got[0].status, 200);
        QVERIFY(waitFor([&] { return m_upstream->requests().size() == 1; }));
        const SeenRequest &seen = m_upstream->requests()[0];
        // Without routes the gateway sets no X-User, so X_User is nobody's twin there.
        for (const auto &[name, value] : seen.headers) {
            QVERIFY2(!name.contains('_') || name == "X_Other" || (!routed && name == "X_User"),
                     name.constData());
        }
        QCOMPARE(seen.values("X_Other"), QList<QByteArray>{"kept"});
        QCOMPARE(seen.values("X_User").size(), routed ? 0 : 1);
        // Fields frameworks take the path or the client's address from instead.
        for (const char *name : {"X-Original-URL", "X-Rewrite-URL", "X-Real-IP"})
            QVERIFY2(!seen.has(name), name);
        QCOMPARE(seen.values(JwtHeader).size(), 1);
        QVERIFY(seen.value(JwtHeader) != "forged");
        if (routed)
            QCOMPARE(seen.values("X-User"), QList<QByteArray>{"alice"});
    }
};

QTEST_GUILESS_MAIN(TestSmuggling)
#include "tst_smuggling.moc"
