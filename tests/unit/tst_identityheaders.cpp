// SPDX-License-Identifier: Apache-2.0
// Claims -> headers for the upstream, client-sent copies always removed (spoofing), and the
// request id kept or generated.
#include "core/pipeline/identityheaders.h"
#include "tests/support/headerlines.h"
#include "tests/support/introspectionanswer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

const QList<IdentityHeaders::Mapping> mappings{
    {"X-User", QStringLiteral("sub")},
    {"X-Scopes", QStringLiteral("scope")},
    {"X-Roles", QStringLiteral("roles")},
    {"X-Tenant", QStringLiteral("ext.tenant")},
};

} // namespace

class TestIdentityHeaders : public QObject {
    Q_OBJECT

private slots:
    void apply_data() {
        QTest::addColumn<QByteArray>("answer"); // empty: anonymous
        QTest::addColumn<QByteArray>("sent");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("claims become headers")
            << QByteArray(R"({"active":true,"sub":"alice","scope":"a b","roles":["x","y"],)"
                          R"("ext":{"tenant":7}})")
            << QByteArray("Accept: */*")
            << QByteArray("Accept: */*\nX-User: alice\nX-Scopes: a b\nX-Roles: x, y\nX-Tenant: 7");
        QTest::newRow("client copies removed, any case, every copy")
            << QByteArray(R"({"active":true,"sub":"alice"})")
            << QByteArray("x-user: mallory\nAccept: */*\nX-USER: root\nx-tenant: evil")
            << QByteArray("Accept: */*\nX-User: alice");
        QTest::newRow("anonymous: copies removed, nothing added")
            << QByteArray() << QByteArray("X-User: root\nX-Scopes: admin\nAccept: */*")
            << QByteArray("Accept: */*");
        QTest::newRow("absent claims give no header")
            << QByteArray(R"({"active":true})") << QByteArray("X-User: root") << QByteArray("");
        QTest::newRow("a claim with a line break is not sent")
            << QByteArray(R"({"active":true,"sub":"a\r\nX-Admin: 1","scope":"ok"})") << QByteArray()
            << QByteArray("X-Scopes: ok");
        QTest::newRow("UTF-8 claim passes") << QByteArray(R"({"active":true,"sub":"Zoë"})")
                                            << QByteArray() << QByteArray("X-User: Zo\xc3\xab");
    }
    void apply() {
        QFETCH(QByteArray, answer);
        QFETCH(QByteArray, sent);
        QFETCH(QByteArray, expected);
        HeaderMap headers = headersFrom(sent);
        const IntrospectionResult result =
            answer.isEmpty() ? IntrospectionResult() : resultFrom(answer);
        IdentityHeaders::apply(mappings, answer.isEmpty() ? nullptr : &result, headers);
        QCOMPARE(headerLines(headers), expected);
    }

    void headerValues_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("string") << QByteArray(R"(["a b"])") << QByteArray("a b");
        QTest::newRow("integer") << QByteArray("[42]") << QByteArray("42");
        QTest::newRow("fraction") << QByteArray("[1.5]") << QByteArray("1.5");
        QTest::newRow("bool") << QByteArray("[false]") << QByteArray("false");
        QTest::newRow("string array") << QByteArray(R"([["a","b"]])") << QByteArray("a, b");
        QTest::newRow("mixed array") << QByteArray(R"([["a",1]])") << QByteArray(R"(["a",1])");
        QTest::newRow("object") << QByteArray(R"([{"k":"v"}])") << QByteArray(R"({"k":"v"})");
        QTest::newRow("null") << QByteArray("[null]") << QByteArray();
        QTest::newRow("NUL byte") << QByteArray(R"(["a\u0000b"])") << QByteArray();
        QTest::newRow("tab is fine") << QByteArray(R"(["a\tb"])") << QByteArray("a\tb");
    }
    void headerValues() {
        QFETCH(QByteArray, json);
        QFETCH(QByteArray, expected);
        const QJsonValue v = QJsonDocument::fromJson(json).array().at(0);
        QCOMPARE(IdentityHeaders::headerValue(v), expected);
    }

    void requestId_data() {
        QTest::addColumn<QByteArray>("sent");
        QTest::addColumn<bool>("kept");
        QTest::newRow("none sent") << QByteArray() << false;
        QTest::newRow("well-formed kept") << QByteArray("X-Request-Id: 3f2a-77:abc/def") << true;
        QTest::newRow("other case kept") << QByteArray("x-request-id: abc") << true;
        QTest::newRow("with a space replaced") << QByteArray("X-Request-Id: a b") << false;
        QTest::newRow("too long replaced")
            << QByteArray("X-Request-Id: " + QByteArray(129, 'a')) << false;
        QTest::newRow("two copies replaced")
            << QByteArray("X-Request-Id: a\nX-Request-Id: b") << false;
        QTest::newRow("quote replaced") << QByteArray("X-Request-Id: a\"b") << false;
    }
    void requestId() {
        QFETCH(QByteArray, sent);
        QFETCH(bool, kept);
        HeaderMap headers = headersFrom(sent);
        const QByteArray before = headers.value("X-Request-Id");
        const QByteArray id = IdentityHeaders::ensureRequestId("X-Request-Id", headers);
        QCOMPARE(headers.count("X-Request-Id"), 1);
        QCOMPARE(headers.value("X-Request-Id"), id);
        if (kept) {
            QCOMPARE(id, before);
        } else {
            QCOMPARE(id.size(), 32);
            QVERIFY(id != before);
            QVERIFY(id != IdentityHeaders::newRequestId());
        }
    }
};

QTEST_GUILESS_MAIN(TestIdentityHeaders)
#include "tst_identityheaders.moc"
