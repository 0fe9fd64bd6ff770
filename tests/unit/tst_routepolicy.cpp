// SPDX-License-Identifier: Apache-2.0
// A route's demands on an active token: scopes (all of them, "*" wildcards), audiences
// (any), issuers and claim rules (equals / one of / contains), and the reason id of each
// refusal.
#include "core/auth/routepolicy.h"
#include "core/base/reason.h"
#include "tests/support/introspectionanswer.h"

#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

Q_DECLARE_METATYPE(Tokengate::ClaimRule)

class TestRoutePolicy : public QObject {
    Q_OBJECT

private slots:
    void scopeMatching_data() {
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QString>("granted");
        QTest::addColumn<bool>("matches");
        QTest::newRow("exact") << QString::fromLatin1("orders:read")
                               << QString::fromLatin1("orders:read") << true;
        QTest::newRow("exact, other")
            << QString::fromLatin1("orders:read") << QString::fromLatin1("orders:write") << false;
        QTest::newRow("no prefix match without star")
            << QString::fromLatin1("orders") << QString::fromLatin1("orders:read") << false;
        QTest::newRow("trailing star")
            << QString::fromLatin1("orders:*") << QString::fromLatin1("orders:read") << true;
        QTest::newRow("trailing star, empty rest")
            << QString::fromLatin1("orders:*") << QString::fromLatin1("orders:") << true;
        QTest::newRow("trailing star, other resource")
            << QString::fromLatin1("orders:*") << QString::fromLatin1("users:read") << false;
        QTest::newRow("leading star")
            << QString::fromLatin1("*:read") << QString::fromLatin1("orders:read") << true;
        QTest::newRow("middle star")
            << QString::fromLatin1("api.*.read") << QString::fromLatin1("api.orders.read") << true;
        QTest::newRow("middle star, wrong end") << QString::fromLatin1("api.*.read")
                                                << QString::fromLatin1("api.orders.write") << false;
        QTest::newRow("two stars with backtracking")
            << QString::fromLatin1("a*b*c") << QString::fromLatin1("aXbYbZc") << true;
        QTest::newRow("two stars, no c")
            << QString::fromLatin1("a*b*c") << QString::fromLatin1("aXbYbZ") << false;
        QTest::newRow("star alone")
            << QString::fromLatin1("*") << QString::fromLatin1("anything") << true;
        QTest::newRow("letter case counts")
            << QString::fromLatin1("Orders:*") << QString::fromLatin1("orders:read") << false;
    }
    void scopeMatching() {
        QFETCH(QString, pattern);
        QFETCH(QString, granted);
        QFETCH(bool, matches);
        QCOMPARE(scopeMatches(pattern, granted), matches);
    }

    void judge_data() {
        auto L = [](std::initializer_list<const char *> items) {
            QStringList out;
            for (const char *i : items)
                out << QString::fromLatin1(i);
            return out;
        };
        QTest::addColumn<QByteArray>("answer");
        QTest::addColumn<QStringList>("scopes");
        QTest::addColumn<QStringList>("audiences");
        QTest::addColumn<QStringList>("issuers");
        QTest::addColumn<QList<ClaimRule>>("rules");
        QTest::addColumn<QString>("reason");

        const QByteArray full =
            "{\"active\":true,\"scope\":\"orders:read orders:write "
            "profile\",\"aud\":[\"api\",\"web\"],"
            "\"iss\":\"https://idp.test\",\"tenant\":\"acme\",\"roles\":[\"admin\",\"dev\"],"
            "\"groups\":\"a b c\",\"level\":3,\"email_verified\":true,\"ext\":{\"org\":\"x\"}}";
        const QStringList none;
        const QList<ClaimRule> noRules;
        auto rule = [&](const char *claim, ClaimRule::Op op,
                        std::initializer_list<const char *> values) {
            return ClaimRule{QString::fromLatin1(claim), op, L(values)};
        };
        using Op = ClaimRule::Op;
        const QString ok;

        QTest::newRow("no demands") << full << none << none << none << noRules << ok;
        QTest::newRow("all scopes present")
            << full << L({"orders:read", "profile"}) << none << none << noRules << ok;
        QTest::newRow("one scope missing")
            << full << L({"orders:read", "admin"}) << none << none << noRules
            << QString::fromLatin1(reasonId(Reason::ScopeInsufficient));
        QTest::newRow("wildcard scope") << full << L({"orders:*"}) << none << none << noRules << ok;
        QTest::newRow("wildcard scope unmatched")
            << full << L({"users:*"}) << none << none << noRules
            << QString::fromLatin1(reasonId(Reason::ScopeInsufficient));
        QTest::newRow("no scope claim")
            << QByteArray("{\"active\":true}") << L({"a"}) << none << none << noRules
            << QString::fromLatin1(reasonId(Reason::ScopeInsufficient));
        QTest::newRow("audience: any of them")
            << full << none << L({"other", "web"}) << none << noRules << ok;
        QTest::newRow("audience missing")
            << full << none << L({"billing"}) << none << noRules
            << QString::fromLatin1(reasonId(Reason::AudienceMismatch));
        QTest::newRow("audience as a string") << QByteArray("{\"active\":true,\"aud\":\"api\"}")
                                              << none << L({"api"}) << none << noRules << ok;
        QTest::newRow("no aud at all")
            << QByteArray("{\"active\":true}") << none << L({"api"}) << none << noRules
            << QString::fromLatin1(reasonId(Reason::AudienceMismatch));
        QTest::newRow("issuer trusted")
            << full << none << none << L({"https://idp.test"}) << noRules << ok;
        QTest::newRow("issuer not trusted")
            << full << none << none << L({"https://idp.test/"}) << noRules
            << QString::fromLatin1(reasonId(Reason::IssuerMismatch));
        QTest::newRow("issuer not a string")
            << QByteArray("{\"active\":true,\"iss\":[\"https://idp.test\"]}") << none << none
            << L({"https://idp.test"}) << noRules
            << QString::fromLatin1(reasonId(Reason::IssuerMismatch));
        QTest::newRow("equals") << full << none << none << none
                                << QList<ClaimRule>{rule("tenant", Op::Equals, {"acme"})} << ok;
        QTest::newRow("equals, other value")
            << full << none << none << none
            << QList<ClaimRule>{rule("tenant", Op::Equals, {"evil"})}
            << QString::fromLatin1(reasonId(Reason::ClaimRuleFailed));
        QTest::newRow("equals never holds for an array")
            << full << none << none << none
            << QList<ClaimRule>{rule("roles", Op::Equals, {"admin"})}
            << QString::fromLatin1(reasonId(Reason::ClaimRuleFailed));
        QTest::newRow("equals on a number")
            << full << none << none << none << QList<ClaimRule>{rule("level", Op::Equals, {"3"})}
            << ok;
        // Found by fuzz/ under UBSan: a number no qint64 holds was cast to compare it.
        QTest::newRow("equals on a number beyond 64 bits")
            << QByteArray(R"({"active":true,"level":1e300})") << none << none << none
            << QList<ClaimRule>{rule("level", Op::Equals, {"0"})}
            << QString::fromLatin1(reasonId(Reason::ClaimRuleFailed));
        QTest::newRow("equals on a large whole number")
            << QByteArray(R"({"active":true,"level":4611686018427387904})") << none << none << none
            << QList<ClaimRule>{rule("level", Op::Equals, {"4611686018427387904"})} << ok;
        QTest::newRow("equals on a bool")
            << full << none << none << none
            << QList<ClaimRule>{rule("email_verified", Op::Equals, {"true"})} << ok;
        QTest::newRow("equals on a nested claim")
            << full << none << none << none << QList<ClaimRule>{rule("ext.org", Op::Equals, {"x"})}
            << ok;
        QTest::newRow("missing claim")
            << full << none << none << none << QList<ClaimRule>{rule("nothing", Op::Equals, {""})}
            << QString::fromLatin1(reasonId(Reason::ClaimRuleFailed));
        QTest::newRow("one of") << full << none << none << none
                                << QList<ClaimRule>{rule("tenant", Op::OneOf, {"beta", "acme"})}
                                << ok;
        QTest::newRow("one of, none")
            << full << none << none << none
            << QList<ClaimRule>{rule("tenant", Op::OneOf, {"beta", "gamma"})}
            << QString::fromLatin1(reasonId(Reason::ClaimRuleFailed));
        QTest::newRow("contains in an array")
            << full << none << none << none
            << QList<ClaimRule>{rule("roles", Op::Contains, {"dev", "admin"})} << ok;
        QTest::newRow("contains needs every value")
            << full << none << none << none
            << QList<ClaimRule>{rule("roles", Op::Contains, {"dev", "ops"})}
            << QString::fromLatin1(reasonId(Reason::ClaimRuleFailed));
        QTest::newRow("contains in a space-separated string")
            << full << none << none << none
            << QList<ClaimRule>{rule("groups", Op::Contains, {"c", "a"})} << ok;
        QTest::newRow("contains is not a substring test")
            << full << none << none << none
            << QList<ClaimRule>{rule("tenant", Op::Contains, {"acm"})}
            << QString::fromLatin1(reasonId(Reason::ClaimRuleFailed));
        QTest::newRow("every rule must hold")
            << full << none << none << none
            << QList<ClaimRule>{rule("tenant", Op::Equals, {"acme"}),
                                rule("roles", Op::Contains, {"root"})}
            << QString::fromLatin1(reasonId(Reason::ClaimRuleFailed));
        QTest::newRow("scope is judged before audience")
            << full << L({"nope"}) << L({"nope"}) << none << noRules
            << QString::fromLatin1(reasonId(Reason::ScopeInsufficient));
    }
    void judge() {
        QFETCH(QByteArray, answer);
        QFETCH(QStringList, scopes);
        QFETCH(QStringList, audiences);
        QFETCH(QStringList, issuers);
        QFETCH(QList<ClaimRule>, rules);
        QFETCH(QString, reason);
        const RoutePolicy policy{scopes, audiences, issuers, rules};
        const PolicyVerdict verdict = judgePolicy(resultFrom(answer), policy);
        QCOMPARE(verdict.allowed, reason.isEmpty());
        QCOMPARE(QString::fromLatin1(reasonId(verdict.reason)), reason);
        if (!verdict.allowed)
            QVERIFY(!verdict.why.isEmpty());
    }

    void whyNamesTheRuleNotTheValue() {
        const PolicyVerdict v =
            judgePolicy(resultFrom("{\"active\":true,\"tenant\":\"secret-tenant\"}"),
                        RoutePolicy{{},
                                    {},
                                    {},
                                    {ClaimRule{QStringLiteral("tenant"),
                                               ClaimRule::Op::Equals,
                                               {QStringLiteral("acme")}}}});
        QVERIFY(!v.allowed);
        QVERIFY2(v.why.contains(QStringLiteral("claim rule 1 (tenant equals)")), qPrintable(v.why));
        QVERIFY(!v.why.contains(QStringLiteral("secret-tenant")));
    }
};

QTEST_GUILESS_MAIN(TestRoutePolicy)
#include "tst_routepolicy.moc"
