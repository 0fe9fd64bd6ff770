// SPDX-License-Identifier: Apache-2.0
// application/x-www-form-urlencoded as the introspection call needs it (RFC 6749 appendix B),
// and HTTP Basic client credentials form-encoded before base64 (RFC 6749 section 2.3.1).
#include "core/base/formencoding.h"

#include <QTest>

using namespace Tokengate;

class TestFormEncoding : public QObject {
    Q_OBJECT

private slots:
    void formEncode_data() {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QByteArray>("encoded");

        QTest::newRow("empty") << QByteArray() << QByteArray();
        QTest::newRow("unreserved kept") << QByteArray("AZaz09-._~") << QByteArray("AZaz09-._~");
        QTest::newRow("reserved and space")
            << QByteArray("a+b/c=d%e&f:g h") << QByteArray("a%2Bb%2Fc%3Dd%25e%26f%3Ag+h");
        QTest::newRow("each of +/=%&:")
            << QByteArray("+/=%&: ") << QByteArray("%2B%2F%3D%25%26%3A+");
        QTest::newRow("UTF-8, upper-case hex")
            << QByteArray("\xc3\xa9\xe2\x82\xac") << QByteArray("%C3%A9%E2%82%AC");
        QTest::newRow("controls and NUL")
            << QByteArray("\0\t\r\n", 4) << QByteArray("%00%09%0D%0A");
        QTest::newRow("other ASCII punctuation")
            << QByteArray("!*'();@$,?#[]\"<>\\^`{|}")
            << QByteArray("%21%2A%27%28%29%3B%40%24%2C%3F%23%5B%5D%22%3C%3E%5C%5E%60%7B%7C%7D");
        QTest::newRow("0x7f and 0xff") << QByteArray("\x7f\xff") << QByteArray("%7F%FF");
        QTest::newRow("bearer token bytes")
            << QByteArray("2YotnFZF+Ejr1z/Csic=") << QByteArray("2YotnFZF%2BEjr1z%2FCsic%3D");
    }
    void formEncode() {
        QFETCH(QByteArray, raw);
        QFETCH(QByteArray, encoded);
        QCOMPARE(Tokengate::formEncode(raw), encoded);
        QCOMPARE(Tokengate::formDecode(encoded), raw);
    }

    void roundTrip_data() {
        QTest::addColumn<QByteArray>("raw");
        QTest::newRow("+/=%&: ") << QByteArray("+/=%&: ");
        QTest::newRow("doubled") << QByteArray("++//==%%&&::  ");
        QTest::newRow("looks encoded") << QByteArray("%2B+%20");
        QTest::newRow("UTF-8") << QByteArray("gr\xc3\xbc\xc3\x9f dich \xf0\x9f\x91\x8b");
        QByteArray everyByte;
        for (int b = 0; b < 256; ++b)
            everyByte.append(char(b));
        QTest::newRow("every byte") << everyByte;
    }
    void roundTrip() {
        QFETCH(QByteArray, raw);
        const QByteArray encoded = Tokengate::formEncode(raw);
        for (const char c : encoded) {
            const bool safe = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                              (c >= '0' && c <= '9') || QByteArrayView("-._~%+").contains(c);
            QVERIFY2(safe, encoded.constData());
        }
        QCOMPARE(Tokengate::formDecode(encoded), raw);
    }

    void formDecode_data() {
        QTest::addColumn<QByteArray>("encoded");
        QTest::addColumn<QByteArray>("decoded");
        QTest::newRow("plus is space") << QByteArray("a+b++c") << QByteArray("a b  c");
        QTest::newRow("%20 is space") << QByteArray("a%20b") << QByteArray("a b");
        QTest::newRow("%2B is plus") << QByteArray("a%2Bb") << QByteArray("a+b");
        QTest::newRow("lower-case hex") << QByteArray("%c3%a9%2f") << QByteArray("\xc3\xa9/");
        QTest::newRow("stray % at the end") << QByteArray("100%") << QByteArray("100%");
        QTest::newRow("% and one digit at the end") << QByteArray("a%4") << QByteArray("a%4");
        QTest::newRow("% and non-hex") << QByteArray("%zz%4g") << QByteArray("%zz%4g");
        QTest::newRow("%% then escape") << QByteArray("%%41") << QByteArray("%A");
        QTest::newRow("escaped %") << QByteArray("%2541") << QByteArray("%41");
        QTest::newRow("%00") << QByteArray("a%00b") << QByteArray("a\0b", 3);
        QTest::newRow("unencoded reserved kept") << QByteArray("a/b:c") << QByteArray("a/b:c");
    }
    void formDecode() {
        QFETCH(QByteArray, encoded);
        QFETCH(QByteArray, decoded);
        QCOMPARE(Tokengate::formDecode(encoded), decoded);
    }

    void parseForm_data() {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<FormFields>("fields");

        using F = FormFields;
        QTest::newRow("empty") << QByteArray() << F{};
        QTest::newRow("one") << QByteArray("token=abc") << F{{"token", "abc"}};
        QTest::newRow("introspection body")
            << QByteArray("token=a%2Bb%3D&token_type_hint=access_token")
            << F{{"token", "a+b="}, {"token_type_hint", "access_token"}};
        QTest::newRow("repeated keys in order")
            << QByteArray("a=1&b=2&a=3") << F{{"a", "1"}, {"b", "2"}, {"a", "3"}};
        QTest::newRow("missing '='") << QByteArray("flag&x=1") << F{{"flag", ""}, {"x", "1"}};
        QTest::newRow("empty value") << QByteArray("x=&y=2") << F{{"x", ""}, {"y", "2"}};
        QTest::newRow("empty name") << QByteArray("=v") << F{{"", "v"}};
        QTest::newRow("empty pairs skipped")
            << QByteArray("&&a=1&&&b=2&") << F{{"a", "1"}, {"b", "2"}};
        QTest::newRow("only '&'") << QByteArray("&") << F{};
        QTest::newRow("'=' in the value") << QByteArray("a=1=2") << F{{"a", "1=2"}};
        QTest::newRow("'+' is space") << QByteArray("q=a+b&c+d=e") << F{{"q", "a b"}, {"c d", "e"}};
        QTest::newRow("encoded '&' and '=' stay in their field")
            << QByteArray("t=x%26y%3Dz&u=1") << F{{"t", "x&y=z"}, {"u", "1"}};
        QTest::newRow("encoded name") << QByteArray("client%5Fid=gw") << F{{"client_id", "gw"}};
        QTest::newRow("stray '%'") << QByteArray("p=100%&q=%zz") << F{{"p", "100%"}, {"q", "%zz"}};
    }
    void parseForm() {
        QFETCH(QByteArray, body);
        QFETCH(FormFields, fields);
        QCOMPARE(Tokengate::parseForm(body), fields);
    }

    void formValue_data() {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("name");
        QTest::addColumn<QByteArray>("value");
        QTest::newRow("present") << QByteArray("a=1&token=t") << QByteArray("token")
                                 << QByteArray("t");
        QTest::newRow("first of repeated")
            << QByteArray("token=1&token=2") << QByteArray("token") << QByteArray("1");
        QTest::newRow("absent") << QByteArray("a=1") << QByteArray("token") << QByteArray();
        QTest::newRow("decoded") << QByteArray("token=a+b%2B") << QByteArray("token")
                                 << QByteArray("a b+");
        QTest::newRow("case-sensitive name")
            << QByteArray("Token=1") << QByteArray("token") << QByteArray();
        QTest::newRow("prefix is not a match")
            << QByteArray("tokens=1") << QByteArray("token") << QByteArray();
        QTest::newRow("without '='")
            << QByteArray("token&a=1") << QByteArray("token") << QByteArray();
    }
    void formValue() {
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, name);
        QFETCH(QByteArray, value);
        QCOMPARE(Tokengate::formValue(Tokengate::parseForm(body), name), value);
    }

    void basicAuthorization_data() {
        QTest::addColumn<QByteArray>("clientId");
        QTest::addColumn<QByteArray>("secret");
        QTest::addColumn<QByteArray>("credentials"); // before base64

        QTest::newRow("plain") << QByteArray("gw") << QByteArray("s3cret")
                               << QByteArray("gw:s3cret");
        QTest::newRow("RFC 6749 special characters")
            << QByteArray("client:id") << QByteArray("s+/=%&:")
            << QByteArray("client%3Aid:s%2B%2F%3D%25%26%3A");
        QTest::newRow("space and UTF-8")
            << QByteArray("my app") << QByteArray("p\xc3\xa4ss") << QByteArray("my+app:p%C3%A4ss");
        QTest::newRow("empty secret")
            << QByteArray("public") << QByteArray() << QByteArray("public:");
        QTest::newRow("empty id") << QByteArray() << QByteArray("s") << QByteArray(":s");
    }
    void basicAuthorization() {
        QFETCH(QByteArray, clientId);
        QFETCH(QByteArray, secret);
        QFETCH(QByteArray, credentials);

        const QByteArray value = Tokengate::basicAuthorization(clientId, secret);
        QCOMPARE(value, QByteArray("Basic " + credentials.toBase64()));

        QByteArray id = "unchanged";
        QByteArray parsedSecret = "unchanged";
        QVERIFY(Tokengate::parseBasicAuthorization(value, &id, &parsedSecret));
        QCOMPARE(id, clientId);
        QCOMPARE(parsedSecret, secret);
    }

    void basicAuthorizationExactValue() {
        QCOMPARE(Tokengate::basicAuthorization("client:id", "s+/=%&:"),
                 QByteArray("Basic Y2xpZW50JTNBaWQ6cyUyQiUyRiUzRCUyNSUyNiUzQQ=="));
    }

    void parseBasicAuthorization_data() {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<QByteArray>("clientId");
        QTest::addColumn<QByteArray>("secret");

        const QByteArray b64 = QByteArray("gw:s").toBase64();
        QTest::newRow("Basic") << QByteArray("Basic " + b64) << true << QByteArray("gw")
                               << QByteArray("s");
        QTest::newRow("lower-case scheme")
            << QByteArray("basic " + b64) << true << QByteArray("gw") << QByteArray("s");
        QTest::newRow("raw (not form-encoded) credentials decode the same")
            << QByteArray("Basic " + QByteArray("app:pass").toBase64()) << true << QByteArray("app")
            << QByteArray("pass");
        QTest::newRow("first colon splits") << QByteArray("Basic " + QByteArray("a:b:c").toBase64())
                                            << true << QByteArray("a") << QByteArray("b:c");
        QTest::newRow("'+' in credentials is a space")
            << QByteArray("Basic " + QByteArray("my+app:x").toBase64()) << true
            << QByteArray("my app") << QByteArray("x");
        QTest::newRow("trailing blanks")
            << QByteArray("Basic " + b64 + "  ") << true << QByteArray("gw") << QByteArray("s");

        auto bad = [](const char *name, const QByteArray &value) {
            QTest::newRow(name) << value << false << QByteArray("unchanged")
                                << QByteArray("unchanged");
        };
        bad("Bearer", "Bearer " + b64);
        bad("no scheme", b64);
        bad("Basic alone", "Basic");
        bad("Basic and a space", "Basic ");
        bad("scheme prefix", "Basicx " + b64);
        bad("bad base64", "Basic !!!!");
        bad("base64 with a space inside", "Basic Z3c6 cw==");
        bad("no colon", "Basic " + QByteArray("gw-s").toBase64());
        bad("empty", "");
    }
    void parseBasicAuthorization() {
        QFETCH(QByteArray, value);
        QFETCH(bool, ok);
        QFETCH(QByteArray, clientId);
        QFETCH(QByteArray, secret);

        QByteArray id = "unchanged";
        QByteArray parsedSecret = "unchanged";
        QCOMPARE(Tokengate::parseBasicAuthorization(value, &id, &parsedSecret), ok);
        QCOMPARE(id, clientId);
        QCOMPARE(parsedSecret, secret);
    }
};

QTEST_GUILESS_MAIN(TestFormEncoding)
#include "tst_formencoding.moc"
