// SPDX-License-Identifier: Apache-2.0
// Client certificates on the HTTPS listener (mTLS): what tls.client_auth lets through, what
// a route requires and sends upstream about the certificate, and RFC 8705 certificate-bound
// tokens, with real TLS clients presenting certificates from a test CA.
#include "core/base/sha256.h"
#include "tests/support/echoresponse.h"
#include "tests/support/gatewayfixture.h"
#include "tests/support/rawclient.h"
#include "tests/support/sclient.h"
#include "tests/support/scriptedupstream.h"
#include "tests/support/testcertificate.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

// The headers the echo upstream shows for every field a route can send.
const QMap<QString, QString> AllFields{
    {QStringLiteral("X-Client-Subject"), QStringLiteral("subject")},
    {QStringLiteral("X-Client-Issuer"), QStringLiteral("issuer")},
    {QStringLiteral("X-Client-San"), QStringLiteral("san")},
    {QStringLiteral("X-Client-Sha256"), QStringLiteral("sha256")},
    {QStringLiteral("X-Client-Serial"), QStringLiteral("serial")},
    {QStringLiteral("X-Client-Cert"), QStringLiteral("cert")},
    {QStringLiteral("X-Client-Verify"), QStringLiteral("verify")},
};

QList<QByteArray> one(const QByteArray &value) {
    return {value};
}

QByteArray thumbprint(const TestCertificate &c) {
    return sha256(c.certificate.toDer())
        .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

// An IdP that calls every token active, for `sub` alice, with `extra` JSON members.
ScriptedUpstream::Script idpAnswering(const QByteArray &extra) {
    const QByteArray body = "{\"active\":true,\"sub\":\"alice\"" + extra + "}";
    return ScriptedUpstream::answerEachRequestWith(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
        QByteArray::number(body.size()) + "\r\n\r\n" + body);
}

} // namespace

class TestMutualTls : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<HttpServer> m_echo;
    TestCertificate m_server;
    TestAuthority m_ca;
    TestCertificate m_alice;    // the CA's client
    TestCertificate m_bob;      // another client of the CA
    TestCertificate m_stranger; // a client of another CA
    TestCertificate m_expired;
    TestCertificate m_serverPurpose; // the CA's, but for servers only
    TestCertificate m_selfSigned;

    Config mtlsConfig(ClientAuth mode) const {
        Config c = testConfig(loopbackUrl(*m_echo));
        c.server.tls.enabled = true;
        c.server.tls.port = 0;
        c.tls.certFile = m_server.certFile;
        c.tls.keyFile = m_server.keyFile;
        c.tls.clientAuth = mode;
        if (mode != ClientAuth::OptionalNoCa)
            c.tls.clientCaFile = m_ca.certFile;
        // Plain HTTP has no certificates: beside "required" it must be off (configProblems).
        c.server.plainEnabled = mode != ClientAuth::Required;
        return c;
    }

    // One request over a new HTTPS connection presenting `client` (none if null); nullopt
    // when the handshake fails.
    std::optional<ReceivedResponse> get(quint16 port, const QByteArray &path,
                                        const TestCertificate *client,
                                        const QByteArray &moreHeaders = {}) {
        RawClient tls;
        if (client && !tls.presentCertificate(client->certFile, client->keyFile))
            return std::nullopt;
        if (!tls.connectTls(port, {m_server.certificate})) {
            qWarning() << "handshake failed:" << tls.handshakeErrors();
            return std::nullopt;
        }
        tls.send("GET " + path + " HTTP/1.1\r\nHost: gw\r\n" + moreHeaders + "\r\n");
        return tls.readResponse();
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        QString error;
        m_echo = startEchoUpstream(&error);
        QVERIFY2(m_echo, qPrintable(error));
        const QString dir = m_dir.path();
        m_server =
            TestCertificate::make(dir, QStringLiteral("server"), QStringLiteral("gateway.test"));
        m_ca = TestAuthority::root(dir, QStringLiteral("ca"), QStringLiteral("Clients CA"));
        m_alice = m_ca.issue(QStringLiteral("alice"), QStringLiteral("alice"),
                             QStringLiteral("DNS:alice.example.test,URI:spiffe://example.test/"
                                            "alice,email:alice@example.test,IP:10.1.2.3"));
        m_bob = m_ca.issue(QStringLiteral("bob"), QStringLiteral("bob"), QString());
        m_expired = m_ca.issue(QStringLiteral("expired"), QStringLiteral("old"), QString(),
                               "clientAuth", -30, -1);
        m_serverPurpose =
            m_ca.issue(QStringLiteral("srv"), QStringLiteral("srv"), QString(), "serverAuth");
        const TestAuthority other =
            TestAuthority::root(dir, QStringLiteral("other"), QStringLiteral("Other CA"));
        m_stranger = other.issue(QStringLiteral("stranger"), QStringLiteral("stranger"), {});
        m_selfSigned = TestCertificate::make(dir, QStringLiteral("self"), QStringLiteral("self"));
        for (const TestCertificate *c : {&m_server, &m_alice, &m_bob, &m_expired, &m_serverPurpose,
                                         &m_stranger, &m_selfSigned})
            QVERIFY(!c->isNull());
    }

    // client_auth required: the handshake takes any certificate, and every request on a
    // connection without a verified one gets a 403 saying why, then the connection closes.
    void requiredListenerRefusesWithoutAVerifiedCertificate_data() {
        QTest::addColumn<QString>("client");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("why");
        QTest::newRow("none") << "none" << 403 << "requires a client certificate";
        QTest::newRow("another CA") << "stranger" << 403 << "unable to get local issuer";
        QTest::newRow("expired") << "expired" << 403 << "certificate has expired";
        QTest::newRow("server purpose") << "server" << 403 << "unsuitable certificate purpose";
        QTest::newRow("self-signed") << "self" << 403 << "self-signed certificate";
        QTest::newRow("the CA's client") << "alice" << 200 << "";
    }

    void requiredListenerRefusesWithoutAVerifiedCertificate() {
        QFETCH(QString, client);
        QFETCH(int, status);
        QFETCH(QString, why);
        const QMap<QString, const TestCertificate *> clients{
            {QStringLiteral("none"), nullptr},       {QStringLiteral("stranger"), &m_stranger},
            {QStringLiteral("expired"), &m_expired}, {QStringLiteral("server"), &m_serverPurpose},
            {QStringLiteral("self"), &m_selfSigned}, {QStringLiteral("alice"), &m_alice}};
        Gateway gw;
        QVERIFY(gw.start(mtlsConfig(ClientAuth::Required)));
        const auto r = get(gw.service.tlsPort(), "/x", clients.value(client));
        QVERIFY(r);
        QCOMPARE(r->status, status);
        if (status == 403) {
            QVERIFY2(r->body.contains("client_certificate_required"), r->body.constData());
            QVERIFY2(r->body.contains(why.toLatin1()), r->body.constData());
            QVERIFY(!r->keepAlive);
        }
    }

    // client_auth optional: a route may require a verified certificate, and routes send its
    // fields upstream; a client's own copies of those headers never pass, on any route.
    void routesRequireAndForwardTheCertificate() {
        Config c = mtlsConfig(ClientAuth::Optional);
        RouteConfig secure = prefixRoute("secure", "/secure", loopbackUrl(*m_echo));
        secure.clientCertificateRequired = true;
        secure.authenticate = false;
        RouteConfig open = prefixRoute("open", "/open", loopbackUrl(*m_echo));
        open.clientCertificateHeaders = AllFields;
        open.authenticate = false;
        RouteConfig other = prefixRoute("other", "/", loopbackUrl(*m_echo));
        other.authenticate = false;
        c.routes = {secure, open, other};
        QVERIFY2(c.validate().isEmpty(), qPrintable(c.validate().join(u'\n')));
        Gateway gw;
        QVERIFY(gw.start(c));
        const quint16 port = gw.service.tlsPort();
        // Every spelling an upstream may read as the same field (CGI and gunicorn take "_"
        // for "-").
        const QByteArray forged = "X-Client-Subject: CN=admin\r\nx-client-verify: SUCCESS\r\n"
                                  "X_Client_San: DNS:admin.example\r\n";

        auto r = get(port, "/open", &m_alice, forged);
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(echoedHeader(*r, "X-Client-Subject"), one("CN=alice,O=Tokengate tests"));
        QCOMPARE(echoedHeader(*r, "X-Client-Issuer"), one("CN=Clients CA,O=Tokengate tests"));
        QCOMPARE(echoedHeader(*r, "X-Client-San"),
                 one("DNS:alice.example.test, URI:spiffe://example.test/alice, "
                     "email:alice@example.test, IP:10.1.2.3"));
        QCOMPARE(echoedHeader(*r, "X-Client-Sha256"),
                 one(sha256(m_alice.certificate.toDer()).toHex()));
        QCOMPARE(echoedHeader(*r, "X-Client-Verify"), one("SUCCESS"));
        const QByteArray serial = m_alice.certificate.serialNumber().replace(':', "").toUpper();
        QCOMPARE(echoedHeader(*r, "X-Client-Serial").value(0).rightJustified(serial.size(), '0'),
                 serial);
        QCOMPARE(QSslCertificate(
                     QByteArray::fromPercentEncoding(echoedHeader(*r, "X-Client-Cert").value(0))),
                 m_alice.certificate);

        r = get(port, "/secure", &m_alice);
        QVERIFY(r);
        QCOMPARE(r->status, 200);

        // Without a certificate: the fields say so, and nothing of the forged ones is left.
        r = get(port, "/open", nullptr, forged);
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(echoedHeader(*r, "X-Client-Verify"), one("NONE"));
        QVERIFY(echoedHeader(*r, "X-Client-Subject").isEmpty());
        r = get(port, "/secure", nullptr);
        QVERIFY(r);
        QCOMPARE(r->status, 403);
        QVERIFY(r->body.contains("client_certificate_required"));
        QVERIFY(r->keepAlive); // a route's refusal: other routes may still serve this client

        // A certificate that does not verify: its fingerprint, not the names it claims.
        r = get(port, "/open", &m_stranger);
        QVERIFY(r);
        QCOMPARE(echoedHeader(*r, "X-Client-Verify").value(0).left(7), QByteArray("FAILED:"));
        QVERIFY(echoedHeader(*r, "X-Client-Subject").isEmpty());
        QVERIFY(echoedHeader(*r, "X-Client-San").isEmpty());
        QVERIFY(echoedHeader(*r, "X-Client-Cert").isEmpty()); // it could be parsed for names
        QCOMPARE(echoedHeader(*r, "X-Client-Sha256"),
                 one(sha256(m_stranger.certificate.toDer()).toHex()));
        r = get(port, "/secure", &m_stranger);
        QVERIFY(r);
        QCOMPARE(r->status, 403);

        // A route without certificate headers still removes the client's copies.
        r = get(port, "/elsewhere", &m_alice, forged);
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QVERIFY(echoedHeader(*r, "X-Client-Subject").isEmpty());
        QVERIFY(echoedHeader(*r, "X-Client-Verify").isEmpty());
        QVERIFY(echoedHeader(*r, "X-Client-San").isEmpty());
        QVERIFY(echoedHeader(*r, "X_Client_San").isEmpty());

        // Plain HTTP: no certificate, whatever the headers claim.
        const auto plain = requestOnce(gw.service.port(), "GET", "/secure");
        QVERIFY(plain);
        QCOMPARE(plain->status, 403);
    }

    // Client certificates from an intermediate CA: the client sends the intermediate, the
    // file holds the root; or the file holds only the intermediate (a partial chain).
    void intermediateCertificatesChain_data() {
        QTest::addColumn<bool>("trustTheIntermediateOnly");
        QTest::newRow("root in the file") << false;
        QTest::newRow("intermediate in the file") << true;
    }

    void intermediateCertificatesChain() {
        QFETCH(bool, trustTheIntermediateOnly);
        const TestAuthority team =
            m_ca.intermediate(QStringLiteral("team"), QStringLiteral("Team CA"));
        const TestCertificate member = team.issue(
            QStringLiteral("member"), QStringLiteral("member"), {}, "clientAuth", -1, 90, true);
        QVERIFY(!member.isNull());
        Config c = mtlsConfig(ClientAuth::Required);
        if (trustTheIntermediateOnly)
            c.tls.clientCaFile = team.certFile;
        Gateway gw;
        QVERIFY(gw.start(c));
        const auto r = get(gw.service.tlsPort(), "/x", &member);
        QVERIFY(r);
        QVERIFY2(r->status == 200, r->body.constData());
        // Trusting the intermediate alone does not trust what the root issued elsewhere.
        const auto direct = get(gw.service.tlsPort(), "/x", &m_alice);
        QVERIFY(direct);
        QCOMPARE(direct->status, trustTheIntermediateOnly ? 403 : 200);
    }

    // RFC 8705: a token bound to a certificate's thumbprint passes only with that
    // certificate, checked on every request (a cached answer too); a token bound to another
    // kind of key (DPoP's jkt) is refused, since the gateway cannot check that proof.
    void certificateBoundTokens() {
        ScriptedUpstream bound(
            idpAnswering(",\"cnf\":{\"x5t#S256\":\"" + thumbprint(m_alice) + "\"}"));
        ScriptedUpstream dpop(idpAnswering(",\"cnf\":{\"jkt\":\"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2"
                                           "HglBV3uiguA4I\"}"));
        ScriptedUpstream unbound(idpAnswering({}));
        Config c = mtlsConfig(ClientAuth::Optional);
        c.auth = AuthMode::Introspection;
        c.cache.enabled = true;
        c.introspection.name = QStringLiteral("bound");
        c.introspection.url = bound.url();
        c.introspection.clientId = QStringLiteral("gw");
        c.introspection.clientSecret = QStringLiteral("secret");
        for (ScriptedUpstream *idp : {&dpop, &unbound}) {
            IntrospectionConfig e = c.introspection;
            e.name = idp == &dpop ? QStringLiteral("dpop") : QStringLiteral("unbound");
            e.url = idp->url();
            c.moreIntrospection << e;
        }
        RouteConfig toBound = prefixRoute("bound", "/bound", loopbackUrl(*m_echo));
        RouteConfig toDpop = prefixRoute("dpop", "/dpop", loopbackUrl(*m_echo));
        toDpop.introspection = QStringLiteral("dpop");
        RouteConfig toUnbound = prefixRoute("unbound", "/unbound", loopbackUrl(*m_echo));
        toUnbound.introspection = QStringLiteral("unbound");
        c.routes = {toBound, toDpop, toUnbound};
        Gateway gw;
        QVERIFY(gw.start(c));
        const quint16 port = gw.service.tlsPort();
        const QByteArray token = "Authorization: Bearer a-bound-token\r\n";

        auto r = get(port, "/bound", &m_alice, token);
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(bound.requestTotal(), 1);
        // The same token, answered from the cache, from a client without its certificate.
        const QList<const TestCertificate *> others{&m_bob, nullptr};
        for (const TestCertificate *client : others) {
            r = get(port, "/bound", client, token);
            QVERIFY(r);
            QCOMPARE(r->status, 401);
            QCOMPARE(r->headers.value("WWW-Authenticate"),
                     QByteArray("Bearer error=\"invalid_token\""));
        }
        QCOMPARE(bound.requestTotal(), 1);
        r = requestOnce(gw.service.port(), "GET", "/bound", token);
        QVERIFY(r);
        QCOMPARE(r->status, 401);

        r = get(port, "/dpop", &m_alice, token);
        QVERIFY(r);
        QCOMPARE(r->status, 401);
        r = get(port, "/unbound", nullptr, token);
        QVERIFY(r);
        QCOMPARE(r->status, 200);
    }

    // optional_no_ca: nothing is verified, so names are never sent; the fingerprint is, and a
    // self-signed certificate can carry a bound token (RFC 8705 section 3.2).
    void selfSignedCertificatesBindTokensWithoutACa() {
        ScriptedUpstream idp(
            idpAnswering(",\"cnf\":{\"x5t#S256\":\"" + thumbprint(m_selfSigned) + "\"}"));
        Config c = mtlsConfig(ClientAuth::OptionalNoCa);
        c.auth = AuthMode::Introspection;
        c.introspection.url = idp.url();
        c.introspection.clientId = QStringLiteral("gw");
        c.introspection.clientSecret = QStringLiteral("secret");
        RouteConfig route = prefixRoute("all", "/", loopbackUrl(*m_echo));
        route.clientCertificateHeaders = AllFields;
        c.routes = {route};
        Gateway gw;
        QVERIFY(gw.start(c));
        const QByteArray token = "Authorization: Bearer a-bound-token\r\n";
        auto r = get(gw.service.tlsPort(), "/x", &m_selfSigned, token);
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        QCOMPARE(echoedHeader(*r, "X-Client-Sha256"),
                 one(sha256(m_selfSigned.certificate.toDer()).toHex()));
        QVERIFY(echoedHeader(*r, "X-Client-Subject").isEmpty());
        QVERIFY(echoedHeader(*r, "X-Client-Verify").value(0).startsWith("FAILED:"));
        r = get(gw.service.tlsPort(), "/x", &m_alice, token);
        QVERIFY(r);
        QCOMPARE(r->status, 401);
    }

    // OpenSSL refuses to resume a TLS 1.2 session with a fatal alert on a server that asks
    // for certificates and names no session context: the returning client must resume, and
    // still be known by its certificate.
    void resumedSessionsKeepTheCertificate_data() {
        QTest::addColumn<QString>("version");
        QTest::newRow("TLS 1.2") << QStringLiteral("tls1_2");
        QTest::newRow("TLS 1.3") << QStringLiteral("tls1_3");
    }

    void resumedSessionsKeepTheCertificate() {
        QFETCH(QString, version);
        Config c = mtlsConfig(ClientAuth::Required);
        RouteConfig route = prefixRoute("all", "/", loopbackUrl(*m_echo));
        route.authenticate = false;
        route.clientCertificateHeaders = {
            {QStringLiteral("X-Client-Subject"), QStringLiteral("subject")}};
        c.routes = {route};
        Gateway gw;
        QVERIFY(gw.start(c)); // one worker: one session cache
        const QString session = m_dir.filePath(QStringLiteral("mtls-session-") + version);
        auto run = [&](const QString &sessionOption) {
            return sClientExchange(gw.service.tlsPort(), version,
                                   {QStringLiteral("-cert"), m_alice.certFile,
                                    QStringLiteral("-key"), m_alice.keyFile, sessionOption,
                                    session},
                                   "GET /who HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
        };
        // The very first session resumes too: the context is built, and its sessions named,
        // before any connection.
        const QByteArray first = run(QStringLiteral("-sess_out"));
        QVERIFY2(first.contains("New, TLS"), first.constData());
        QVERIFY2(first.contains("CN=alice,O=Tokengate tests"), first.constData());
        const QByteArray second = run(QStringLiteral("-sess_in"));
        QVERIFY2(second.contains("Reused, TLS"), second.constData());
        QVERIFY2(second.contains("HTTP/1.1 200"), second.constData());
        QVERIFY2(second.contains("CN=alice,O=Tokengate tests"), second.constData());
    }

    // The certificate request names the client CAs (browsers then offer only what they
    // issued); optional_no_ca trusts no CA and names none.
    void certificateRequestNamesTheClientCas_data() {
        QTest::addColumn<int>("mode");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("optional") << int(ClientAuth::Optional) << QByteArray("Clients CA");
        QTest::newRow("optional_no_ca")
            << int(ClientAuth::OptionalNoCa) << QByteArray("No client certificate CA names sent");
    }

    void certificateRequestNamesTheClientCas() {
        QFETCH(int, mode);
        QFETCH(QByteArray, expected);
        Gateway gw;
        QVERIFY(gw.start(mtlsConfig(ClientAuth(mode))));
        const QByteArray out =
            sClientExchange(gw.service.tlsPort(), QStringLiteral("tls1_3"), {},
                            "GET / HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
        const qsizetype names = out.indexOf("client certificate CA names");
        QVERIFY2(names >= 0, out.constData());
        QVERIFY2(out.indexOf(expected, names - 20) >= 0, out.constData());
        QVERIFY2(!out.contains("Other CA"), out.constData());
    }

    // A reload reads the CA file again: new connections are judged by the new CAs.
    void reloadReplacesTheClientCas() {
        QTemporaryDir dir;
        const QString caFile = dir.filePath(QStringLiteral("clients.pem"));
        QVERIFY(QFile::copy(m_ca.certFile, caFile));
        Config c = mtlsConfig(ClientAuth::Required);
        c.tls.clientCaFile = caFile;
        Gateway gw;
        QVERIFY(gw.start(c));
        auto r = get(gw.service.tlsPort(), "/x", &m_alice);
        QVERIFY(r);
        QCOMPARE(r->status, 200);

        const TestAuthority next =
            TestAuthority::root(dir.path(), QStringLiteral("next"), QStringLiteral("Next CA"));
        const TestCertificate carol =
            next.issue(QStringLiteral("carol"), QStringLiteral("carol"), {});
        QVERIFY(QFile::remove(caFile) && QFile::copy(next.certFile, caFile));
        QStringList errors;
        QVERIFY2(gw.service.reload(c, &errors), qPrintable(errors.join(u'\n')));
        r = get(gw.service.tlsPort(), "/x", &m_alice);
        QVERIFY(r);
        QCOMPARE(r->status, 403);
        r = get(gw.service.tlsPort(), "/x", &carol);
        QVERIFY(r);
        QCOMPARE(r->status, 200);
    }

    // The gateway as the client: an https upstream (the echo upstream, serving HTTPS with
    // client_auth required) gets the configured certificate.
    void upstreamsGetTheClientCertificate() {
        ServerSettings s;
        s.port = 0;
        s.workers = 1;
        s.tls.enabled = true;
        s.tls.port = 0;
        QString error;
        const auto served = loadTlsCertificates(
            {m_server.certFile, m_server.keyFile, {}, ClientAuth::Required, m_ca.certFile}, &error);
        QVERIFY2(served, qPrintable(error));
        HttpServer upstream(s,
                            [](DeadlineSweeper &, int) { return std::make_unique<EchoHandler>(); });
        upstream.setTlsCertificates(*served);
        QVERIFY2(upstream.start(&error), qPrintable(error));

        Config c = testConfig(QStringLiteral("https://localhost:%1").arg(upstream.tlsPort()));
        c.upstream.caFile = m_server.certFile;
        c.upstream.clientCertFile = m_alice.certFile;
        c.upstream.clientKeyFile = m_alice.keyFile;
        Gateway gw;
        QVERIFY(gw.start(c));
        auto r = requestOnce(gw.port(), "GET", "/through");
        QVERIFY(r);
        QVERIFY2(r->status == 200, r->body.constData());
        QCOMPARE(echoJson(*r).value(u"target").toString(), QStringLiteral("/through"));

        c.upstream.clientCertFile.clear();
        c.upstream.clientKeyFile.clear();
        Gateway without;
        QVERIFY(without.start(c));
        r = requestOnce(without.port(), "GET", "/through");
        QVERIFY(r);
        QCOMPARE(r->status, 403);
        QVERIFY(r->body.contains("client_certificate_required"));
    }

    // RFC 8705 tls_client_auth: the IdP (behind a gateway that requires certificates) sees
    // the endpoint's certificate and client_id alone in the body, no secret; the upstreams'
    // certificate is never shown to it.
    void introspectionWithTlsClientAuth() {
        ScriptedUpstream idp(idpAnswering({}));
        Config front = mtlsConfig(ClientAuth::Required);
        RouteConfig toIdp = prefixRoute("idp", "/", idp.url());
        toIdp.authenticate = false;
        toIdp.clientCertificateHeaders = {
            {QStringLiteral("X-Seen-Subject"), QStringLiteral("subject")}};
        front.routes = {toIdp};
        Gateway idpFront;
        QVERIFY(idpFront.start(front));

        Config c = testConfig(loopbackUrl(*m_echo));
        c.auth = AuthMode::Introspection;
        c.upstream.caFile = m_server.certFile;
        c.upstream.clientCertFile = m_bob.certFile; // for upstreams only
        c.upstream.clientKeyFile = m_bob.keyFile;
        IntrospectionConfig &e = c.introspection;
        e.url = QStringLiteral("https://localhost:%1/introspect").arg(idpFront.service.tlsPort());
        e.authMethod = ClientAuthMethod::TlsClientAuth;
        e.clientId = QStringLiteral("gateway-client");
        e.tlsClientCertFile = m_alice.certFile;
        e.tlsClientKeyFile = m_alice.keyFile;
        QVERIFY2(c.validate().isEmpty(), qPrintable(c.validate().join(u'\n')));
        Gateway gw;
        QVERIFY(gw.start(c));
        auto r = requestOnce(gw.port(), "GET", "/api", "Authorization: Bearer t\r\n");
        QVERIFY(r);
        QVERIFY2(r->status == 200, r->body.constData());
        QVERIFY(waitFor([&] { return idp.requestTotal() == 1; }));
        const QByteArray seen = idp.connections().value(0).received;
        QVERIFY2(seen.contains("X-Seen-Subject: CN=alice,O=Tokengate tests"), seen.constData());
        QVERIFY2(seen.contains("client_id=gateway-client"), seen.constData());
        QVERIFY(!seen.contains("client_secret"));
        QVERIFY(!seen.contains("Authorization: Basic"));

        // Without the endpoint's own certificate the IdP is not shown the upstreams' one.
        e.tlsClientCertFile.clear();
        e.tlsClientKeyFile.clear();
        e.authMethod = ClientAuthMethod::ClientSecretBasic;
        Gateway plainClient;
        QVERIFY(plainClient.start(c));
        r = requestOnce(plainClient.port(), "GET", "/api", "Authorization: Bearer t\r\n");
        QVERIFY(r);
        QCOMPARE(r->status, 503); // the IdP's front answered 403: idp_rejected_client
        QCOMPARE(idp.requestTotal(), 1);
    }

    void configProblems_data() {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("problem");
        QTest::newRow("no CA file") << "no CA file"
                                    << "tls.client_ca_file is not set";
        QTest::newRow("CA file not PEM") << "CA file not PEM"
                                         << "tls.client_ca_file \"";
        QTest::newRow("CA file without client_auth") << "CA file without client_auth"
                                                     << "but tls.client_auth is none";
        QTest::newRow("CA file with optional_no_ca") << "CA file with optional_no_ca"
                                                     << "verifies no certificate against it";
        QTest::newRow("route without client_auth") << "route without client_auth"
                                                   << "need the HTTPS listener with "
                                                      "tls.client_auth";
        QTest::newRow("unknown field") << "unknown field"
                                       << "\"email\" is not subject, issuer";
        QTest::newRow("identity header too") << "identity header too"
                                             << "is both an identity header and a client "
                                                "certificate header";
        QTest::newRow("reserved header") << "reserved header"
                                         << "client certificate header \"Host\" would replace";
        QTest::newRow("client_auth without HTTPS") << "client_auth without HTTPS"
                                                   << "but tls.listen is not";
        QTest::newRow("tls_client_auth without a certificate")
            << "tls_client_auth without a certificate"
            << "tls_client_auth needs client_id, tls.client_cert_file";
        QTest::newRow("tls_client_auth over http") << "tls_client_auth over http"
                                                   << "tls_client_auth needs an https:// url";
        QTest::newRow("upstream key without certificate")
            << "upstream key without certificate"
            << "upstream.tls.client_cert_file and upstream.tls.client_key_file: set both";
        QTest::newRow("upstream key of another") << "upstream key of another"
                                                 << "is not the key of the first certificate";
        QTest::newRow("upstream certificate with Destination")
            << "upstream certificate with Destination"
            << "upstream.tls.client_cert_file: not with the Destination header";
        QTest::newRow("required beside plain HTTP") << "required beside plain HTTP"
                                                    << "tls.client_auth required: set plain_http: "
                                                       "false";
    }

    void configProblems() {
        QFETCH(QString, what);
        QFETCH(QString, problem);
        Config c = mtlsConfig(ClientAuth::Optional);
        RouteConfig route = prefixRoute("all", "/", loopbackUrl(*m_echo));
        if (what == u"no CA file") {
            c.tls.clientCaFile.clear();
        } else if (what == u"CA file not PEM") {
            c.tls.clientCaFile = m_alice.keyFile;
        } else if (what == u"CA file without client_auth") {
            c.tls.clientAuth = ClientAuth::None;
        } else if (what == u"CA file with optional_no_ca") {
            c.tls.clientAuth = ClientAuth::OptionalNoCa;
        } else if (what == u"route without client_auth") {
            c = mtlsConfig(ClientAuth::None);
            route.clientCertificateRequired = true;
        } else if (what == u"unknown field") {
            route.clientCertificateHeaders = {{QStringLiteral("X-Mail"), QStringLiteral("email")}};
        } else if (what == u"identity header too") {
            route.clientCertificateHeaders = {
                {QStringLiteral("X-User"), QStringLiteral("subject")}};
            route.identityHeaders = {{QStringLiteral("x-user"), QStringLiteral("sub")}};
        } else if (what == u"reserved header") {
            route.clientCertificateHeaders = {{QStringLiteral("Host"), QStringLiteral("subject")}};
        } else if (what == u"tls_client_auth without a certificate" ||
                   what == u"tls_client_auth over http") {
            c.auth = AuthMode::Introspection;
            c.introspection.url = QStringLiteral("https://idp.test/introspect");
            c.introspection.authMethod = ClientAuthMethod::TlsClientAuth;
            c.introspection.clientId = QStringLiteral("gw");
            if (what == u"tls_client_auth over http") {
                c.introspection.url = QStringLiteral("http://idp.test/introspect");
                c.introspection.tlsClientCertFile = m_alice.certFile;
                c.introspection.tlsClientKeyFile = m_alice.keyFile;
            }
        } else if (what == u"upstream certificate with Destination") {
            c.upstream.clientCertFile = m_alice.certFile;
            c.upstream.clientKeyFile = m_alice.keyFile;
            route = prefixRoute("any", "/", QString()); // the Destination header names it
            route.destinationAllow = QStringLiteral("*.internal");
        } else if (what == u"upstream key without certificate") {
            c.upstream.clientKeyFile = m_alice.keyFile;
        } else if (what == u"upstream key of another") {
            c.upstream.clientCertFile = m_alice.certFile;
            c.upstream.clientKeyFile = m_bob.keyFile;
        } else if (what == u"required beside plain HTTP") {
            c = mtlsConfig(ClientAuth::Required);
            c.server.plainEnabled = true;
        } else if (what == u"client_auth without HTTPS") {
            c.server.tls.enabled = false;
            c.tls = {};
            c.tls.clientAuth = ClientAuth::Required;
        }
        c.routes = {route};
        const QStringList problems = c.validate();
        QVERIFY2(problems.join(u'\n').contains(problem), qPrintable(problems.join(u'\n')));
        GatewayService service;
        QStringList errors;
        QVERIFY(!service.start(c, &errors));
    }
};

QTEST_MAIN(TestMutualTls)
#include "tst_mutualtls.moc"
