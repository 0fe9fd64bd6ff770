// SPDX-License-Identifier: Apache-2.0
// Which Authorization fields yield a bearer token (RFC 6750 section 2.1, case-insensitive
// scheme), which are treated as no token at all, and the fingerprint logs use instead.
#include "core/auth/bearertoken.h"

#include <QCryptographicHash>
#include <QRegularExpression>
#include <QTest>

using namespace Tokengate;

class TestBearerToken : public QObject {
    Q_OBJECT

private slots:
    void bearerToken_data() {
        QTest::addColumn<QList<QByteArray>>("authorization"); // one field per element
        QTest::addColumn<QByteArray>("expected");             // empty: no token

        auto row = [](const char *name, QList<QByteArray> fields, const char *expected) {
            QTest::newRow(name) << fields << QByteArray(expected);
        };
        row("Bearer", {"Bearer abc"}, "abc");
        row("lower-case scheme", {"bearer abc"}, "abc");
        row("upper-case scheme", {"BEARER abc"}, "abc");
        row("mixed-case scheme", {"bEaReR abc"}, "abc");
        row("several spaces after the scheme", {"Bearer    abc"}, "abc");
        row("trailing spaces", {"Bearer abc   "}, "abc");
        row("trailing tab", {"Bearer abc\t"}, "abc");
        row("every b64token character", {"Bearer AZaz09-._~+/"}, "AZaz09-._~+/");
        row("trailing '=' padding", {"Bearer abc=="}, "abc==");
        row("one '='", {"Bearer YWJj="}, "YWJj=");
        row("JWT-shaped", {"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"},
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln");
        row("long token", {"Bearer " + QByteArray(4096, 'a')}, QByteArray(4096, 'a').constData());

        row("no field", {}, "");
        row("Basic", {"Basic dXNlcjpwYXNz"}, "");
        row("Bearer alone", {"Bearer"}, "");
        row("Bearer and a space", {"Bearer "}, "");
        row("Bearer and spaces", {"Bearer    "}, "");
        row("empty field", {""}, "");
        row("two tokens", {"Bearer a b"}, "");
        row("'=' inside the token", {"Bearer abc=def"}, "");
        row("only '='", {"Bearer ="}, "");
        row("comma", {"Bearer a,b"}, "");
        row("auth-params instead of a token", {"Bearer realm=\"x\""}, "");
        row("no space after the scheme", {"Bearerabc"}, "");
        row("tab after the scheme", {"Bearer\tabc"}, "");
        row("scheme with a longer name", {"Bearers abc"}, "");
        row("other scheme ending in bearer", {"XBearer abc"}, "");
        row("two Bearer fields", {"Bearer abc", "Bearer abc"}, "");
        row("two different Bearer fields", {"Bearer abc", "Bearer def"}, "");
        row("Bearer and Basic fields", {"Basic dXNlcjpwYXNz", "Bearer abc"}, "");
        row("non-ASCII (UTF-8)", {"Bearer ab\xc3\xa9"}, "");
        row("non-ASCII (Latin-1)", {"Bearer ab\xe9"}, "");
        row("control character", {QByteArray("Bearer ab\x01", 10)}, "");
        row("NUL", {QByteArray("Bearer ab\0c", 11)}, "");
        row("quotes", {"Bearer \"abc\""}, "");
        row("percent-encoded", {"Bearer a%20b"}, "");
        row("query-like", {"Bearer abc&x=y"}, "");
    }
    void bearerToken() {
        QFETCH(QList<QByteArray>, authorization);
        QFETCH(QByteArray, expected);

        HeaderMap headers;
        headers.append("Host", "example.com");
        headers.append("X-Authorization", "Bearer decoy");
        for (const QByteArray &value : std::as_const(authorization))
            headers.append("Authorization", value);
        headers.append("Accept", "*/*");
        QCOMPARE(Tokengate::bearerToken(headers), expected);
    }

    // A field naming Bearer without one good token is a malformed credential, not none.
    void claimsBearerScheme_data() {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<bool>("claims");
        auto row = [](const char *name, QByteArray value, bool claims) {
            QTest::newRow(name) << value << claims;
        };
        row("Bearer token", "Bearer abc", true);
        row("lower case", "bearer abc", true);
        row("alone", "Bearer", true);
        row("tab", "Bearer\tabc", true);
        row("two words", "Bearer a b", true);
        row("comma", "Bearer,abc", true);
        row("equals", "Bearer=abc", true);
        row("leading space", " Bearer abc", true);
        row("Basic", "Basic YTpi", false);
        row("longer scheme", "Bearers abc", false);
        row("scheme with '-'", "Bearer-x abc", false);
        row("glued token", "Bearerabc", false);
        row("empty", "", false);
        row("other scheme ending in bearer", "XBearer abc", false);
    }
    void claimsBearerScheme() {
        QFETCH(QByteArray, value);
        QFETCH(bool, claims);
        QCOMPARE(Tokengate::claimsBearerScheme(value), claims);
    }

    void fieldNameIsCaseInsensitive_data() {
        QTest::addColumn<QByteArray>("name");
        QTest::newRow("lower") << QByteArray("authorization");
        QTest::newRow("upper") << QByteArray("AUTHORIZATION");
        QTest::newRow("mixed") << QByteArray("AuThOrIzAtIoN");
    }
    void fieldNameIsCaseInsensitive() {
        QFETCH(QByteArray, name);
        HeaderMap headers;
        headers.append(name, "Bearer tok");
        QCOMPARE(Tokengate::bearerToken(headers), QByteArray("tok"));
        // Two fields whose names differ only in case are still two Authorization fields.
        headers.append("Authorization", "Bearer tok");
        QCOMPARE(Tokengate::bearerToken(headers), QByteArray());
    }

    void isB64Token_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<bool>("expected");
        QTest::newRow("letters") << QByteArray("abcXYZ") << true;
        QTest::newRow("all allowed") << QByteArray("aZ09-._~+/") << true;
        QTest::newRow("padding") << QByteArray("a===") << true;
        QTest::newRow("empty") << QByteArray() << false;
        QTest::newRow("only padding") << QByteArray("==") << false;
        QTest::newRow("padding inside") << QByteArray("a=b") << false;
        QTest::newRow("space") << QByteArray("a b") << false;
        QTest::newRow("comma") << QByteArray("a,b") << false;
        QTest::newRow("high bit") << QByteArray("a\x80") << false;
    }
    void isB64Token() {
        QFETCH(QByteArray, text);
        QFETCH(bool, expected);
        QCOMPARE(Tokengate::isB64Token(text), expected);
    }
    // Every byte value, alone and after an allowed character, against RFC 6750's list.
    void isB64TokenAcceptsExactlyTheGrammarsBytes() {
        const QByteArray allowed =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/";
        for (int b = 0; b < 256; ++b) {
            const char c = char(b);
            const bool inGrammar = allowed.contains(c);
            QVERIFY2(Tokengate::isB64Token(QByteArray(1, c)) == inGrammar,
                     qPrintable(QString::number(b)));
            QVERIFY2(Tokengate::isB64Token(QByteArray("a").append(c)) == (inGrammar || c == '='),
                     qPrintable(QString::number(b)));
        }
    }

    void tokenFingerprint_data() {
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<QByteArray>("expected");
        // First 8 hex digits of SHA-256 (FIPS 180-2 example "abc": ba7816bf 8f01cfea ...).
        QTest::newRow("abc") << QByteArray("abc") << QByteArray("ba7816bf");
        QTest::newRow("RFC 6750 example token")
            << QByteArray("mF_9.B5f-4.1JqM") << QByteArray("b8e14854");
        QTest::newRow("empty (e3b0c442...)") << QByteArray() << QByteArray("e3b0c442");
    }
    void tokenFingerprint() {
        QFETCH(QByteArray, token);
        QFETCH(QByteArray, expected);

        const QByteArray fp = Tokengate::tokenFingerprint(token);
        QCOMPARE(fp, expected);
        QCOMPARE(fp, QCryptographicHash::hash(token, QCryptographicHash::Sha256).toHex().left(8));
        static const QRegularExpression shape(QStringLiteral("^[0-9a-f]{8}$"));
        QVERIFY2(shape.match(QString::fromLatin1(fp)).hasMatch(), fp.constData());
        if (!token.isEmpty())
            QVERIFY(!fp.contains(token));
    }

    void fingerprintsDiffer() {
        const QList<QByteArray> tokens{"abc",  "abd",  "Abc",
                                       "abc=", "abc ", "2YotnFZFEjr1zCsicMWpAA"};
        QSet<QByteArray> seen;
        for (const QByteArray &t : tokens) {
            const QByteArray fp = Tokengate::tokenFingerprint(t);
            QCOMPARE(fp.size(), 8);
            QVERIFY2(!seen.contains(fp), t.constData());
            seen.insert(fp);
            QCOMPARE(Tokengate::tokenFingerprint(t), fp); // stable
        }
    }
};

QTEST_GUILESS_MAIN(TestBearerToken)
#include "tst_bearertoken.moc"
