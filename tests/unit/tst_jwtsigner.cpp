// SPDX-License-Identifier: Apache-2.0
// JwtSigner: HS256/RS256/ES256 JWTs verified by OpenSSL with the public key rebuilt from the
// signer's JWK (as an upstream would from the JWKS), and unusable keys refused clearly.
#include "core/auth/jwtminter.h"
#include "core/auth/jwtsigner.h"
#include "tests/support/jwsverifier.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QMessageAuthenticationCode>
#include <QTemporaryDir>
#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

Q_DECLARE_METATYPE(Tokengate::JwtAlgorithm)

class TestJwtSigner : public QObject {
    Q_OBJECT

    QByteArray m_rsa;
    QByteArray m_rsa2;
    QByteArray m_ec;

    QByteArray keyFor(JwtAlgorithm alg) const { return alg == JwtAlgorithm::RS256 ? m_rsa : m_ec; }

private slots:
    void initTestCase() {
        m_rsa = generatePrivateKeyPem("RSA", 2048);
        m_rsa2 = generatePrivateKeyPem("RSA", 3072);
        m_ec = generatePrivateKeyPem("EC", 0, "P-256");
    }

    void signsVerifiably_data() {
        QTest::addColumn<JwtAlgorithm>("alg");
        QTest::addColumn<QString>("kid");
        QTest::newRow("RS256 with kid") << JwtAlgorithm::RS256 << QStringLiteral("k1");
        QTest::newRow("RS256 without kid") << JwtAlgorithm::RS256 << QString();
        QTest::newRow("ES256 with kid") << JwtAlgorithm::ES256 << QStringLiteral("ec-2026");
        QTest::newRow("ES256 kid needing JSON escapes")
            << JwtAlgorithm::ES256 << QStringLiteral("a\"b\\c");
    }
    void signsVerifiably() {
        QFETCH(JwtAlgorithm, alg);
        QFETCH(QString, kid);
        QString error;
        const auto signer = JwtSigner::create(alg, keyFor(alg), kid, &error);
        QVERIFY2(signer, qPrintable(error));
        QCOMPARE(signer->algorithm(), alg);
        QCOMPARE(signer->keyId(), kid);

        const QJsonObject claims{{QStringLiteral("sub"), QStringLiteral("alice")},
                                 {QStringLiteral("exp"), 1700000000}};
        // Many signatures: ES256's r or s with a leading zero byte must still be 32 bytes.
        for (int i = 0; i < 40; ++i) {
            QJsonObject c = claims;
            c.insert(u"n", i);
            const QByteArray jwt = signer->sign(c);
            QCOMPARE(verifyJws(jwt, signer->publicJwk()), QString());
            QCOMPARE(jwsPayload(jwt), c);
        }
        const QByteArray jwt = signer->sign(claims);
        QJsonObject header{{QStringLiteral("alg"), JwtSigner::algorithmName(alg)},
                           {QStringLiteral("typ"), QStringLiteral("JWT")}};
        if (!kid.isEmpty())
            header.insert(u"kid", kid);
        QCOMPARE(jwsHeader(jwt), header);

        // A changed payload or another key fails: the check can fail.
        QList<QByteArray> parts = jwt.split('.');
        const QByteArray forged =
            parts.at(0) + '.' +
            QJsonDocument(QJsonObject{{QStringLiteral("sub"), QStringLiteral("mallory")}})
                .toJson(QJsonDocument::Compact)
                .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals) +
            '.' + parts.at(2);
        QVERIFY(!verifyJws(forged, signer->publicJwk()).isEmpty());
        const QByteArray otherKey =
            alg == JwtAlgorithm::RS256 ? m_rsa2 : generatePrivateKeyPem("EC", 0, "P-256");
        const auto other = JwtSigner::create(alg, otherKey, kid, &error);
        QVERIFY2(other, qPrintable(error));
        QVERIFY(!verifyJws(jwt, other->publicJwk()).isEmpty());
    }

    void publicJwk() {
        QString error;
        const auto rsa = JwtSigner::create(JwtAlgorithm::RS256, m_rsa, QStringLiteral("r"), &error);
        QVERIFY2(rsa, qPrintable(error));
        const QJsonObject r = rsa->publicJwk();
        QCOMPARE(r.value(u"kty").toString(), QStringLiteral("RSA"));
        QCOMPARE(r.value(u"alg").toString(), QStringLiteral("RS256"));
        QCOMPARE(r.value(u"use").toString(), QStringLiteral("sig"));
        QCOMPARE(r.value(u"kid").toString(), QStringLiteral("r"));
        QCOMPARE(r.value(u"e").toString(), QStringLiteral("AQAB"));
        QCOMPARE(r.value(u"n").toString().size(), 342); // 256 bytes in base64url
        QVERIFY(!r.contains(u"d") && !r.contains(u"p") && !r.contains(u"q")); // nothing private

        const auto ec = JwtSigner::create(JwtAlgorithm::ES256, m_ec, QString(), &error);
        QVERIFY2(ec, qPrintable(error));
        const QJsonObject e = ec->publicJwk();
        QCOMPARE(e.value(u"kty").toString(), QStringLiteral("EC"));
        QCOMPARE(e.value(u"crv").toString(), QStringLiteral("P-256"));
        QCOMPARE(e.value(u"x").toString().size(), 43);
        QCOMPARE(e.value(u"y").toString().size(), 43);
        QVERIFY(!e.contains(u"kid") && !e.contains(u"d"));

        const auto hs = JwtSigner::create(JwtAlgorithm::HS256, "secret", QString(), &error);
        QVERIFY(hs);
        QVERIFY(hs->publicJwk().isEmpty()); // a shared secret is never published

        const QByteArray jwks = jwksDocument({rsa.get(), hs.get(), ec.get()});
        const QJsonArray keys = QJsonDocument::fromJson(jwks).object().value(u"keys").toArray();
        QCOMPARE(keys.size(), 2);
        QCOMPARE(keys.at(0).toObject(), r);
        QCOMPARE(keys.at(1).toObject(), e);
        QCOMPARE(jwksDocument({hs.get()}), QByteArray(R"({"keys":[]})"));
        QCOMPARE(verifyJwsWithJwks(rsa->sign({}), jwks), QString());
    }

    void hs256MatchesHmac() {
        QString error;
        const auto signer =
            JwtSigner::create(JwtAlgorithm::HS256, "s3cr3t", QStringLiteral("h"), &error);
        QVERIFY2(signer, qPrintable(error));
        const QByteArray jwt = signer->sign({{QStringLiteral("a"), 1}});
        const qsizetype dot = jwt.lastIndexOf('.');
        QCOMPARE(
            jwt.mid(dot + 1),
            QMessageAuthenticationCode::hash(jwt.left(dot), "s3cr3t", QCryptographicHash::Sha256)
                .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
        QCOMPARE(jwsHeader(jwt).value(u"kid").toString(), QStringLiteral("h"));
    }

    void refusesBadKeys_data() {
        QTest::addColumn<JwtAlgorithm>("alg");
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<QString>("expected");
        QTest::newRow("HS256 empty secret") << JwtAlgorithm::HS256 << QByteArray()
                                            << QStringLiteral("HS256 needs a non-empty secret");
        QTest::newRow("RS256 not PEM") << JwtAlgorithm::RS256 << QByteArray("secret")
                                       << QStringLiteral("RS256 needs a PEM private key");
        QTest::newRow("RS256 broken PEM")
            << JwtAlgorithm::RS256
            << QByteArray("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
            << QStringLiteral("not a readable unencrypted PEM private key");
        QTest::newRow("RS256 encrypted key")
            << JwtAlgorithm::RS256 << generatePrivateKeyPem("RSA", 2048, nullptr, "pass")
            << QStringLiteral("not a readable unencrypted PEM private key");
        QTest::newRow("RS256 1024-bit key")
            << JwtAlgorithm::RS256 << generatePrivateKeyPem("RSA", 1024)
            << QStringLiteral("1024 bits; at least 2048");
        QTest::newRow("RS256 with an EC key")
            << JwtAlgorithm::RS256 << generatePrivateKeyPem("EC", 0, "P-256")
            << QStringLiteral("RS256 needs an RSA private key, not EC");
        QTest::newRow("ES256 with an RSA key")
            << JwtAlgorithm::ES256 << generatePrivateKeyPem("RSA", 2048)
            << QStringLiteral("ES256 needs an EC P-256 private key, not RSA");
        QTest::newRow("ES256 on P-384")
            << JwtAlgorithm::ES256 << generatePrivateKeyPem("EC", 0, "P-384")
            << QStringLiteral("curve P-256, not secp384r1");
        QTest::newRow("ES256 with Ed25519")
            << JwtAlgorithm::ES256 << generatePrivateKeyPem("ED25519")
            << QStringLiteral("ES256 needs an EC P-256 private key, not ED25519");
    }
    void refusesBadKeys() {
        QFETCH(JwtAlgorithm, alg);
        QFETCH(QByteArray, key);
        QFETCH(QString, expected);
        QString error;
        QVERIFY(!JwtSigner::create(alg, key, QStringLiteral("k"), &error));
        QVERIFY2(error.contains(expected), qPrintable(error));
    }

    void fromConfig() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("ec.pem"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(m_ec);
        file.close();

        JwtConfig config;
        config.algorithm = JwtAlgorithm::ES256;
        config.privateKeyFile = path;
        config.keyId = QStringLiteral("file-key");
        QString error;
        auto signer = JwtSigner::fromConfig(config, &error);
        QVERIFY2(signer, qPrintable(error));
        QCOMPARE(verifyJws(signer->sign({}), signer->publicJwk()), QString());

        config.privateKeyFile = dir.filePath(QStringLiteral("missing.pem"));
        QVERIFY(!JwtSigner::fromConfig(config, &error));
        QVERIFY2(error.contains(QStringLiteral("missing.pem")), qPrintable(error));
        config.privateKeyFile.clear();
        QVERIFY(!JwtSigner::fromConfig(config, &error));
        QVERIFY2(error.contains(QStringLiteral("required")), qPrintable(error));
        config.algorithm = JwtAlgorithm::RS256;
        config.privateKeyFile = path;
        QVERIFY(!JwtSigner::fromConfig(config, &error));
        QVERIFY2(error.startsWith(path) && error.contains(QStringLiteral("not EC")),
                 qPrintable(error));
    }

    void minterUsesSigner() {
        QString error;
        std::shared_ptr<const JwtSigner> signer =
            JwtSigner::create(JwtAlgorithm::ES256, m_ec, QStringLiteral("m"), &error);
        QVERIFY2(signer, qPrintable(error));
        const JwtMinter minter(signer, 600,
                               {{QStringLiteral("tenant"), QStringLiteral("ext_tenant")},
                                {QStringLiteral("user"), QStringLiteral("sub")},
                                {QStringLiteral("absent"), QStringLiteral("nope")}});
        const auto result = IntrospectionResult::fromJson(
            R"({"active":true,"sub":"alice","ext_tenant":"t7","exp":1700000100})", &error);
        QVERIFY(result);
        const QByteArray jwt = minter.mint(*result, 1700000000);
        QCOMPARE(verifyJws(jwt, signer->publicJwk()), QString());
        const QJsonObject claims = jwsPayload(jwt);
        QCOMPARE(claims.value(u"tenant").toString(), QStringLiteral("t7"));
        QCOMPARE(claims.value(u"user").toString(), QStringLiteral("alice"));
        QVERIFY(!claims.contains(u"absent"));
        QCOMPARE(claims.value(u"iat").toInteger(), 1700000000);
        QCOMPARE(claims.value(u"exp").toInteger(), 1700000100); // capped by the token's exp
    }
};

QTEST_GUILESS_MAIN(TestJwtSigner)
#include "tst_jwtsigner.moc"
