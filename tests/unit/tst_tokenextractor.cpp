// SPDX-License-Identifier: Apache-2.0
// Where a route finds its token (Bearer header, query parameter, named header, cookie; first
// source wins, ambiguity is no token) and what stripping leaves for the upstream.
#include "core/auth/tokenextractor.h"
#include "tests/support/headerlines.h"

#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

Q_DECLARE_METATYPE(Tokengate::TokenSource)

namespace {

using Kind = TokenSource::Kind;

TokenSource src(Kind kind, const char *name = "") {
    return TokenSource{kind, QString::fromLatin1(name)};
}

RequestHead head(const QByteArray &target, const QByteArray &lines) {
    RequestHead h;
    h.method = "GET";
    h.target = target;
    h.headers = headersFrom(lines);
    return h;
}

} // namespace

class TestTokenExtractor : public QObject {
    Q_OBJECT

private slots:
    void find_data() {
        QTest::addColumn<QList<TokenSource>>("sources");
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<QByteArray>("headers");
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<int>("source"); // with no token: the source holding a malformed one

        const QList<TokenSource> bearerOnly;
        const QList<TokenSource> all{src(Kind::BearerHeader), src(Kind::Query),
                                     src(Kind::Header, "X-Api-Token"),
                                     src(Kind::Cookie, "session")};
        QTest::newRow("default: Bearer header")
            << bearerOnly << QByteArray("/") << QByteArray("Authorization: Bearer abc")
            << QByteArray("abc") << 0;
        QTest::newRow("default ignores the query")
            << bearerOnly << QByteArray("/?access_token=abc") << QByteArray() << QByteArray() << -1;
        QTest::newRow("query access_token") << all << QByteArray("/p?x=1&access_token=q%2Bt&y=2")
                                            << QByteArray() << QByteArray("q+t") << 1;
        QTest::newRow("query: two tokens are malformed")
            << all << QByteArray("/p?access_token=a&access_token=b") << QByteArray() << QByteArray()
            << 1;
        QTest::newRow("query: name must match exactly")
            << all << QByteArray("/p?my_access_token=a&Access_token=b") << QByteArray()
            << QByteArray() << -1;
        QTest::newRow("query: empty value")
            << all << QByteArray("/p?access_token=") << QByteArray() << QByteArray() << 1;
        QTest::newRow("query: name without a value")
            << all << QByteArray("/p?access_token&x=1") << QByteArray() << QByteArray() << 1;
        QTest::newRow("query: percent-encoded name")
            << all << QByteArray("/p?access%5Ftoken=t") << QByteArray() << QByteArray("t") << 1;
        QTest::newRow("query: plain and encoded name twice")
            << all << QByteArray("/p?access_token=a&access%5ftoken=a") << QByteArray()
            << QByteArray() << 1;
        QTest::newRow("query: space in the token")
            << all << QByteArray("/p?access_token=a+b") << QByteArray() << QByteArray() << 1;
        QTest::newRow("query: named parameter")
            << QList<TokenSource>{src(Kind::Query, "token")} << QByteArray("/p?token=zz")
            << QByteArray() << QByteArray("zz") << 0;
        QTest::newRow("named header")
            << all << QByteArray("/") << QByteArray("x-api-token:  h-t ") << QByteArray("h-t") << 2;
        QTest::newRow("named header twice is malformed")
            << all << QByteArray("/") << QByteArray("X-Api-Token: a\nX-Api-Token: b")
            << QByteArray() << 2;
        QTest::newRow("named header and its '_' spelling")
            << all << QByteArray("/") << QByteArray("X-Api-Token: a\nX_Api_Token: b")
            << QByteArray() << 2;
        QTest::newRow("named header spelled with '_'")
            << all << QByteArray("/") << QByteArray("x_api_token: a") << QByteArray("a") << 2;
        QTest::newRow("named header empty")
            << all << QByteArray("/") << QByteArray("X-Api-Token: ") << QByteArray() << 2;
        QTest::newRow("named header with a quote")
            << all << QByteArray("/") << QByteArray("X-Api-Token: a\"b") << QByteArray() << 2;
        QTest::newRow("cookie") << all << QByteArray("/")
                                << QByteArray("Cookie: a=1; session=c.t; b=2") << QByteArray("c.t")
                                << 3;
        QTest::newRow("cookie in a second Cookie field")
            << all << QByteArray("/") << QByteArray("Cookie: a=1\nCookie: session=\"qt\"")
            << QByteArray("qt") << 3;
        QTest::newRow("cookie twice is malformed")
            << all << QByteArray("/") << QByteArray("Cookie: session=a; session=b") << QByteArray()
            << 3;
        QTest::newRow("cookie in two fields is malformed")
            << all << QByteArray("/") << QByteArray("Cookie: session=a\nCookie: session=a")
            << QByteArray() << 3;
        QTest::newRow("cookie empty")
            << all << QByteArray("/") << QByteArray("Cookie: session=; a=1") << QByteArray() << 3;
        QTest::newRow("cookie name is case-sensitive")
            << all << QByteArray("/") << QByteArray("Cookie: Session=a") << QByteArray() << -1;
        QTest::newRow("first source in order wins")
            << all << QByteArray("/?access_token=q")
            << QByteArray("Authorization: Bearer h\nCookie: session=c") << QByteArray("h") << 0;
        QTest::newRow("order as configured")
            << QList<TokenSource>{src(Kind::Cookie, "session"), src(Kind::BearerHeader)}
            << QByteArray("/") << QByteArray("Authorization: Bearer h\nCookie: session=c")
            << QByteArray("c") << 0;
        QTest::newRow("two Bearer fields are malformed, whatever follows")
            << all << QByteArray("/?access_token=q")
            << QByteArray("Authorization: Bearer a\nAuthorization: Bearer b") << QByteArray() << 0;
        QTest::newRow("Bearer and Basic fields are malformed")
            << all << QByteArray("/")
            << QByteArray("Authorization: Basic YTpi\nAuthorization: Bearer a") << QByteArray()
            << 0;
        QTest::newRow("Bearer with a tab")
            << all << QByteArray("/") << QByteArray("Authorization: Bearer\ta") << QByteArray()
            << 0;
        QTest::newRow("Bearer with two words")
            << all << QByteArray("/") << QByteArray("Authorization: Bearer a x") << QByteArray()
            << 0;
        QTest::newRow("Bearer alone")
            << all << QByteArray("/") << QByteArray("Authorization: bearer") << QByteArray() << 0;
        QTest::newRow("empty Authorization")
            << all << QByteArray("/") << QByteArray("Authorization: ") << QByteArray() << 0;
        QTest::newRow("a good token, a malformed later source")
            << all << QByteArray("/?access_token=") << QByteArray("Authorization: Bearer h")
            << QByteArray() << 1;
        QTest::newRow("Basic is no token")
            << all << QByteArray("/") << QByteArray("Authorization: Basic YTpi") << QByteArray()
            << -1;
        QTest::newRow("control bytes in a query token")
            << all << QByteArray("/?access_token=a%0Db") << QByteArray() << QByteArray() << 1;
        QTest::newRow("two Basic fields are not ours")
            << QList<TokenSource>{} << QByteArray("/")
            << QByteArray("Authorization: Basic YTpi\nAuthorization: Basic YTpj") << QByteArray()
            << -1;
    }
    void find() {
        QFETCH(QList<TokenSource>, sources);
        QFETCH(QByteArray, target);
        QFETCH(QByteArray, headers);
        QFETCH(QByteArray, token);
        QFETCH(int, source);
        const TokenExtractor::Found found = TokenExtractor::find(sources, head(target, headers));
        QCOMPARE(found.token, token);
        QCOMPARE(found.source, source);
        QCOMPARE(found.malformed, token.isEmpty() && source >= 0);
    }

    void strip_data() {
        QTest::addColumn<QList<TokenSource>>("sources");
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<QByteArray>("headers");
        QTest::addColumn<QByteArray>("expectedTarget");
        QTest::addColumn<QByteArray>("expectedHeaders");

        QTest::newRow("Bearer header removed, Basic kept")
            << QList<TokenSource>{} << QByteArray("/p")
            << QByteArray("Authorization: Bearer a\nAccept: */*\nauthorization: Basic YTpi")
            << QByteArray("/p") << QByteArray("Accept: */*\nauthorization: Basic YTpi");
        QTest::newRow("query parameter removed, rest byte-exact")
            << QList<TokenSource>{src(Kind::Query)}
            << QByteArray("/p%20q?a=%41&access_token=t&b=c+d") << QByteArray()
            << QByteArray("/p%20q?a=%41&b=c+d") << QByteArray();
        QTest::newRow("only parameter: no dangling ?")
            << QList<TokenSource>{src(Kind::Query)} << QByteArray("/p?access_token=t")
            << QByteArray() << QByteArray("/p") << QByteArray();
        QTest::newRow("every copy removed") << QList<TokenSource>{src(Kind::Query)}
                                            << QByteArray("/p?access_token=a&x&access_token=b")
                                            << QByteArray() << QByteArray("/p?x") << QByteArray();
        QTest::newRow("similar names kept")
            << QList<TokenSource>{src(Kind::Query)}
            << QByteArray("/p?access_tokens=1&xaccess_token=2") << QByteArray()
            << QByteArray("/p?access_tokens=1&xaccess_token=2") << QByteArray();
        QTest::newRow("cookie pair removed")
            << QList<TokenSource>{src(Kind::Cookie, "session")} << QByteArray("/")
            << QByteArray("Cookie: a=1; session=t; b=2\nAccept: x") << QByteArray("/")
            << QByteArray("Cookie: a=1; b=2\nAccept: x");
        QTest::newRow("only cookie: field removed")
            << QList<TokenSource>{src(Kind::Cookie, "session")} << QByteArray("/")
            << QByteArray("Accept: x\nCookie: session=t") << QByteArray("/")
            << QByteArray("Accept: x");
        QTest::newRow("named header removed in any case")
            << QList<TokenSource>{src(Kind::Header, "X-Api-Token")} << QByteArray("/")
            << QByteArray("x-API-token: t\nAccept: x") << QByteArray("/")
            << QByteArray("Accept: x");
        QTest::newRow("malformed Bearer fields removed")
            << QList<TokenSource>{} << QByteArray("/p")
            << QByteArray("Authorization: Bearer\ta\nAuthorization: \nauthorization: bearer a b")
            << QByteArray("/p") << QByteArray();
        QTest::newRow("encoded parameter name removed")
            << QList<TokenSource>{src(Kind::Query)} << QByteArray("/p?access%5Ftoken=t&q=1")
            << QByteArray() << QByteArray("/p?q=1") << QByteArray();
        QTest::newRow("header removed in its '_' spelling")
            << QList<TokenSource>{src(Kind::Header, "X-Api-Token")} << QByteArray("/")
            << QByteArray("X_Api_Token: t\nAccept: x") << QByteArray("/")
            << QByteArray("Accept: x");
        QTest::newRow("nothing to strip")
            << QList<TokenSource>{src(Kind::Query), src(Kind::Cookie, "s")} << QByteArray("/p?q=1")
            << QByteArray("Cookie: a=1") << QByteArray("/p?q=1") << QByteArray("Cookie: a=1");
    }
    void strip() {
        QFETCH(QList<TokenSource>, sources);
        QFETCH(QByteArray, target);
        QFETCH(QByteArray, headers);
        QFETCH(QByteArray, expectedTarget);
        QFETCH(QByteArray, expectedHeaders);
        RequestHead h = head(target, headers);
        TokenExtractor::strip(sources, h);
        QCOMPARE(h.target, expectedTarget);
        QCOMPARE(headerLines(h.headers), expectedHeaders);
    }
};

QTEST_GUILESS_MAIN(TestTokenExtractor)
#include "tst_tokenextractor.moc"
