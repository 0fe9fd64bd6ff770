// SPDX-License-Identifier: Apache-2.0
// Local validation of JWT access tokens (RFC 9068) against an issuer's JWK Set: tokens minted
// by tests/support/accesstokenminter (OpenSSL's signing side, written apart from the gateway's
// verification), including the attacks on JWT validators: alg none, HS256 keyed with the
// public key, an alg the key does not fit, forged and truncated signatures.
#include "core/auth/accesstokenjwt.h"
#include "core/auth/jwt.h"
#include "tests/support/accesstokenminter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

const QString Issuer = QStringLiteral("https://sso.test");
const QString Audience = QStringLiteral("https://api.test");
constexpr qint64 Now = 1'900'000'000;

AccessTokenRules rules() {
    return {Issuer, {Audience, QStringLiteral("other-api")}, 30, false};
}

QByteArray b64(const QByteArray &bytes) {
    return Jwt::base64Url(bytes);
}

QByteArray json(const QJsonObject &o) {
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

} // namespace

class TestAccessTokenJwt : public QObject {
    Q_OBJECT

    std::vector<TestIssuerKey> m_keys; // one per algorithm, kid = the alg's name
    std::optional<JwkSet> m_set;

    const TestIssuerKey &key(const char *alg) const {
        for (const TestIssuerKey &k : m_keys) {
            if (qstrcmp(k.alg(), alg) == 0)
                return k;
        }
        qFatal("no %s key", alg);
    }
    LocalVerdict judge(const QByteArray &token, const AccessTokenRules &r = rules()) const {
        return validateAccessToken(token, &*m_set, r, Now);
    }
    QByteArray valid(const char *alg) const {
        return key(alg).sign(key(alg).header(), accessTokenClaims(Issuer, Audience, Now));
    }

private slots:
    void initTestCase() {
        for (const char *alg : {"RS256", "PS256", "ES256", "ES384", "EdDSA"})
            m_keys.emplace_back(alg, QString::fromLatin1(alg));
        QStringList skipped;
        QString error;
        m_set = JwkSet::parse(
            jwksOf({m_keys[0].publicJwk(), m_keys[1].publicJwk(), m_keys[2].publicJwk(),
                    m_keys[3].publicJwk(), m_keys[4].publicJwk()}),
            &skipped, &error);
        QVERIFY2(m_set, qPrintable(error));
        QCOMPARE(m_set->size(), 5);
        QVERIFY2(skipped.isEmpty(), qPrintable(skipped.join(u'\n')));
    }

    void everyAlgorithmVerifies_data() {
        QTest::addColumn<QByteArray>("alg");
        for (const char *alg : {"RS256", "PS256", "ES256", "ES384", "EdDSA"})
            QTest::newRow(alg) << QByteArray(alg);
    }
    void everyAlgorithmVerifies() {
        QFETCH(QByteArray, alg);
        const LocalVerdict v = judge(valid(alg.constData()));
        QVERIFY2(v.kind == LocalVerdict::Kind::Valid, qPrintable(v.why));
        QVERIFY(v.result->active);
        QCOMPARE(v.result->subject, QStringLiteral("alice"));
        QCOMPARE(v.result->clientId, QStringLiteral("spa"));
        QCOMPARE(v.result->scope, QStringLiteral("read write"));
        QCOMPARE(v.result->audiences, QStringList{Audience});
        QCOMPARE(*v.result->exp, Now + 300 + 30); // widened by the leeway
        // The claims read back as the same result: the cache keeps only them.
        const auto back = IntrospectionResult::fromJson(
            QJsonDocument(v.result->claims).toJson(QJsonDocument::Compact), nullptr);
        QVERIFY(back);
        QVERIFY(back->active);
        QCOMPARE(back->exp, v.result->exp);
        QCOMPARE(back->subject, v.result->subject);
        QCOMPARE(back->clientId, v.result->clientId);
        QCOMPARE(back->scope, v.result->scope);
        QCOMPARE(back->audiences, v.result->audiences);
    }

    void forgedAndBrokenSignaturesAreRefused_data() {
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<QString>("why");
        const QByteArray rs = valid("RS256");
        const QByteArray es = valid("ES256");
        QByteArray flipped = rs;
        flipped[flipped.size() - 10] = flipped.at(flipped.size() - 10) == 'A' ? 'B' : 'A';
        QTest::newRow("a signature byte changed") << flipped << "signature does not verify";
        QTest::newRow("truncated") << rs.chopped(4) << "signature does not verify";
        QTest::newRow("no signature")
            << rs.left(rs.lastIndexOf('.') + 1) << "signature does not verify";
        const QByteArray payload = b64(json(accessTokenClaims(Issuer, Audience, Now, 99999)));
        QByteArray swapped = rs;
        const qsizetype dot1 = rs.indexOf('.'), dot2 = rs.lastIndexOf('.');
        swapped.replace(dot1 + 1, dot2 - dot1 - 1, payload);
        QTest::newRow("payload swapped") << swapped << "signature does not verify";
        // Signed by another key under the same kid.
        const TestIssuerKey impostor("RS256", QStringLiteral("RS256"));
        QTest::newRow("another key, same kid")
            << impostor.sign(impostor.header(), accessTokenClaims(Issuer, Audience, Now))
            << "signature does not verify";
        QTest::newRow("ES256 signature one byte short")
            << es.left(es.lastIndexOf('.') + 1) +
                   b64(QByteArray::fromBase64(es.mid(es.lastIndexOf('.') + 1),
                                              QByteArray::Base64UrlEncoding)
                           .chopped(1))
            << "signature does not verify";
        // The same signature bytes spelled with padding or stray low bits: not base64url.
        QTest::newRow("padded signature") << rs + "=="
                                          << "signature does not verify";
    }
    void forgedAndBrokenSignaturesAreRefused() {
        QFETCH(QByteArray, token);
        QFETCH(QString, why);
        const LocalVerdict v = judge(token);
        QCOMPARE(int(v.kind), int(LocalVerdict::Kind::Refused));
        QCOMPARE(v.reason, Reason::TokenInvalid);
        QVERIFY2(v.why.contains(why), qPrintable(v.why));
    }

    void algorithmConfusionIsRefused_data() {
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<QString>("why");
        const QJsonObject claims = accessTokenClaims(Issuer, Audience, Now);
        const QByteArray payload = b64(json(claims));
        // alg none: no signature at all.
        QTest::newRow("none") << b64(R"({"alg":"none","kid":"RS256"})") + '.' + payload + '.'
                              << "alg \"none\" is not accepted";
        QTest::newRow("None") << b64(R"({"alg":"None","kid":"RS256"})") + '.' + payload + '.'
                              << "alg \"None\" is not accepted";
        // HS256 with the RSA public key as the HMAC secret (the classic confusion attack).
        const QByteArray hs = Jwt::signHs256(R"({"alg":"HS256","kid":"RS256"})", json(claims),
                                             key("RS256").publicPem());
        QTest::newRow("HS256 keyed with the public key") << hs << "alg \"HS256\" is not accepted";
        // An algorithm the key named by kid does not sign with.
        const TestIssuerKey &rsa = key("RS256");
        QJsonObject header = rsa.header();
        header.insert(u"alg", u"PS256"_qs); // the JWK says RS256
        const TestIssuerKey ps("PS256", QStringLiteral("x"));
        QTest::newRow("PS256 under an RS256 key")
            << ps.sign(header, claims) << "key \"RS256\" does not sign with PS256";
        header = key("ES256").header();
        header.insert(u"kid", u"RS256"_qs);
        QTest::newRow("ES256 under an RSA key")
            << key("ES256").sign(header, claims) << "key \"RS256\" does not sign with ES256";
        header = key("ES384").header();
        header.insert(u"alg", u"ES256"_qs);
        QTest::newRow("ES256 under a P-384 key")
            << key("ES256").sign(header, claims) << "key \"ES384\" does not sign with ES256";
        header = rsa.header();
        header.insert(u"crit", QJsonArray{u"exp"_qs});
        QTest::newRow("crit") << rsa.sign(header, claims) << "crit";
    }
    void algorithmConfusionIsRefused() {
        QFETCH(QByteArray, token);
        QFETCH(QString, why);
        const LocalVerdict v = judge(token);
        QCOMPARE(int(v.kind), int(LocalVerdict::Kind::Refused));
        QVERIFY2(v.why.contains(why), qPrintable(v.why));
    }

    void claimsAreJudged_data() {
        QTest::addColumn<QJsonObject>("claims");
        QTest::addColumn<int>("kind");
        QTest::addColumn<Reason>("reason");
        const QJsonObject good = accessTokenClaims(Issuer, Audience, Now);
        const int valid = int(LocalVerdict::Kind::Valid);
        const int refused = int(LocalVerdict::Kind::Refused);
        auto with = [&](const char *name, const QJsonValue &v) {
            QJsonObject c = good;
            if (v.isUndefined())
                c.remove(QLatin1StringView(name));
            else
                c.insert(QLatin1StringView(name), v);
            return c;
        };
        QTest::newRow("good") << good << valid << Reason::None;
        QTest::newRow("another issuer")
            << with("iss", u"https://evil.test"_qs) << refused << Reason::TokenInvalid;
        QTest::newRow("issuer with a trailing slash")
            << with("iss", QString(Issuer + u'/')) << refused << Reason::TokenInvalid;
        QTest::newRow("no issuer")
            << with("iss", QJsonValue::Undefined) << refused << Reason::TokenInvalid;
        QTest::newRow("another audience")
            << with("aud", u"https://other.test"_qs) << refused << Reason::TokenInvalid;
        QTest::newRow("no audience")
            << with("aud", QJsonValue::Undefined) << refused << Reason::TokenInvalid;
        QTest::newRow("audience among others")
            << with("aud", QJsonArray{u"x"_qs, u"other-api"_qs}) << valid << Reason::None;
        QTest::newRow("no exp") << with("exp", QJsonValue::Undefined) << refused
                                << Reason::TokenInvalid;
        QTest::newRow("exp a string")
            << with("exp", u"1900000300"_qs) << refused << Reason::TokenInvalid;
        QTest::newRow("expired") << with("exp", double(Now - 31)) << refused
                                 << Reason::TokenExpired;
        QTest::newRow("expired within the leeway")
            << with("exp", double(Now - 29)) << valid << Reason::None;
        QTest::newRow("nbf ahead")
            << with("nbf", double(Now + 31)) << refused << Reason::TokenNotYetValid;
        QTest::newRow("nbf within the leeway")
            << with("nbf", double(Now + 29)) << valid << Reason::None;
        QTest::newRow("iat ahead")
            << with("iat", double(Now + 31)) << refused << Reason::TokenNotYetValid;
    }
    void claimsAreJudged() {
        QFETCH(QJsonObject, claims);
        QFETCH(int, kind);
        QFETCH(Reason, reason);
        const TestIssuerKey &k = key("ES256");
        const LocalVerdict v = judge(k.sign(k.header(), claims));
        QVERIFY2(int(v.kind) == kind, qPrintable(v.why));
        QCOMPARE(v.reason, reason);
    }

    // Okta and Entra ID name them scp and azp; they read as scope and client_id.
    void scpAndAzpAreRead() {
        QJsonObject claims = accessTokenClaims(Issuer, Audience, Now);
        claims.remove(u"scope");
        claims.remove(u"client_id");
        claims.insert(u"scp", QJsonArray{u"read"_qs, u"admin"_qs});
        claims.insert(u"azp", u"portal"_qs);
        const TestIssuerKey &k = key("ES256");
        const LocalVerdict v = judge(k.sign(k.header(), claims));
        QVERIFY2(v.kind == LocalVerdict::Kind::Valid, qPrintable(v.why));
        QCOMPARE(v.result->scope, QStringLiteral("read admin"));
        QCOMPARE(v.result->clientId, QStringLiteral("portal"));
        const auto back = IntrospectionResult::fromJson(
            QJsonDocument(v.result->claims).toJson(QJsonDocument::Compact), nullptr);
        QCOMPARE(back->scope, v.result->scope);
        QCOMPARE(back->clientId, v.result->clientId);
    }

    void typeIsCheckedWhenAsked() {
        AccessTokenRules strict = rules();
        strict.requireAtJwt = true;
        const TestIssuerKey &k = key("EdDSA");
        const QJsonObject claims = accessTokenClaims(Issuer, Audience, Now);
        QJsonObject header = k.header();
        QCOMPARE(int(judge(k.sign(header, claims), strict).kind), int(LocalVerdict::Kind::Valid));
        header.insert(u"typ", u"application/AT+JWT"_qs);
        QCOMPARE(int(judge(k.sign(header, claims), strict).kind), int(LocalVerdict::Kind::Valid));
        header.insert(u"typ", u"JWT"_qs); // an ID token's type: not an access token
        const LocalVerdict v = judge(k.sign(header, claims), strict);
        QCOMPARE(int(v.kind), int(LocalVerdict::Kind::Refused));
        QVERIFY2(v.why.contains(u"not at+jwt"), qPrintable(v.why));
        QCOMPARE(int(judge(k.sign(header, claims)).kind), int(LocalVerdict::Kind::Valid));
    }

    void unknownKeysAskForAFetch() {
        const TestIssuerKey newer("RS256", QStringLiteral("rotated-in"));
        const QByteArray token =
            newer.sign(newer.header(), accessTokenClaims(Issuer, Audience, Now));
        QCOMPARE(int(judge(token).kind), int(LocalVerdict::Kind::UnknownKey));
        // No keys yet (the first fetch has not landed): every JWT waits for one.
        QCOMPARE(int(validateAccessToken(valid("RS256"), nullptr, rules(), Now).kind),
                 int(LocalVerdict::Kind::UnknownKey));
    }

    void withoutKidOnlyAnUnambiguousKey() {
        const QJsonObject claims = accessTokenClaims(Issuer, Audience, Now);
        const TestIssuerKey &ed = key("EdDSA");
        QJsonObject header{{u"alg"_qs, u"EdDSA"_qs}};
        // One Ed25519 key in the set: no kid needed.
        QCOMPARE(int(judge(ed.sign(header, claims)).kind), int(LocalVerdict::Kind::Valid));
        // Two RSA keys accept RS256 (RS256 and PS256 keys are RSA; the PS256 JWK says PS256,
        // so only one fits RS256) ...
        header = {{u"alg"_qs, u"RS256"_qs}};
        QCOMPARE(int(judge(key("RS256").sign(header, claims)).kind),
                 int(LocalVerdict::Kind::Valid));
        // ... but with the algs left out of the JWKs both fit, and neither is guessed.
        QStringList skipped;
        QString error;
        const auto loose =
            JwkSet::parse(jwksOf({key("RS256").publicJwk(false), key("PS256").publicJwk(false)}),
                          &skipped, &error);
        QVERIFY(loose);
        const LocalVerdict v =
            validateAccessToken(key("RS256").sign(header, claims), &*loose, rules(), Now);
        QCOMPARE(int(v.kind), int(LocalVerdict::Kind::Refused));
        QVERIFY2(v.why.contains(u"no single key"), qPrintable(v.why));
    }

    void opaqueAndGarbageTokens_data() {
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<int>("kind");
        const int notJwt = int(LocalVerdict::Kind::NotAJwt);
        const int refused = int(LocalVerdict::Kind::Refused);
        QTest::newRow("opaque") << QByteArray("2YotnFZFEjr1zCsicMWpAA") << notJwt;
        QTest::newRow("dots but no JSON") << QByteArray("abc.def.ghi") << notJwt;
        QTest::newRow("header without alg") << b64(R"({"kid":"RS256"})") + ".e30.sig" << notJwt;
        QTest::newRow("header not an object") << b64("[1,2]") + ".e30.sig" << notJwt;
        QTest::newRow("two parts")
            << valid("RS256").left(valid("RS256").lastIndexOf('.')) << notJwt;
        QTest::newRow("JWE, five parts")
            << b64(R"({"alg":"RSA-OAEP","enc":"A256GCM"})") + ".a.b.c.d" << refused;
        QTest::newRow("empty") << QByteArray() << notJwt;
        QTest::newRow("dots only") << QByteArray("..") << notJwt;
        const TestIssuerKey &k = key("RS256");
        const QByteArray headerPart = b64(json(k.header()));
        // A good signature over a payload that is not JSON: refused after the signature.
        const QByteArray bad = k.sign(k.header(), {});
        QTest::newRow("payload {} (no claims)") << bad << refused;
        QTest::newRow("header with NUL") << headerPart + QByteArray(1, '\0') + ".e30.x" << notJwt;
    }
    void opaqueAndGarbageTokens() {
        QFETCH(QByteArray, token);
        QFETCH(int, kind);
        const LocalVerdict v = judge(token);
        QVERIFY2(int(v.kind) == kind, qPrintable(v.why));
        QVERIFY(!v.result);
    }

    void jwkSetKeepsOnlyUsableSigningKeys() {
        const TestIssuerKey weak("RS256", QStringLiteral("weak"), 1024);
        QJsonObject enc = key("RS256").publicJwk();
        enc.insert(u"kid", u"enc"_qs);
        enc.insert(u"use", u"enc"_qs);
        QJsonObject offCurve = key("ES256").publicJwk();
        offCurve.insert(u"kid", u"off-curve"_qs);
        QByteArray y = *Jwt::fromBase64Url(offCurve.value(u"y").toString().toLatin1());
        y[5] = char(y.at(5) ^ 1);
        offCurve.insert(u"y", QString::fromLatin1(b64(y)));
        QJsonObject hmac{
            {u"kty"_qs, u"oct"_qs}, {u"kid"_qs, u"hmac"_qs}, {u"k"_qs, u"c2VjcmV0"_qs}};
        QJsonObject mismatched = key("ES256").publicJwk();
        mismatched.insert(u"kid", u"mismatched"_qs);
        mismatched.insert(u"alg", u"RS256"_qs);
        QJsonObject duplicate = key("PS256").publicJwk();
        duplicate.insert(u"kid", u"RS256"_qs);
        // e = 1 makes every value its own signature; a 9000-bit modulus makes each verify slow.
        QJsonObject identity = key("RS256").publicJwk();
        identity.insert(u"kid", u"e-is-1"_qs);
        identity.insert(u"e", u"AQ"_qs);
        QJsonObject huge = key("RS256").publicJwk();
        huge.insert(u"kid", u"huge"_qs);
        QByteArray modulus(1125, '\x5b');
        modulus[0] = '\xc1';
        modulus[1124] = '\x01';
        huge.insert(u"n", QString::fromLatin1(b64(modulus)));
        // A kid that would paint the log red.
        QJsonObject painted = hmac;
        painted.insert(u"kid", u"\x1b[31mred"_qs);
        QStringList skipped;
        QString error;
        const auto set =
            JwkSet::parse(jwksOf({key("RS256").publicJwk(), weak.publicJwk(), enc, offCurve, hmac,
                                  mismatched, duplicate, identity, huge, painted}),
                          &skipped, &error);
        QVERIFY2(set, qPrintable(error));
        QCOMPARE(set->size(), 1);
        const QString all = skipped.join(u'\n');
        QCOMPARE(skipped.size(), 9);
        QVERIFY2(all.contains(u"key \"e-is-1\": not a sound RSA public key"), qPrintable(all));
        QVERIFY2(all.contains(u"key \"huge\": RSA key of 9000 bits"), qPrintable(all));
        QVERIFY2(all.contains(u"key \"?[31mred\""), qPrintable(all));
        QVERIFY(!all.contains(QChar(0x1b)));
        for (const char *why :
             {"key \"weak\": RSA key of 1024 bits", "key \"enc\": not a signing",
              "key \"off-curve\": not a point of the curve", "key \"hmac\": key type \"oct\"",
              "key \"mismatched\": algorithm RS256 does not fit",
              "key \"RS256\": another key has the same kid"})
            QVERIFY2(all.contains(QLatin1StringView(why)), qPrintable(all));
        QVERIFY(!JwkSet::parse(jwksOf({hmac}), &skipped, &error));
        QCOMPARE(error, QStringLiteral("no usable signing key"));
        QVERIFY(!JwkSet::parse(QByteArrayView("{\"keys\":{}}"), &skipped, &error));
        QVERIFY(!JwkSet::parse(QByteArrayView("not json"), &skipped, &error));
    }

    // A key's verify contexts are prepared once and copied for each token: a refusal must not
    // leave them refusing, nor a success accepting. A new key set with the same kids never
    // accepts what the old keys signed.
    void verifyContextsAreReused() {
        for (int round = 0; round < 3; ++round) {
            for (const char *alg : {"RS256", "PS256", "ES256", "ES384", "EdDSA"}) {
                QByteArray forged = valid(alg);
                forged[forged.lastIndexOf('.') + 3] =
                    forged[forged.lastIndexOf('.') + 3] == 'A' ? 'B' : 'A';
                QCOMPARE(judge(forged).kind, LocalVerdict::Kind::Refused);
                QCOMPARE(judge(valid(alg)).kind, LocalVerdict::Kind::Valid);
                QCOMPARE(judge(forged).kind, LocalVerdict::Kind::Refused);
            }
        }
        const TestIssuerKey other("ES256", QStringLiteral("ES256"));
        QStringList skipped;
        QString error;
        const auto replaced = JwkSet::parse(jwksOf({other.publicJwk()}), &skipped, &error);
        QVERIFY2(replaced, qPrintable(error));
        const QByteArray oldToken = valid("ES256");
        QCOMPARE(validateAccessToken(oldToken, &*replaced, rules(), Now).kind,
                 LocalVerdict::Kind::Refused);
        const QByteArray newToken =
            other.sign(other.header(), accessTokenClaims(Issuer, Audience, Now));
        QCOMPARE(validateAccessToken(newToken, &*replaced, rules(), Now).kind,
                 LocalVerdict::Kind::Valid);
        QCOMPARE(judge(newToken).kind, LocalVerdict::Kind::Refused);
    }

    void base64UrlIsStrict() {
        QCOMPARE(*Jwt::fromBase64Url("YWJj"), QByteArray("abc"));
        QCOMPARE(*Jwt::fromBase64Url("YWI"), QByteArray("ab"));
        QCOMPARE(*Jwt::fromBase64Url("-_8"), QByteArray("\xfb\xff"));
        QVERIFY(!Jwt::fromBase64Url("YWI="));  // padding
        QVERIFY(!Jwt::fromBase64Url("YWJ"));   // "ab" with a stray low bit
        QVERIFY(!Jwt::fromBase64Url("YWJjZ")); // six bits cannot end a byte
        QVERIFY(!Jwt::fromBase64Url("+/8"));   // the other alphabet
        QVERIFY(!Jwt::fromBase64Url("YW J"));
        QCOMPARE(*Jwt::fromBase64Url(""), QByteArray());
    }

    // Every byte value survives the round trip at every length (so every tail), and a
    // spelling of up to three characters is read exactly when it is the encoding of some one
    // or two bytes: canonical base64url, nothing else.
    void base64UrlRoundTrips() {
        QByteArray bytes;
        for (int n = 0; n < 300; ++n) {
            QCOMPARE(*Jwt::fromBase64Url(Jwt::base64Url(bytes)), bytes);
            bytes.append(char((n * 37 + 11) & 0xFF));
        }
        QSet<QByteArray> spellings;
        for (int x = 0; x < 256; ++x) {
            spellings.insert(Jwt::base64Url(QByteArray(1, char(x))));
            for (int y = 0; y < 256; ++y)
                spellings.insert(Jwt::base64Url(QByteArray(QByteArray(1, char(x)) + char(y))));
        }
        const QByteArray alphabet =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=. \x80";
        for (const char a : alphabet) {
            for (const char b : alphabet) {
                for (const char c : alphabet) {
                    for (const QByteArray &text :
                         {QByteArray(1, a), QByteArray(QByteArray(1, a) + b),
                          QByteArray(QByteArray(1, a) + b + c)}) {
                        const auto decoded = Jwt::fromBase64Url(text);
                        QCOMPARE(decoded.has_value(), spellings.contains(text));
                        if (decoded)
                            QCOMPARE(Jwt::base64Url(*decoded), text);
                    }
                }
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestAccessTokenJwt)
#include "tst_accesstokenjwt.moc"
