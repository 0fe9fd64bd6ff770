// SPDX-License-Identifier: Apache-2.0
// Reading an RFC 7662 introspection answer (strict "active", time claims that may be
// malformed, aud as string or array) and the verdict judgeToken derives from it.
#include "core/auth/tokenverdict.h"
#include "core/base/reason.h"
#include "core/cache/introspectionresult.h"

#include <QJsonDocument>
#include <QTest>

#include <cstring>

using namespace Tokengate;

using OptionalSecs = std::optional<qint64>;
Q_DECLARE_METATYPE(OptionalSecs)

namespace {

constexpr qint64 Now = 1'700'000'000;

IntrospectionResult parsed(const QByteArray &json) {
    QString error;
    const std::optional<IntrospectionResult> r = IntrospectionResult::fromJson(json, &error);
    if (!r)
        qFatal("test body is not an introspection answer: %s", qPrintable(error));
    return *r;
}

} // namespace

class TestIntrospectionResult : public QObject {
    Q_OBJECT

private slots:
    void active_data() {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<bool>("active");
        QTest::newRow("true") << QByteArray(R"({"active":true})") << true;
        QTest::newRow("true with claims") << QByteArray(R"({"sub":"x","active":true})") << true;
        QTest::newRow("false") << QByteArray(R"({"active":false})") << false;
        QTest::newRow("string true") << QByteArray(R"({"active":"true"})") << false;
        QTest::newRow("1") << QByteArray(R"({"active":1})") << false;
        QTest::newRow("missing") << QByteArray(R"({"sub":"x"})") << false;
        QTest::newRow("null") << QByteArray(R"({"active":null})") << false;
        QTest::newRow("object") << QByteArray(R"({"active":{}})") << false;
        QTest::newRow("array [true]") << QByteArray(R"({"active":[true]})") << false;
        QTest::newRow("empty object") << QByteArray("{}") << false;
        QTest::newRow("differently cased key") << QByteArray(R"({"Active":true})") << false;
    }
    void active() {
        QFETCH(QByteArray, body);
        QFETCH(bool, active);
        QString error = QStringLiteral("untouched");
        const std::optional<IntrospectionResult> r = IntrospectionResult::fromJson(body, &error);
        QVERIFY(r);
        QCOMPARE(r->active, active);
        QCOMPARE(error, QStringLiteral("untouched"));
    }

    void notAnObject_data() {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("errorStart");
        QTest::newRow("empty") << QByteArray() << QStringLiteral("not JSON");
        QTest::newRow("HTML") << QByteArray("<html>502</html>") << QStringLiteral("not JSON");
        QTest::newRow("truncated") << QByteArray(R"({"active":tr)") << QStringLiteral("not JSON");
        QTest::newRow("trailing garbage")
            << QByteArray(R"({"active":true}x)") << QStringLiteral("not JSON");
        QTest::newRow("number beyond double (no NaN or Infinity in JSON)")
            << QByteArray(R"({"active":true,"exp":1e400})") << QStringLiteral("not JSON");
        QTest::newRow("NaN literal")
            << QByteArray(R"({"active":true,"exp":NaN})") << QStringLiteral("not JSON");
        QTest::newRow("array") << QByteArray(R"([{"active":true}])")
                               << QStringLiteral("not a JSON object");
        QTest::newRow("empty array") << QByteArray("[]") << QStringLiteral("not a JSON object");
    }
    void notAnObject() {
        QFETCH(QByteArray, body);
        QFETCH(QString, errorStart);
        QString error;
        QVERIFY(!IntrospectionResult::fromJson(body, &error));
        QVERIFY2(error.startsWith(errorStart), qPrintable(error));
        // Without an error pointer it still just says no.
        QVERIFY(!IntrospectionResult::fromJson(body, nullptr));
    }

    void fields_data() {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("subject");
        QTest::addColumn<QString>("clientId");
        QTest::addColumn<QString>("scope");
        QTest::addColumn<QStringList>("audiences");

        QTest::newRow("RFC 7662 example")
            << QByteArray(R"({"active":true,"client_id":"l238j323ds-23ij4","username":"jdoe",)"
                          R"("scope":"read write dolphin","sub":"Z5O3upPC88QrAjx00dis",)"
                          R"("aud":"https://protected.example.net/resource",)"
                          R"("iss":"https://server.example.com/",)"
                          R"("exp":1419356238,"iat":1419350238})")
            << QStringLiteral("Z5O3upPC88QrAjx00dis") << QStringLiteral("l238j323ds-23ij4")
            << QStringLiteral("read write dolphin")
            << QStringList{QStringLiteral("https://protected.example.net/resource")};
        QTest::newRow("aud array")
            << QByteArray(R"({"active":true,"aud":["a","b"]})") << QString() << QString()
            << QString() << QStringList{QStringLiteral("a"), QStringLiteral("b")};
        QTest::newRow("aud array: non-strings skipped")
            << QByteArray(R"({"active":true,"aud":[1,"a",null,{"x":"y"},["b"],true,"c"]})")
            << QString() << QString() << QString()
            << QStringList{QStringLiteral("a"), QStringLiteral("c")};
        QTest::newRow("aud number") << QByteArray(R"({"active":true,"aud":7})") << QString()
                                    << QString() << QString() << QStringList{};
        QTest::newRow("aud empty array") << QByteArray(R"({"active":true,"aud":[]})") << QString()
                                         << QString() << QString() << QStringList{};
        QTest::newRow("non-string sub, client_id, scope")
            << QByteArray(R"({"active":true,"sub":5,"client_id":{},"scope":["a"]})") << QString()
            << QString() << QString() << QStringList{};
        QTest::newRow("UTF-8") << QByteArray(
                                      R"({"active":true,"sub":"j\u00fcrgen","scope":"l\u00e9ire"})")
                               << QStringLiteral("j\u00fcrgen") << QString()
                               << QStringLiteral("l\u00e9ire") << QStringList{};
    }
    void fields() {
        QFETCH(QByteArray, body);
        QFETCH(QString, subject);
        QFETCH(QString, clientId);
        QFETCH(QString, scope);
        QFETCH(QStringList, audiences);

        const IntrospectionResult r = parsed(body);
        QCOMPARE(r.subject, subject);
        QCOMPARE(r.clientId, clientId);
        QCOMPARE(r.scope, scope);
        QCOMPARE(r.audiences, audiences);
        QCOMPARE(r.claims, QJsonDocument::fromJson(body).object());
    }

    void times_data() {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<OptionalSecs>("exp");
        QTest::addColumn<OptionalSecs>("nbf");
        QTest::addColumn<OptionalSecs>("iat");
        QTest::addColumn<bool>("malformedTimes");

        const OptionalSecs none;
        auto row = [](const char *name, const char *body, OptionalSecs exp, OptionalSecs nbf,
                      OptionalSecs iat, bool malformed) {
            QTest::newRow(name) << QByteArray(body) << exp << nbf << iat << malformed;
        };
        row("none", R"({"active":true})", none, none, none, false);
        row("all three", R"({"active":true,"exp":1700003600,"nbf":1699999000,"iat":1699990000})",
            1700003600, 1699999000, 1699990000, false);
        row("fractional: whole seconds",
            R"({"active":true,"exp":1700003600.75,"nbf":1699999000.5,"iat":1699990000.999})",
            1700003600, 1699999000, 1699990000, false);
        row("exponent notation", R"({"active":true,"exp":1.7e9})", 1700000000, none, none, false);
        row("zero", R"({"active":true,"exp":0,"nbf":0,"iat":0})", 0, 0, 0, false);
        row("null is absent", R"({"active":true,"exp":null,"nbf":null,"iat":null})", none, none,
            none, false);

        row("exp string", R"({"active":true,"exp":"1700003600"})", none, none, none, true);
        row("exp negative", R"({"active":true,"exp":-1})", none, none, none, true);
        row("exp bool", R"({"active":true,"exp":true})", none, none, none, true);
        row("exp object", R"({"active":true,"exp":{"s":1}})", none, none, none, true);
        row("exp array", R"({"active":true,"exp":[1700003600]})", none, none, none, true);
        row("exp too large for a date", R"({"active":true,"exp":1e300})", none, none, none, true);
        row("exp NaN text", R"({"active":true,"exp":"NaN"})", none, none, none, true);
        row("nbf string", R"({"active":true,"exp":1700003600,"nbf":"soon"})", 1700003600, none,
            none, true);
        row("nbf negative", R"({"active":true,"nbf":-5})", none, none, none, true);
        row("nbf bool", R"({"active":true,"nbf":false})", none, none, none, true);
        row("nbf object", R"({"active":true,"nbf":{}})", none, none, none, true);
        row("malformed iat is dropped, not fatal",
            R"({"active":true,"exp":1700003600,"iat":"yesterday"})", 1700003600, none, none, false);
        row("negative iat", R"({"active":true,"iat":-1})", none, none, none, false);
        row("iat object", R"({"active":true,"iat":{}})", none, none, none, false);
    }
    void times() {
        QFETCH(QByteArray, body);
        QFETCH(OptionalSecs, exp);
        QFETCH(OptionalSecs, nbf);
        QFETCH(OptionalSecs, iat);
        QFETCH(bool, malformedTimes);

        const IntrospectionResult r = parsed(body);
        QCOMPARE(r.exp, exp);
        QCOMPARE(r.nbf, nbf);
        QCOMPARE(r.iat, iat);
        QCOMPARE(r.malformedTimes, malformedTimes);
        QVERIFY(r.active); // a malformed time claim does not change what "active" said
    }

    void judgeToken_data() {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<bool>("allowed");
        QTest::addColumn<QByteArray>("reason");

        auto row = [](const char *name, const QByteArray &body, bool allowed, Reason reason) {
            QTest::newRow(name) << body << allowed << QByteArray(reasonId(reason));
        };
        auto active = [](const char *claims) -> QByteArray {
            return QByteArray(R"({"active":true)") + claims + '}';
        };
        row("active, no times", active(""), true, Reason::None);
        row("valid window", active(R"(,"exp":1700000060,"nbf":1699999940,"iat":1699999940)"), true,
            Reason::None);
        row("inactive", R"({"active":false,"exp":1700000060})", false, Reason::TokenInactive);
        row("active missing", R"({"exp":1700000060})", false, Reason::TokenInactive);
        row("active \"true\"", R"({"active":"true"})", false, Reason::TokenInactive);
        row("inactive beats expired", R"({"active":false,"exp":1})", false, Reason::TokenInactive);
        row("malformed exp", active(R"(,"exp":"1700000060")"), false, Reason::TokenInactive);
        row("malformed nbf", active(R"(,"exp":1700000060,"nbf":{})"), false, Reason::TokenInactive);
        row("malformed iat is harmless", active(R"(,"exp":1700000060,"iat":"x")"), true,
            Reason::None);
        row("exp in the past", active(R"(,"exp":1699990000)"), false, Reason::TokenExpired);
        row("exp == now", active(R"(,"exp":1700000000)"), false, Reason::TokenExpired);
        row("exp fraction after now is still now", active(R"(,"exp":1700000000.9)"), false,
            Reason::TokenExpired);
        row("exp == now + 1", active(R"(,"exp":1700000001)"), true, Reason::None);
        row("exp 0", active(R"(,"exp":0)"), false, Reason::TokenExpired);
        row("nbf in the future", active(R"(,"exp":1700000060,"nbf":1700000001)"), false,
            Reason::TokenNotYetValid);
        row("nbf == now", active(R"(,"nbf":1700000000)"), true, Reason::None);
        row("expired beats not yet valid", active(R"(,"exp":1699999999,"nbf":1700000001)"), false,
            Reason::TokenExpired);
        row("iat in the future is not judged", active(R"(,"iat":1800000000)"), true, Reason::None);
    }
    void judgeToken() {
        QFETCH(QByteArray, body);
        QFETCH(bool, allowed);
        QFETCH(QByteArray, reason);

        const TokenVerdict v = Tokengate::judgeToken(parsed(body), Now);
        QCOMPARE(v.allowed, allowed);
        QCOMPARE(QByteArray(reasonId(v.reason)), reason);
        QVERIFY(v.why);
        if (allowed)
            QCOMPARE(std::strlen(v.why), size_t(0));
        else
            QVERIFY(std::strlen(v.why) > 0);
    }

    // The same answer is judged again on every request: time alone turns it away.
    void judgeTokenAsTimePasses() {
        const IntrospectionResult r =
            parsed(R"({"active":true,"nbf":1700000010,"exp":1700000020})");
        QCOMPARE(Tokengate::judgeToken(r, 1700000009).reason, Reason::TokenNotYetValid);
        QVERIFY(Tokengate::judgeToken(r, 1700000010).allowed);
        QVERIFY(Tokengate::judgeToken(r, 1700000019).allowed);
        QCOMPARE(Tokengate::judgeToken(r, 1700000020).reason, Reason::TokenExpired);
    }

    // RFC 8705 section 3.1: cnf.x5t#S256 is the base64url SHA-256 of the certificate's DER.
    void certificateBinding_data() {
        const QByteArray digest =
            QByteArray::fromHex("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
        const QByteArray thumb =
            digest.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
        QTest::addColumn<QByteArray>("cnf");
        QTest::addColumn<QByteArray>("shown");
        QTest::addColumn<bool>("allowed");
        QTest::newRow("unbound, no certificate") << QByteArray() << QByteArray() << true;
        QTest::newRow("unbound, a certificate") << QByteArray() << digest << true;
        QTest::newRow("cnf null") << QByteArray("null") << QByteArray() << true;
        QTest::newRow("bound, matching") << "{\"x5t#S256\":\"" + thumb + "\"}" << digest << true;
        QTest::newRow("bound, padded") << "{\"x5t#S256\":\"" + thumb + "=\"}" << digest << true;
        QTest::newRow("bound, no certificate")
            << "{\"x5t#S256\":\"" + thumb + "\"}" << QByteArray() << false;
        QTest::newRow("bound, another certificate")
            << "{\"x5t#S256\":\"" + thumb + "\"}" << QByteArray(32, 'x') << false;
        QTest::newRow("bound, standard base64")
            << "{\"x5t#S256\":\"" + digest.toBase64() + "\"}" << digest << false;
        QTest::newRow("thumbprint not a string")
            << QByteArray("{\"x5t#S256\":42}") << digest << false;
        QTest::newRow("thumbprint empty") << QByteArray("{\"x5t#S256\":\"\"}") << digest << false;
        QTest::newRow("DPoP key") << QByteArray("{\"jkt\":\"abc\"}") << digest << false;
        QTest::newRow("cnf empty") << QByteArray("{}") << digest << false;
        QTest::newRow("cnf a string") << QByteArray("\"x\"") << digest << false;
    }

    void certificateBinding() {
        QFETCH(QByteArray, cnf);
        QFETCH(QByteArray, shown);
        QFETCH(bool, allowed);
        const QByteArray body = cnf.isEmpty() ? QByteArray("{\"active\":true}")
                                              : "{\"active\":true,\"cnf\":" + cnf + "}";
        const TokenVerdict v = judgeCertificateBinding(parsed(body), shown);
        QCOMPARE(v.allowed, allowed);
        if (!allowed)
            QCOMPARE(v.reason, Reason::TokenCertificateMismatch);
    }
};

QTEST_GUILESS_MAIN(TestIntrospectionResult)
#include "tst_introspectionresult.moc"
