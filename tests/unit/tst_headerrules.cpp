// SPDX-License-Identifier: Apache-2.0
// A route's header rules: which names they may never write, how "{claim}" values are read,
// and what a request's or answer's fields become (removed, then set, then added).
#include "core/config/config.h"
#include "core/config/routecompiler.h"
#include "core/pipeline/headerrules.h"

#include <QTest>

using namespace Tokengate;

namespace {

using Side = HeaderRules::Side;

HeaderMap fields(const QList<QByteArray> &lines) {
    HeaderMap h;
    for (const QByteArray &line : lines) {
        const qsizetype colon = line.indexOf(':');
        h.append(line.first(colon), line.sliced(colon + 2));
    }
    return h;
}

QList<QByteArray> lines(const HeaderMap &h) {
    QList<QByteArray> out;
    for (const HeaderField &f : h.fields())
        out << f.name.toByteArray() + ": " + f.value.toByteArray();
    return out;
}

} // namespace

class TestHeaderRules : public QObject {
    Q_OBJECT

private slots:
    void refused_data() {
        QTest::addColumn<int>("side");
        QTest::addColumn<QString>("key"); // set, add or remove
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("why");
        const int req = int(Side::Request);
        const int resp = int(Side::Response);
        const auto row = [](const char *tag, int side, const char *key, const char *name,
                            const char *value, const char *why) {
            QTest::newRow(tag) << side << QString::fromLatin1(key) << QString::fromLatin1(name)
                               << QString::fromUtf8(value) << QString::fromLatin1(why);
        };
        row("Content-Length", req, "set", "Content-Length", "0", "frames the message");
        row("Transfer-Encoding", resp, "add", "transfer-encoding", "chunked", "frames");
        row("Connection", req, "set", "Connection", "close", "connection");
        row("Upgrade", req, "add", "Upgrade", "h2c", "connection");
        row("Proxy-Authorization", req, "set", "Proxy-Authorization", "x", "connection");
        row("remove Keep-Alive", resp, "remove", "Keep-Alive", "", "connection");
        row("Host", req, "set", "Host", "a.test", "preserve_host");
        row("Via", req, "remove", "Via", "", "loop guard");
        row("X-Forwarded-For", req, "set", "X-Forwarded-For", "1.2.3.4", "forwarded mode");
        row("X-Real-IP", req, "add", "X-Real-IP", "1.2.3.4", "forwarded mode");
        row("Expect", req, "set", "Expect", "100-continue", "forwarded mode");
        row("stale marker", req, "set", "X-Tokengate-Introspection", "fresh", "stale");
        row("Authorization", req, "set", "Authorization", "Basic eA==", "credential");
        row("Cookie", req, "add", "Cookie", "a=b", "credential");
        row("not a name", req, "set", "X Bad", "1", "not a header name");
        row("claim in an answer", resp, "set", "X-User", "{sub}", "fixed text");
        row("lone brace", req, "set", "X-A", "a}b", "lone");
        row("unclosed claim", req, "set", "X-A", "{sub", "starts no {claim}");
        row("empty claim", req, "set", "X-A", "{}", "starts no {claim}");
        row("claim with a blank", req, "set", "X-A", "{a b}", "starts no {claim}");
        row("line break", req, "set", "X-A", "a\r\nX-Evil: 1", "control character");
        row("line break before a claim", req, "set", "X-A", "u\r\nContent-Length: 0\r\n{sub}",
            "control character");
        row("method override", req, "set", "X-HTTP-Method-Override", "DELETE", "instead of");
        row("method override twin", req, "add", "X_HTTP_Method", "DELETE", "instead of");
        row("X-Original-URL", req, "set", "X-Original-URL", "/admin", "instead of");
        row("CORS grant", resp, "set", "Access-Control-Allow-Origin", "*", "cors section");
        row("NUL", resp, "add", "X-A", "", "control character"); // the value is set below
    }
    void refused() {
        QFETCH(int, side);
        QFETCH(QString, key);
        QFETCH(QString, name);
        QFETCH(QString, value);
        QFETCH(QString, why);
        if (QByteArrayView(QTest::currentDataTag()) == "NUL") // not a C string
            value = QString::fromLatin1("a\0b", 3);
        HeaderRulesConfig c;
        if (key == u"remove")
            c.remove = {name};
        else
            (key == u"set" ? c.set : c.add).insert(name, value);
        QString problem;
        QVERIFY(!HeaderRules::compile(c, Side(side), &problem));
        QVERIFY2(problem.contains(name) && problem.contains(why), qPrintable(problem));
    }

    // Removing a credential is what strip_credential does; it is allowed.
    void removingACredentialIsAllowed() {
        HeaderRulesConfig c;
        c.remove = {QStringLiteral("Authorization"), QStringLiteral("Cookie")};
        QString why;
        QVERIFY2(HeaderRules::compile(c, Side::Request, &why), qPrintable(why));
    }

    void apply_data() {
        QTest::addColumn<QMap<QString, QString>>("set");
        QTest::addColumn<QMap<QString, QString>>("add"); // QFETCH needs a name without a comma
        QTest::addColumn<QStringList>("remove");
        QTest::addColumn<QByteArray>("claims"); // the introspection answer; empty: none
        QTest::addColumn<QList<QByteArray>>("before");
        QTest::addColumn<QList<QByteArray>>("after");
        using M = QMap<QString, QString>;
        using L = QList<QByteArray>;
        const QByteArray claims =
            R"({"active":true,"sub":"ann","tenant":"acme","groups":["a","b"],)"
            R"("org":{"id":7},"bad":"x\r\nX-Evil: 1"})";
        const auto m = [](const char *name, const char *value) {
            return M{{QString::fromLatin1(name), QString::fromLatin1(value)}};
        };
        QTest::newRow("set replaces every copy")
            << m("X-Tenant", "{tenant}") << M() << QStringList() << claims
            << L{"x-tenant: forged", "A: 1", "X-Tenant: again"} << L{"A: 1", "X-Tenant: acme"};
        QTest::newRow("missing claim: the client's copy still goes")
            << m("X-Team", "{team}") << M() << QStringList() << claims << L{"X-Team: forged"}
            << L{};
        QTest::newRow("no identity: the client's copy still goes")
            << m("X-Tenant", "{tenant}") << M() << QStringList() << QByteArray()
            << L{"X-Tenant: forged"} << L{};
        QTest::newRow("text around a claim")
            << m("X-Who", "user:{sub}/{org.id}") << M() << QStringList() << claims << L{}
            << L{"X-Who: user:ann/7"};
        QTest::newRow("half a value is not sent")
            << m("X-Who", "t-{team}") << M() << QStringList() << claims << L{} << L{};
        QTest::newRow("braces") << m("X-Json", "{{\"a\":1}}") << M() << QStringList()
                                << QByteArray() << L{} << L{"X-Json: {\"a\":1}"};
        QTest::newRow("array claim") << m("X-Groups", "{groups}") << M() << QStringList() << claims
                                     << L{} << L{"X-Groups: a, b"};
        QTest::newRow("array inside text is not sent")
            << m("X-Role", "role:{groups}") << M() << QStringList() << claims << L{} << L{};
        QTest::newRow("claim that would split the field")
            << m("X-Bad", "{bad}") << M() << QStringList() << claims << L{} << L{};
        QTest::newRow("add appends") << M() << m("Via-Tag", "one") << QStringList() << QByteArray()
                                     << L{"Via-Tag: zero"} << L{"Via-Tag: zero", "Via-Tag: one"};
        QTest::newRow("remove in any case")
            << M() << M() << QStringList{QStringLiteral("x-debug")} << QByteArray()
            << L{"X-Debug: 1", "B: 2", "X-DEBUG: 3"} << L{"B: 2"};
        QTest::newRow("remove, then set, then add")
            << m("X-A", "set") << m("X-B", "added") << QStringList{QStringLiteral("X-B")}
            << QByteArray() << L{"X-B: client", "X-A: client"} << L{"X-A: set", "X-B: added"};
    }
    void apply() {
        using M = QMap<QString, QString>;
        QFETCH(M, set);
        QFETCH(M, add);
        QFETCH(QStringList, remove);
        QFETCH(QByteArray, claims);
        QFETCH(QList<QByteArray>, before);
        QFETCH(QList<QByteArray>, after);
        HeaderRulesConfig c{set, add, remove};
        QString why;
        const std::optional<HeaderRules> rules = HeaderRules::compile(c, Side::Request, &why);
        QVERIFY2(rules, qPrintable(why));
        std::optional<IntrospectionResult> identity;
        if (!claims.isEmpty()) {
            identity = IntrospectionResult::fromJson(claims, &why);
            QVERIFY2(identity, qPrintable(why));
        }
        HeaderMap h = fields(before);
        rules->apply(h, identity ? &*identity : nullptr);
        QCOMPARE(lines(h), after);
    }

    // Names the gateway writes itself on the route cannot be a rule's too.
    void clashesWithTheGatewaysOwnFields_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("response");
        QTest::addColumn<QString>("why");
        QTest::newRow("identity header")
            << QStringLiteral("x-user") << false << QStringLiteral("an identity header");
        QTest::newRow("JWT header")
            << QStringLiteral("X-JWT") << false << QStringLiteral("the JWT header");
        QTest::newRow("request id")
            << QStringLiteral("X-Request-Id") << false << QStringLiteral("the request id header");
        QTest::newRow("identity header twin")
            << QStringLiteral("X_User") << false << QStringLiteral("an identity header");
        QTest::newRow("token header")
            << QStringLiteral("X-Api-Key") << false << QStringLiteral("token header");
    }
    void clashesWithTheGatewaysOwnFields() {
        QFETCH(QString, name);
        QFETCH(bool, response);
        QFETCH(QString, why);
        Config c;
        c.jwt.headerName = QStringLiteral("X-JWT");
        RouteConfig r;
        r.pathPrefix = QStringLiteral("/");
        r.upstreamUrl = QStringLiteral("http://127.0.0.1:1");
        r.identityHeaders = {{QStringLiteral("X-User"), QStringLiteral("sub")}};
        r.tokenSources = {{TokenSource::Kind::Header, QStringLiteral("X-Api-Key")}};
        r.cors.enabled = true;
        r.cors.allowOrigins = {QStringLiteral("https://app.test")};
        (response ? r.responseHeaders : r.requestHeaders).set.insert(name, QStringLiteral("v"));
        c.routes = {r};
        const QStringList problems = validateRoutes(c);
        QCOMPARE(problems.size(), 1);
        QVERIFY2(problems.first().contains(why), qPrintable(problems.first()));
        (response ? r.responseHeaders : r.requestHeaders).set.clear();
        c.routes = {r};
        QVERIFY2(validateRoutes(c).isEmpty(), qPrintable(validateRoutes(c).join(u'\n')));
    }
};

QTEST_APPLESS_MAIN(TestHeaderRules)
#include "tst_headerrules.moc"
