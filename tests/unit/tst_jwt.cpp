// SPDX-License-Identifier: Apache-2.0
// Jwt::signHs256 against the RFC 7515 appendix A.1 vector, and the JWT JwtMinter hands the
// upstream (README, "What a client sees", step 6): its header, its claims, its exp bound and its
// signature.
#include "core/auth/jwt.h"
#include "core/auth/jwtminter.h"
#include "core/cache/introspectionresult.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QTest>

using namespace Tokengate;

namespace {

QByteArray fromBase64Url(const QByteArray &text) {
    const auto decoded = QByteArray::fromBase64Encoding(
        text, QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    return decoded ? decoded.decoded : QByteArray("<not base64url>");
}

QJsonObject jsonObject(const QByteArray &json) {
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return QJsonObject{{QStringLiteral("<not a JSON object>"), QString::fromUtf8(json)}};
    return doc.object();
}

IntrospectionResult resultFrom(const QByteArray &json) {
    QString error;
    const std::optional<IntrospectionResult> r = IntrospectionResult::fromJson(json, &error);
    if (!r)
        qFatal("test body is not an introspection answer: %s", qPrintable(error));
    return *r;
}

QByteArray signatureOf(const QByteArray &jws) {
    return jws.mid(jws.lastIndexOf('.') + 1);
}

QByteArray expectedSignature(const QByteArray &jwt, const QByteArray &secret) {
    const QByteArray signingInput = jwt.left(jwt.lastIndexOf('.'));
    return QMessageAuthenticationCode::hash(signingInput, secret, QCryptographicHash::Sha256)
        .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

} // namespace

class TestJwt : public QObject {
    Q_OBJECT

private slots:
    void base64Url_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("empty") << QByteArray() << QByteArray();
        QTest::newRow("one byte, no padding") << QByteArray("f") << QByteArray("Zg");
        QTest::newRow("two bytes, no padding") << QByteArray("fo") << QByteArray("Zm8");
        QTest::newRow("three bytes") << QByteArray("foo") << QByteArray("Zm9v");
        QTest::newRow("'-' and '_' instead of '+' and '/'")
            << QByteArray("\xfb\xff\xbf", 3) << QByteArray("-_-_");
        QTest::newRow("NUL bytes") << QByteArray("\0\0", 2) << QByteArray("AAA");
    }
    void base64Url() {
        QFETCH(QByteArray, bytes);
        QFETCH(QByteArray, expected);
        QCOMPARE(Jwt::base64Url(bytes), expected);
    }

    void signHs256_data() {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<QByteArray>("payload");
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<QByteArray>("expected");

        // RFC 7515 appendix A.1: the header and payload bytes carry CR LF and a space, so the
        // signature only matches if they are signed exactly as given.
        const auto rfcKey = QByteArray::fromBase64Encoding(
            "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-"
            "1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow",
            QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
        QVERIFY(rfcKey);
        QCOMPARE(rfcKey.decoded.size(), 64);
        QTest::newRow("RFC 7515 A.1")
            << QByteArray("{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}")
            << QByteArray("{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n "
                          "\"http://example.com/is_root\":true}")
            << rfcKey.decoded
            << QByteArray("eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
                          ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmN"
                          "vbS9pc19yb290Ijp0cnVlfQ"
                          ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        // The example most users check a JWT library against (jwt.io).
        QTest::newRow("jwt.io example")
            << QByteArray("{\"alg\":\"HS256\",\"typ\":\"JWT\"}")
            << QByteArray("{\"sub\":\"1234567890\",\"name\":\"John Doe\",\"iat\":1516239022}")
            << QByteArray("your-256-bit-secret")
            << QByteArray(
                   "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
                   ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
                   ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c");
        QTest::newRow("empty header and payload")
            << QByteArray() << QByteArray() << QByteArray("k")
            << QByteArray("..4fWtoLYj0Np8KvMP2IhiDuk9u_K7NCl0O54Uf4GDfOU");
    }
    void signHs256() {
        QFETCH(QByteArray, header);
        QFETCH(QByteArray, payload);
        QFETCH(QByteArray, key);
        QFETCH(QByteArray, expected);

        const QByteArray jws = Jwt::signHs256(header, payload, key);
        QCOMPARE(jws, expected);
        const QList<QByteArray> parts = jws.split('.');
        QCOMPARE(parts.size(), 3);
        QCOMPARE(fromBase64Url(parts.at(0)), header);
        QCOMPARE(fromBase64Url(parts.at(1)), payload);
        // Another key, or one changed byte of payload, gives another signature.
        QVERIFY(Jwt::signHs256(header, payload, QByteArray(key + 'x')) != expected);
        QVERIFY(signatureOf(Jwt::signHs256(header, QByteArray(payload + ' '), key)) !=
                signatureOf(expected));
    }

    void mintedHeader() {
        const JwtMinter minter(QByteArray("secret"));
        const QByteArray jwt = minter.mint(resultFrom(R"({"active":true,"sub":"u"})"), 1000);
        const QList<QByteArray> parts = jwt.split('.');
        QCOMPARE(parts.size(), 3);
        for (const QByteArray &part : parts) {
            QVERIFY2(!part.isEmpty(), jwt.constData());
            QVERIFY2(!part.contains('=') && !part.contains('+') && !part.contains('/'),
                     jwt.constData());
        }
        QCOMPARE(jsonObject(fromBase64Url(parts.at(0))),
                 (QJsonObject{{QStringLiteral("alg"), QStringLiteral("HS256")},
                              {QStringLiteral("typ"), QStringLiteral("JWT")}}));
    }

    void claims_data() {
        QTest::addColumn<QByteArray>("introspection");
        QTest::addColumn<qint64>("now");
        QTest::addColumn<int>("lifetime");
        QTest::addColumn<QByteArray>("expectedClaims");

        QTest::newRow("every field but exp and iat is kept")
            << QByteArray(R"({"active":true,"sub":"alice","client_id":"app",)"
                          R"("scope":"read write","aud":["a","b"],"iss":"https://idp",)"
                          R"("nbf":900,"iat":800,"exp":999999,)"
                          R"("ext":{"tenant":7,"roles":["x"]},"flag":false,"nothing":null})")
            << qint64(1000) << 3600
            << QByteArray(R"({"active":true,"sub":"alice","client_id":"app",)"
                          R"("scope":"read write","aud":["a","b"],"iss":"https://idp",)"
                          R"("nbf":900,"iat":1000,"exp":4600,)"
                          R"("ext":{"tenant":7,"roles":["x"]},"flag":false,"nothing":null})");
        QTest::newRow("no exp: now + lifetime")
            << QByteArray(R"({"active":true})") << qint64(1700000000) << 3600
            << QByteArray(R"({"active":true,"iat":1700000000,"exp":1700003600})");
        QTest::newRow("token exp earlier than now + lifetime wins")
            << QByteArray(R"({"active":true,"exp":1700000060})") << qint64(1700000000) << 3600
            << QByteArray(R"({"active":true,"iat":1700000000,"exp":1700000060})");
        QTest::newRow("token exp equal to now + lifetime")
            << QByteArray(R"({"active":true,"exp":1700003600})") << qint64(1700000000) << 3600
            << QByteArray(R"({"active":true,"iat":1700000000,"exp":1700003600})");
        QTest::newRow("token exp one second later: lifetime wins")
            << QByteArray(R"({"active":true,"exp":1700003601})") << qint64(1700000000) << 3600
            << QByteArray(R"({"active":true,"iat":1700000000,"exp":1700003600})");
        QTest::newRow("fractional token exp is cut to whole seconds")
            << QByteArray(R"({"active":true,"exp":1700000030.9})") << qint64(1700000000) << 3600
            << QByteArray(R"({"active":true,"iat":1700000000,"exp":1700000030})");
        QTest::newRow("other lifetime")
            << QByteArray(R"({"active":true,"exp":1700009999})") << qint64(1700000000) << 60
            << QByteArray(R"({"active":true,"iat":1700000000,"exp":1700000060})");
        QTest::newRow("IdP iat replaced by now")
            << QByteArray(R"({"active":true,"iat":5})") << qint64(100) << 10
            << QByteArray(R"({"active":true,"iat":100,"exp":110})");

        // A malformed exp never crashes and never bounds the JWT: now + lifetime.
        const char *malformed[][3] = {
            {"exp as a string", R"({"active":true,"exp":"1700000060"})", ""},
            {"exp as NaN text", R"({"active":true,"exp":"NaN"})", ""},
            {"negative exp", R"({"active":true,"exp":-60})", ""},
            {"exp beyond any date", R"({"active":true,"exp":1e300})", ""},
            {"exp as an object", R"({"active":true,"exp":{"v":1}})", ""},
            {"exp as an array", R"({"active":true,"exp":[1]})", ""},
            {"exp as a bool", R"({"active":true,"exp":true})", ""},
            {"exp null", R"({"active":true,"exp":null})", ""},
            {"malformed nbf is kept as sent", R"({"active":true,"nbf":"soon"})",
             R"(,"nbf":"soon")"},
        };
        for (const auto &[name, body, extra] : malformed) {
            QTest::newRow(name) << QByteArray(body) << qint64(1700000000) << 3600
                                << QByteArray(
                                       R"({"active":true,"iat":1700000000,"exp":1700003600)" +
                                       QByteArray(extra) + '}');
        }
    }
    void claims() {
        QFETCH(QByteArray, introspection);
        QFETCH(qint64, now);
        QFETCH(int, lifetime);
        QFETCH(QByteArray, expectedClaims);

        const IntrospectionResult result = resultFrom(introspection);
        const QJsonObject expected = jsonObject(expectedClaims);
        QCOMPARE(JwtMinter::claims(result, now, lifetime), expected);

        // The minted token carries exactly those claims.
        const JwtMinter minter(QByteArray("k"), lifetime);
        const QList<QByteArray> parts = minter.mint(result, now).split('.');
        QCOMPARE(parts.size(), 3);
        QCOMPARE(jsonObject(fromBase64Url(parts.at(1))), expected);
    }

    void signature_data() {
        QTest::addColumn<QByteArray>("secret");
        QTest::addColumn<QByteArray>("otherSecret");
        QTest::newRow("default secret") << QByteArray("secret") << QByteArray("Secret");
        QTest::newRow("long random-looking secret")
            << QByteArray(
                   "9c7b1f1e0d8a4a6fa1e3b0c2d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9"
                   "e0f1a2b3")
            << QByteArray(
                   "9c7b1f1e0d8a4a6fa1e3b0c2d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9"
                   "e0f1a2b4");
        QTest::newRow("binary secret") << QByteArray("\0\x01\xff", 3) << QByteArray("\0\x01", 2);
    }
    void signature() {
        QFETCH(QByteArray, secret);
        QFETCH(QByteArray, otherSecret);

        const JwtMinter minter(secret);
        const QByteArray jwt =
            minter.mint(resultFrom(R"({"active":true,"sub":"bob","scope":"a b","exp":1700000100})"),
                        1700000000);
        const QByteArray signature = signatureOf(jwt);
        QCOMPARE(signature.size(), 43); // 32 bytes, base64url without padding
        QCOMPARE(signature, expectedSignature(jwt, secret));
        QVERIFY(signature != expectedSignature(jwt, otherSecret));
        // Minting is deterministic: same answer, same time, same JWT.
        QCOMPARE(
            minter.mint(resultFrom(R"({"active":true,"sub":"bob","scope":"a b","exp":1700000100})"),
                        1700000000),
            jwt);
        QVERIFY(
            JwtMinter(otherSecret)
                .mint(resultFrom(R"({"active":true,"sub":"bob","scope":"a b","exp":1700000100})"),
                      1700000000) != jwt);
    }
};

QTEST_GUILESS_MAIN(TestJwt)
#include "tst_jwt.moc"
