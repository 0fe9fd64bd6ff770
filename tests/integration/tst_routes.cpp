// SPDX-License-Identifier: Apache-2.0
// Routes end to end over loopback: a gateway with a routing table in front of the echo
// upstream, the demo IdP (two of them for per-endpoint caching), and the JWT the upstream
// receives verified against the gateway's JWKS.
#include "tests/support/echoresponse.h"
#include "tests/support/gatewayfixture.h"
#include "tests/support/jwsverifier.h"
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"

#include "core/devidp/demoidp.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

QList<QByteArray> echoed(const ReceivedResponse &r, QByteArrayView name) {
    return echoedHeader(r, name);
}

QByteArray echoedTarget(const ReceivedResponse &r) {
    return echoJson(r).value(u"target").toString().toLatin1();
}

RouteConfig route(const char *name, const char *prefix, const QString &upstream) {
    RouteConfig r;
    r.name = QString::fromLatin1(name);
    r.pathPrefix = QString::fromLatin1(prefix);
    r.upstreamUrl = upstream;
    return r;
}

std::optional<ReceivedResponse> send(quint16 port, const QByteArray &raw) {
    RawClient client;
    if (!client.connectTo(port))
        return std::nullopt;
    client.send(raw);
    return client.readResponse();
}

QByteArray request(const char *method, const QByteArray &target, const QByteArray &headers = {},
                   const QByteArray &host = "gw.test") {
    return QByteArray(method) + ' ' + target + " HTTP/1.1\r\nHost: " + host + "\r\n" + headers +
           "\r\n";
}

QByteArray bearer(const QByteArray &token) {
    return "Authorization: Bearer " + token + "\r\n";
}

} // namespace

class TestRoutes : public QObject {
    Q_OBJECT

    std::unique_ptr<HttpServer> m_echo;
    std::unique_ptr<DemoIdp> m_idp;
    std::unique_ptr<DemoIdp> m_otherIdp;
    std::unique_ptr<Gateway> m_gw;
    QByteArray m_alice; // scope "orders:read profile"
    QByteArray m_bob;   // scope "profile"
    int m_calls = 0;
    QByteArray m_lastId;

    QString echoUrl() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_echo->port()); }

    Config baseConfig() const {
        Config c = testConfig(echoUrl());
        c.upstreamUrl.clear();
        c.auth = AuthMode::Introspection;
        c.introspection.url = m_idp->introspectionUrl();
        c.introspection.clientId = QString::fromLatin1(m_idp->clientId());
        c.introspection.clientSecret = QString::fromLatin1(m_idp->clientSecret());
        return c;
    }

    std::optional<ReceivedResponse> call(const char *method, const QByteArray &target,
                                         const QByteArray &headers = {},
                                         const QByteArray &host = "gw.test") {
        // A request id of our own finds this request's event, which is published when the
        // exchange ends, possibly after the answer was read and the next request sent.
        m_lastId = "call-" + QByteArray::number(++m_calls);
        const QByteArray id =
            headers.contains("X-Request-Id") ? QByteArray() : "X-Request-Id: " + m_lastId + "\r\n";
        if (id.isEmpty())
            m_lastId = headers.mid(headers.indexOf("X-Request-Id: ") + 14).split('\r').first();
        return send(m_gw->port(), request(method, target, headers + id, host));
    }

    RequestEvent lastEvent() {
        RequestEvent found;
        waitFor([&] {
            for (const RequestEvent &e : m_gw->events.snapshot()) {
                if (e.requestId == m_lastId)
                    found = e;
            }
            return !found.requestId.isEmpty();
        });
        return found;
    }

private slots:
    void initTestCase() {
        QString error;
        m_echo = startEchoUpstream(&error);
        QVERIFY2(m_echo, qPrintable(error));
        m_idp = std::make_unique<DemoIdp>();
        QVERIFY2(m_idp->start(0, &error), qPrintable(error));
        m_otherIdp = std::make_unique<DemoIdp>();
        m_otherIdp->setClient("other", "other-secret");
        QVERIFY2(m_otherIdp->start(0, &error), qPrintable(error));
        m_alice = m_idp->mint(QStringLiteral("alice"), QStringLiteral("orders:read profile"), 600);
        m_bob = m_idp->mint(QStringLiteral("bob"), QStringLiteral("profile"), 600);

        Config c = baseConfig();
        c.jwt.headerName = QStringLiteral("X-Jwt");
        c.jwt.secret = QStringLiteral("routes-test-secret");
        IntrospectionConfig down;
        down.name = QStringLiteral("down");
        down.url = QStringLiteral("http://127.0.0.1:%1/introspect").arg(closedLoopbackPort());
        down.timeoutMs = 2000;
        c.moreIntrospection = {down};
        const QString up = echoUrl();

        RouteConfig pub = route("public", "/public", up);
        pub.authenticate = false;
        pub.identityHeaders.insert(QStringLiteral("X-User"), QStringLiteral("sub"));
        RouteConfig orders = route("orders", "/orders", up);
        orders.requiredScopes = {QStringLiteral("orders:*")};
        orders.identityHeaders.insert(QStringLiteral("X-User"), QStringLiteral("sub"));
        orders.identityHeaders.insert(QStringLiteral("X-Scopes"), QStringLiteral("scope"));
        RouteConfig query = route("query", "/q", up);
        query.tokenSources = {TokenSource{TokenSource::Kind::Query, {}}};
        RouteConfig cookie = route("cookie", "/c", up);
        cookie.tokenSources = {TokenSource{TokenSource::Kind::Cookie, QStringLiteral("session")}};
        RouteConfig keep = route("keep", "/keep", up);
        keep.stripCredential = false;
        keep.preserveHost = true;
        RouteConfig aud = route("aud", "/aud", up);
        aud.audiences = {QStringLiteral("billing")};
        RouteConfig iss = route("iss", "/iss", up);
        iss.issuers = {m_idp->issuer()};
        RouteConfig issBad = route("iss-bad", "/iss-bad", up);
        issBad.issuers = {QStringLiteral("https://elsewhere.test")};
        RouteConfig claims = route("claims", "/claims", up);
        claims.claimRules = {ClaimRule{QStringLiteral("sub"),
                                       ClaimRule::Op::OneOf,
                                       {QStringLiteral("alice"), QStringLiteral("carol")}}};
        RouteConfig anon = route("anon", "/anon", up);
        anon.passThrough = true;
        anon.requiredScopes = {QStringLiteral("orders:read")};
        anon.identityHeaders.insert(QStringLiteral("X-User"), QStringLiteral("sub"));
        RouteConfig rewrite = route("rewrite", "/api", up);
        rewrite.stripPrefix = QStringLiteral("/api");
        rewrite.rewritePrefix = QStringLiteral("/v2");
        RouteConfig admin = route("admin", "/admin", up);
        admin.methods = {QStringLiteral("POST")};
        RouteConfig idpDown = route("down", "/down", up);
        idpDown.introspection = QStringLiteral("down");
        idpDown.passThrough = true;
        RouteConfig dynamic = route("dynamic", "/dyn", QString());
        dynamic.destinationMode = true;
        dynamic.authenticate = false;
        dynamic.destinationAllow = QStringLiteral("127.0.0.1:%1").arg(m_echo->port());
        RouteConfig hosted = route("hosted", "/", up);
        hosted.hosts = {QStringLiteral("*.example.test")};
        hosted.authenticate = false;
        c.routes = {pub,    orders, query,   cookie, keep,    aud,     issBad, iss,
                    claims, anon,   rewrite, admin,  idpDown, dynamic, hosted};

        m_gw = std::make_unique<Gateway>();
        QVERIFY(m_gw->start(c));
    }
    void cleanupTestCase() {
        m_gw.reset();
        m_echo.reset();
        m_idp.reset();
        m_otherIdp.reset();
    }

    void routeNotFound() {
        const auto r = call("GET", "/nowhere", bearer(m_alice));
        QVERIFY(r);
        QCOMPARE(r->status, 404);
        QVERIFY2(r->body.contains("route_not_found"), r->body.constData());
        const RequestEvent e = lastEvent();
        QCOMPARE(reasonId(e.reason), QByteArray("route_not_found"));
        QVERIFY(e.route.isEmpty());
        // A method the route does not list is no match either.
        const auto get = call("GET", "/admin/x", bearer(m_alice));
        QVERIFY(get);
        QCOMPARE(get->status, 404);
        const auto post = call("POST", "/admin/x", bearer(m_alice) + "Content-Length: 0\r\n");
        QVERIFY(post);
        QCOMPARE(post->status, 200);
    }

    // Routed by the resolved path, which is also what the upstream gets (tst_pathbypass has
    // every other form).
    void dotSegmentsResolved() {
        const auto anonymous = call("GET", "/public/../orders/1");
        QVERIFY(anonymous);
        QCOMPARE(anonymous->status, 401);
        const auto r = call("GET", "/public/../orders/1?x=/../y", bearer(m_alice));
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(echoedTarget(*r), QByteArray("/orders/1?x=/../y"));
        const auto rewritten = call("GET", "/public/%2e%2e/api//./x", bearer(m_alice));
        QVERIFY(rewritten);
        QCOMPARE(rewritten->status, 200);
        QCOMPARE(echoedTarget(*rewritten), QByteArray("/v2/x"));
        const auto above = call("GET", "/public/../../orders/1");
        QVERIFY(above);
        QCOMPARE(above->status, 400);
        QVERIFY2(above->body.contains("path_not_canonical"), above->body.constData());
    }

    void destinationModeRoute() {
        const QByteArray allowed = "Destination: " + echoUrl().toLatin1() + "/base\r\n";
        const auto r = call("GET", "/dyn/x?y=1", allowed);
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(echoedTarget(*r), QByteArray("/base/dyn/x?y=1"));
        const auto other = call(
            "GET", "/dyn/x",
            "Destination: http://127.0.0.1:" + QByteArray::number(closedLoopbackPort()) + "/\r\n");
        QVERIFY(other);
        QCOMPARE(other->status, 403);
        QCOMPARE(reasonId(lastEvent().reason), QByteArray("destination_forbidden"));
        const auto none = call("GET", "/dyn/x");
        QVERIFY(none);
        QCOMPARE(none->status, 400);
    }

    void hostRouting() {
        const auto r = call("GET", "/anything", {}, "eu.example.test:8080");
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(lastEvent().route, QByteArray("hosted"));
    }

    void scopes() {
        const auto ok = call("GET", "/orders/1", bearer(m_alice));
        QVERIFY(ok);
        QCOMPARE(ok->status, 200);
        QCOMPARE(echoed(*ok, "X-User"), QList<QByteArray>{"alice"});
        QCOMPARE(echoed(*ok, "X-Scopes"), QList<QByteArray>{"orders:read profile"});
        // The credential is stripped; the upstream's own Host is sent.
        QVERIFY(echoed(*ok, "Authorization").isEmpty());
        QCOMPARE(echoed(*ok, "Host"),
                 QList<QByteArray>{QByteArray("127.0.0.1:") + QByteArray::number(m_echo->port())});

        const auto refused = call("GET", "/orders/1", bearer(m_bob));
        QVERIFY(refused);
        QCOMPARE(refused->status, 403);
        QCOMPARE(refused->headers.value("WWW-Authenticate"),
                 QByteArray("Bearer error=\"insufficient_scope\", scope=\"orders:*\""));
        const RequestEvent e = lastEvent();
        QCOMPARE(reasonId(e.reason), QByteArray("scope_insufficient"));
        QCOMPARE(e.route, QByteArray("orders"));
        QVERIFY(std::any_of(e.trace.cbegin(), e.trace.cend(), [](const DecisionStep &s) {
            return s.stage == Stage::Decide && s.outcome == StepOutcome::Refused &&
                   s.detail.contains(QStringLiteral("orders:*"));
        }));

        const auto missing = call("GET", "/orders/1");
        QVERIFY(missing);
        QCOMPARE(missing->status, 401);
        QCOMPARE(missing->headers.value("WWW-Authenticate"), QByteArray("Bearer"));
        const auto invalid = call("GET", "/orders/1", bearer("not-a-real-token"));
        QVERIFY(invalid);
        QCOMPARE(invalid->status, 401);
        QCOMPARE(invalid->headers.value("WWW-Authenticate"),
                 QByteArray("Bearer error=\"invalid_token\""));
    }

    // Top-level required scopes hold on every route that looks at tokens, besides the
    // route's own: adding routes never drops them. A public route asks for none.
    void topLevelScopesHoldOnEveryRoute() {
        Config c = baseConfig();
        c.requiredScopes = {QStringLiteral("profile")};
        RouteConfig orders = route("orders", "/orders", echoUrl());
        orders.requiredScopes = {QStringLiteral("orders:read")};
        RouteConfig open = route("open", "/open", echoUrl());
        open.authenticate = false;
        RouteConfig rest = route("rest", "/", echoUrl());
        c.routes = {orders, open, rest};
        Gateway gw;
        QVERIFY(gw.start(c));
        const QByteArray carol =
            m_idp->mint(QStringLiteral("carol"), QStringLiteral("orders:read"), 600);
        const auto status = [&gw](const QByteArray &target, const QByteArray &token) {
            const auto r = send(
                gw.port(), request("GET", target, token.isEmpty() ? QByteArray() : bearer(token)));
            return r ? *r : ReceivedResponse{};
        };
        QCOMPARE(status("/orders/1", m_alice).status, 200); // orders:read and profile
        const ReceivedResponse refused = status("/orders/1", carol);
        QCOMPARE(refused.status, 403); // no profile
        QCOMPARE(refused.headers.value("WWW-Authenticate"),
                 QByteArray("Bearer error=\"insufficient_scope\", scope=\"profile orders:read\""));
        QCOMPARE(status("/orders/1", m_bob).status, 403); // no orders:read
        QCOMPARE(status("/else", m_bob).status, 200);
        QCOMPARE(status("/else", carol).status, 403);
        QCOMPARE(status("/open/x", QByteArray()).status, 200);
    }

    void policies_data() {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<bool>("asAlice");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("reason");
        QTest::newRow("audience not granted")
            << QByteArray("/aud") << true << 403 << QByteArray("audience_mismatch");
        QTest::newRow("trusted issuer") << QByteArray("/iss") << true << 200 << QByteArray();
        QTest::newRow("untrusted issuer")
            << QByteArray("/iss-bad") << true << 403 << QByteArray("issuer_mismatch");
        QTest::newRow("claim rule holds") << QByteArray("/claims/x") << true << 200 << QByteArray();
        QTest::newRow("claim rule fails")
            << QByteArray("/claims/x") << false << 403 << QByteArray("claim_rule_failed");
    }
    void policies() {
        QFETCH(QByteArray, target);
        QFETCH(bool, asAlice);
        QFETCH(int, status);
        QFETCH(QByteArray, reason);
        const auto r = call("GET", target, bearer(asAlice ? m_alice : m_bob));
        QVERIFY(r);
        QCOMPARE(r->status, status);
        const RequestEvent e = lastEvent();
        QCOMPARE(reasonId(e.reason), reason);
        if (!reason.isEmpty()) {
            QVERIFY2(r->body.contains(reason), r->body.constData());
            QVERIFY(!r->headers.contains("WWW-Authenticate"));
            QCOMPARE(e.trace.last().detail.left(reason.size()), QString::fromLatin1(reason));
        }
    }

    void tokenSources() {
        const auto q = call("GET", "/q/x?a=%41&access_token=" + m_alice + "&b=1");
        QVERIFY(q);
        QCOMPARE(q->status, 200);
        QCOMPARE(echoedTarget(*q), QByteArray("/q/x?a=%41&b=1"));
        QVERIFY(std::any_of(
            lastEvent().trace.cbegin(), lastEvent().trace.cend(), [](const DecisionStep &s) {
                return s.stage == Stage::Token &&
                       s.detail.startsWith(QStringLiteral("query parameter access_token, fp="));
            }));
        // The query route does not look at the header.
        const auto header = call("GET", "/q/x", bearer(m_alice));
        QVERIFY(header);
        QCOMPARE(header->status, 401);

        const auto c = call("GET", "/c", "Cookie: theme=dark; session=" + m_alice + "; x=1\r\n");
        QVERIFY(c);
        QCOMPARE(c->status, 200);
        QCOMPARE(echoed(*c, "Cookie"), QList<QByteArray>{"theme=dark; x=1"});

        // stripCredential off, preserveHost on: both as the client sent them.
        const auto k = call("GET", "/keep", bearer(m_alice));
        QVERIFY(k);
        QCOMPARE(k->status, 200);
        QCOMPARE(echoed(*k, "Authorization"), QList<QByteArray>{"Bearer " + m_alice});
        QCOMPARE(echoed(*k, "Host"), QList<QByteArray>{"gw.test"});
    }

    void spoofedIdentityStripped() {
        const QByteArray spoof = "X-User: root\r\nx-user: admin\r\nX-Jwt: forged\r\n";
        const auto pub = call("GET", "/public/x", spoof);
        QVERIFY(pub);
        QCOMPARE(pub->status, 200);
        QVERIFY(echoed(*pub, "X-User").isEmpty());
        QVERIFY(echoed(*pub, "X-Jwt").isEmpty());

        const auto authed = call("GET", "/orders/2", spoof + bearer(m_alice));
        QVERIFY(authed);
        QCOMPARE(authed->status, 200);
        QCOMPARE(echoed(*authed, "X-User"), QList<QByteArray>{"alice"});
        QCOMPARE(echoed(*authed, "X-Jwt").size(), 1);
        QVERIFY(echoed(*authed, "X-Jwt").first() != "forged");
    }

    void passThrough() {
        const QByteArray spoof = "X-User: root\r\n";
        // No token, a refused token, a token failing the scope: all anonymous.
        for (const QByteArray &credential :
             {QByteArray(), bearer("unknown-token"), bearer(m_bob)}) {
            const auto r = call("GET", "/anon", spoof + credential);
            QVERIFY(r);
            QCOMPARE(r->status, 200);
            QVERIFY(echoed(*r, "X-User").isEmpty());
            QVERIFY(echoed(*r, "X-Jwt").isEmpty());
            QVERIFY(echoed(*r, "Authorization").isEmpty());
        }
        const auto ok = call("GET", "/anon", spoof + bearer(m_alice));
        QVERIFY(ok);
        QCOMPARE(echoed(*ok, "X-User"), QList<QByteArray>{"alice"});
        // The IdP being down is no reason to let anyone in anonymously: fail closed.
        const auto down = call("GET", "/down", bearer(m_alice));
        QVERIFY(down);
        QCOMPARE(down->status, 503);
    }

    void rewriteAndRequestId() {
        const auto r = call("GET", "/api/orders%3a7?x=%2f", "X-Request-Id: client-id-0\r\n");
        QVERIFY(r);
        QCOMPARE(r->status, 401); // authenticated route, no token
        QCOMPARE(reasonId(lastEvent().reason), QByteArray("token_missing"));
        const auto ok =
            call("GET", "/api/orders%3a7?x=%2f", "X-Request-Id: client-id-1\r\n" + bearer(m_alice));
        QVERIFY(ok);
        QCOMPARE(ok->status, 200);
        QCOMPARE(echoedTarget(*ok), QByteArray("/v2/orders%3A7?x=%2f"));
        QCOMPARE(echoed(*ok, "X-Request-Id"), QList<QByteArray>{"client-id-1"});
        RequestEvent e = lastEvent();
        QCOMPARE(e.requestId, QByteArray("client-id-1"));
        QCOMPARE(e.route, QByteArray("rewrite"));

        const auto generated = call("GET", "/public/x", "X-Request-Id: bad id\r\n");
        QVERIFY(generated);
        const QList<QByteArray> ids = echoed(*generated, "X-Request-Id");
        QCOMPARE(ids.size(), 1);
        QCOMPARE(ids.first().size(), 32);
        m_lastId = ids.first();
        QCOMPARE(lastEvent().route, QByteArray("public"));
    }

    // The same token checked with two IdPs is two answers, cached apart.
    void cacheKeyIncludesEndpoint() {
        Config c = baseConfig();
        c.cache.enabled = true;
        c.cache.ttlSecs = 60;
        c.cache.negativeTtlSecs = 60;
        IntrospectionConfig other;
        other.name = QStringLiteral("other");
        other.url = m_otherIdp->introspectionUrl();
        other.clientId = QStringLiteral("other");
        other.clientSecret = QStringLiteral("other-secret");
        c.moreIntrospection = {other};
        RouteConfig a = route("a", "/a", echoUrl());
        RouteConfig b = route("b", "/b", echoUrl());
        b.introspection = QStringLiteral("other");
        c.routes = {a, b};
        Gateway gw;
        QVERIFY(gw.start(c));
        const QByteArray token = m_idp->mint(QStringLiteral("dave"), {}, 600);
        const quint64 otherCalls = m_otherIdp->introspectionCalls();
        for (int i = 0; i < 2; ++i) {
            const auto ra = send(gw.port(), request("GET", "/a", bearer(token)));
            QVERIFY(ra);
            QCOMPARE(ra->status, 200);
            const auto rb = send(gw.port(), request("GET", "/b", bearer(token)));
            QVERIFY(rb);
            QCOMPARE(rb->status, 401);
        }
        // Asked once, its "inactive" then cached for its endpoint only.
        QCOMPARE(m_otherIdp->introspectionCalls(), otherCalls + 1);
    }

    void asymmetricJwt_data() {
        QTest::addColumn<QByteArray>("type");
        QTest::newRow("RS256") << QByteArray("RSA");
        QTest::newRow("ES256") << QByteArray("EC");
    }
    void asymmetricJwt() {
        QFETCH(QByteArray, type);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString keyFile = dir.filePath(QStringLiteral("jwt.pem"));
        QFile f(keyFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(type == "RSA" ? generatePrivateKeyPem("RSA", 2048)
                              : generatePrivateKeyPem("EC", 0, "P-256"));
        f.close();

        Config c = baseConfig();
        c.jwt.headerName = QStringLiteral("X-Jwt");
        c.jwt.algorithm = type == "RSA" ? JwtAlgorithm::RS256 : JwtAlgorithm::ES256;
        c.jwt.privateKeyFile = keyFile;
        c.jwt.keyId = QStringLiteral("key-") + QString::fromLatin1(type);
        c.jwt.claims.insert(QStringLiteral("user"), QStringLiteral("sub"));
        c.routes = {route("all", "/", echoUrl())};
        Gateway gw;
        QVERIFY(gw.start(c));
        const QByteArray jwks = gw.service.jwks();
        QVERIFY2(jwks.contains("\"kid\":\"key-"), jwks.constData());

        const QByteArray token = m_idp->mint(QStringLiteral("erin"), QStringLiteral("a"), 120);
        const auto r = send(gw.port(), request("GET", "/x", bearer(token)));
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        const QList<QByteArray> jwts = echoed(*r, "X-Jwt");
        QCOMPARE(jwts.size(), 1);
        QCOMPARE(verifyJwsWithJwks(jwts.first(), jwks), QString());
        const QJsonObject claims = jwsPayload(jwts.first());
        QCOMPARE(claims.value(u"sub").toString(), QStringLiteral("erin"));
        QCOMPARE(claims.value(u"user").toString(), QStringLiteral("erin"));
        // Capped by the token's own exp (120 s), not the 3600 s lifetime.
        QVERIFY(claims.value(u"exp").toInteger() <= QDateTime::currentSecsSinceEpoch() + 121);
        QCOMPARE(jwsHeader(jwts.first()).value(u"kid").toString(), c.jwt.keyId);

        // A tampered JWT does not verify: the check can fail.
        QByteArray tampered = jwts.first();
        tampered[tampered.indexOf('.') + 3] ^= 1;
        QVERIFY(!verifyJwsWithJwks(tampered, jwks).isEmpty());
    }

    void jwksEmptyForHs256() {
        Config c = baseConfig();
        c.jwt.headerName = QStringLiteral("X-Jwt");
        c.jwt.secret = QStringLiteral("s");
        c.upstreamUrl = echoUrl();
        Gateway gw;
        QVERIFY(gw.start(c));
        QVERIFY(gw.service.jwks().isEmpty());
    }

    void badKeyFileRefusedAtStart() {
        Config c = baseConfig();
        c.upstreamUrl = echoUrl();
        c.jwt.headerName = QStringLiteral("X-Jwt");
        c.jwt.algorithm = JwtAlgorithm::ES256;
        c.jwt.privateKeyFile = QStringLiteral("/nonexistent/key.pem");
        GatewayService service;
        QStringList errors;
        QVERIFY(!service.start(c, &errors));
        QVERIFY2(errors.join(u'\n').contains(QStringLiteral("jwt: ES256 key file "
                                                            "/nonexistent/key.pem")),
                 qPrintable(errors.join(u'\n')));
    }
};

QTEST_GUILESS_MAIN(TestRoutes)
#include "tst_routes.moc"
