// SPDX-License-Identifier: Apache-2.0
// The IdP under a flood and under churn, through real loopback sockets: the wait line is
// bounded and answers 503 at once when full while cached tokens pass untouched, an eviction
// during a call is not undone by its answer, and a retried private_key_jwt call signs anew.
#include "tests/support/gatewayfixture.h"
#include "tests/support/jwsverifier.h"
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"

#include "core/auth/bearertoken.h"
#include "core/auth/introspectionclient.h"
#include "core/cache/introspectioncache.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

const QByteArray Active = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                          "Content-Length: 29\r\n\r\n{\"active\":true,\"sub\":\"alice\"}";

QByteArray get(const QByteArray &token) {
    return "GET /p HTTP/1.1\r\nHost: gw.test\r\nAuthorization: Bearer " + token + "\r\n\r\n";
}

// An IdP that answers only requests for the tokens in `answered`; a connection whose request
// it does not answer stays busy with it.
ScriptedUpstream::Script answerOnly(std::shared_ptr<QSet<QByteArray>> answered) {
    auto done = std::make_shared<QHash<int, int>>();
    return [answered, done](ScriptedUpstream &up, int index) {
        const QByteArray &all = up.connections()[index].received;
        int seen = 0;
        for (qsizetype at = all.indexOf("POST "); at >= 0; at = all.indexOf("POST ", at + 1)) {
            if (seen++ < (*done)[index])
                continue;
            const qsizetype token = all.indexOf("\r\n\r\ntoken=", at);
            if (token < 0)
                return; // the body is still on its way
            if (!answered->contains(all.mid(token + 10).split('&').value(0)))
                return;
            up.reply(index, Active);
            ++(*done)[index];
        }
    };
}

} // namespace

class TestIdpProtection : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<HttpServer> m_echo;

    Config config(const ScriptedUpstream &idp) const {
        Config c = testConfig(QStringLiteral("http://127.0.0.1:%1").arg(m_echo->port()));
        c.auth = AuthMode::Introspection;
        c.introspection.url = idp.url() + QStringLiteral("/introspect");
        c.introspection.clientId = QStringLiteral("gw");
        c.introspection.clientSecret = QStringLiteral("s");
        c.introspection.timeoutMs = 20'000;
        c.cache.enabled = true;
        c.cache.ttlSecs = 60;
        return c;
    }

private slots:
    void initTestCase() {
        QString error;
        m_echo = startEchoUpstream(&error);
        QVERIFY2(m_echo, qPrintable(error));
    }
    void cleanupTestCase() { m_echo.reset(); }

    // Unknown tokens fill the connections and the line; the next unknown one is refused at
    // once, and a cached token is answered as if nothing happened.
    void fullLineRefusesFastCachedTokensPass_data() {
        QTest::addColumn<int>("maxConnections");
        QTest::addColumn<int>("maxWaiting");
        QTest::newRow("no line") << 1 << 0;
        QTest::newRow("line of 3") << 2 << 3;
    }
    void fullLineRefusesFastCachedTokensPass() {
        QFETCH(int, maxConnections);
        QFETCH(int, maxWaiting);
        auto answered = std::make_shared<QSet<QByteArray>>(QSet<QByteArray>{"known"});
        ScriptedUpstream idp(answerOnly(answered));
        Config c = config(idp);
        c.introspection.maxConnections = maxConnections;
        c.introspection.maxWaiting = maxWaiting;
        Gateway gw;
        QVERIFY(gw.start(c));
        const auto known = requestOnce(gw.port(), "GET", "/p", "Authorization: Bearer known\r\n");
        QVERIFY(known);
        QCOMPARE(known->status, 200); // now cached

        // The flood: as many unknown tokens as there are connections and places in line.
        std::vector<std::unique_ptr<RawClient>> flood;
        for (int i = 0; i < maxConnections + maxWaiting; ++i) {
            flood.push_back(std::make_unique<RawClient>());
            QVERIFY(flood.back()->connectTo(gw.port()));
            flood.back()->send(get("random" + QByteArray::number(i)));
        }
        QVERIFY(waitFor([&] {
            int calls = 0;
            for (const auto &conn : idp.connections())
                calls += int(conn.received.count("POST "));
            return calls == 1 + maxConnections;
        }));

        QElapsedTimer clock;
        clock.start();
        const auto refused =
            requestOnce(gw.port(), "GET", "/p", "Authorization: Bearer one-more\r\n");
        QVERIFY(refused);
        QCOMPARE(refused->status, 503);
        QVERIFY2(refused->body.contains("idp_overloaded"), refused->body.constData());
        const auto cached = requestOnce(gw.port(), "GET", "/p", "Authorization: Bearer known\r\n");
        QVERIFY(cached);
        QCOMPARE(cached->status, 200);
        QVERIFY2(clock.elapsed() < 2000, QByteArray::number(clock.elapsed()));
        for (const auto &client : flood)
            QVERIFY(client->isConnected()); // still waiting, not refused
    }

    // A manual eviction while the IdP is being asked: the answer serves the request that
    // waited, but the next request asks the IdP again instead of finding it cached.
    void evictionDuringCallIsNotUndone_data() {
        QTest::addColumn<QString>("how");
        QTest::newRow("by fingerprint") << QStringLiteral("fingerprint");
        QTest::newRow("by subject") << QStringLiteral("subject");
        QTest::newRow("everything") << QStringLiteral("all");
    }
    void evictionDuringCallIsNotUndone() {
        QFETCH(QString, how);
        auto answered = std::make_shared<QSet<QByteArray>>();
        ScriptedUpstream idp(answerOnly(answered));
        Gateway gw;
        QVERIFY(gw.start(config(idp)));
        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        client.send(get("tok"));
        QVERIFY(waitFor([&] { return idp.connections().size() == 1 && idp.requestCount(0) == 1; }));
        IntrospectionCache &cache = *gw.service.cache();
        if (how == u"fingerprint")
            cache.evictFingerprint(tokenFingerprint("tok"));
        else if (how == u"subject")
            cache.evictSubject(QStringLiteral("alice"));
        else
            cache.evictAll();
        answered->insert("tok");
        idp.connections()[0].socket->readyRead(); // run the script again: it answers now
        const auto first = client.readResponse();
        QVERIFY(first);
        QCOMPARE(first->status, 200);
        client.send(get("tok"));
        const auto second = client.readResponse();
        QVERIFY(second);
        QCOMPARE(second->status, 200);
        QCOMPARE(idp.requestCount(0), 2); // asked again: the eviction held
        client.send(get("tok"));
        QVERIFY(client.readResponse());
        QCOMPARE(idp.requestCount(0), 2); // and that answer is cached as usual
    }

    // Failed calls leave nothing behind: every connection they opened is freed (and leaves
    // the deadline sweeper), however many calls failed.
    void failedCallsFreeTheirConnections_data() {
        QTest::addColumn<bool>("idpListening");
        QTest::newRow("refused") << false;
        QTest::newRow("closed without answering") << true;
    }
    void failedCallsFreeTheirConnections() {
        QFETCH(bool, idpListening);
        ScriptedUpstream closing([](ScriptedUpstream &up, int index) {
            if (up.requestCount(index) > 0)
                up.connections()[index].socket->disconnectFromHost();
        });
        const quint16 port = idpListening ? closing.port() : closedLoopbackPort();
        IntrospectionEndpoint endpoint;
        endpoint.url =
            *UpstreamTarget::parse(QStringLiteral("http://127.0.0.1:%1/i").arg(port), nullptr);
        DeadlineSweeper sweeper;
        IntrospectionClient client(endpoint, UpstreamSettings{}, HttpLimits{}, sweeper);
        constexpr int Calls = 20;
        int failed = 0;
        std::vector<std::unique_ptr<IntrospectionCall>> calls;
        for (int i = 0; i < Calls; ++i)
            calls.push_back(client.introspect(
                "t", [&](const IntrospectionOutcome &o) { failed += o.error != Reason::None; }));
        QVERIFY(waitFor([&] { return failed == Calls; }));
        calls.clear();
        QVERIFY2(waitFor([&] { return sweeper.size() == 0; }),
                 qPrintable(QString::number(sweeper.size())));
    }

    // The IdP closes a kept-alive connection as the next call arrives on it; the retry on a
    // new connection carries a newly signed assertion, not the same jti again.
    void retryAfterStaleConnectionSignsAnew() {
        QTemporaryDir dir;
        const QString keyFile = dir.filePath(QStringLiteral("client.pem"));
        QFile f(keyFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(generatePrivateKeyPem("EC", 0, "P-256"));
        f.close();
        auto answer = std::make_shared<ScriptedUpstream::Script>(
            ScriptedUpstream::answerEachRequestWith(Active));
        ScriptedUpstream idp([answer](ScriptedUpstream &up, int index) {
            const qsizetype calls = up.connections()[index].received.count("&client_id=gw");
            if (index == 0 && calls == 2)
                up.connections()[0].socket->abort(); // "stale": gone before answering
            else if (index > 0 || calls == 1)
                (*answer)(up, index);
        });
        Config c = config(idp);
        c.cache.enabled = false;
        c.introspection.authMethod = ClientAuthMethod::PrivateKeyJwt;
        c.introspection.clientSecret.clear();
        c.introspection.privateKeyFile = keyFile;
        c.introspection.keyId = QStringLiteral("k1");
        Gateway gw;
        QVERIFY(gw.start(c));
        RawClient client;
        QVERIFY(client.connectTo(gw.port()));
        for (int i = 0; i < 2; ++i) {
            client.send(get("t" + QByteArray::number(i)));
            const auto r = client.readResponse();
            QVERIFY(r);
            QCOMPARE(r->status, 200);
        }
        QCOMPARE(idp.connections().size(), 2);
        auto jtis = [](const QByteArray &received) {
            QStringList out;
            for (const QByteArray &line : received.split('\n')) {
                const qsizetype at = line.indexOf("client_assertion=");
                if (at < 0)
                    continue;
                const QByteArray jws = line.mid(at + 17).split('&').value(0);
                const QByteArray payload =
                    QByteArray::fromBase64(jws.split('.').value(1), QByteArray::Base64UrlEncoding);
                out << QJsonDocument::fromJson(payload).object().value(u"jti").toString();
            }
            return out;
        };
        const QStringList stale = jtis(idp.connections()[0].received);
        const QStringList fresh = jtis(idp.connections()[1].received);
        QCOMPARE(stale.size(), 2);
        QCOMPARE(fresh.size(), 1);
        QVERIFY(!fresh[0].isEmpty());
        QVERIFY2(!stale.contains(fresh[0]), qPrintable(stale.join(u',') + u" / " + fresh[0]));
    }
};

QTEST_MAIN(TestIdpProtection)
#include "tst_idpprotection.moc"
