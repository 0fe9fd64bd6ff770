// SPDX-License-Identifier: Apache-2.0
// The revocation list's rules: what matches (token digest, jti, subject by iat), when an entry
// ends, and the bound on its size.
#include "core/base/sha256.h"
#include "core/cache/revocationlist.h"

#include <QTest>

using namespace Tokengate;

namespace {

constexpr qint64 Now = 1'800'000'000;

IntrospectionResult result(const QString &subject, std::optional<qint64> iat,
                           const QString &jti = {}) {
    IntrospectionResult r;
    r.active = true;
    r.subject = subject;
    r.iat = iat;
    if (!jti.isEmpty())
        r.claims.insert(u"jti", jti);
    return r;
}

RevocationList::Entry entry(RevocationList::Kind kind, const QByteArray &key, qint64 until,
                            qint64 revokedAt = Now) {
    return {kind, key, revokedAt, until};
}

} // namespace

class TestRevocationList : public QObject {
    Q_OBJECT

private slots:
    void emptyMatchesNothing() {
        RevocationList list;
        QVERIFY(list.isEmpty());
        QVERIFY(!list.match(sha256("t"), result(u"alice"_qs, Now), Now));
    }

    void byTokenDigest() {
        RevocationList list;
        QString error;
        QVERIFY(list.add(entry(RevocationList::Kind::Token, sha256("t"), Now + 60), Now, &error));
        QVERIFY(list.match(sha256("t"), result(u"alice"_qs, Now), Now));
        QVERIFY(!list.match(sha256("u"), result(u"alice"_qs, Now), Now));
        QCOMPARE(list.refusals(), quint64(1));
        // A token is named by its digest only: anything else is a caller's mistake.
        QVERIFY(!list.add(entry(RevocationList::Kind::Token, "t", Now + 60), Now, &error));
        QVERIFY(error.contains(u"SHA-256"));
    }

    void byJtiOnlyWhenTheClaimIsThatString() {
        RevocationList list;
        QString error;
        QVERIFY(list.add(entry(RevocationList::Kind::Jti, "j-1", Now + 60), Now, &error));
        QVERIFY(list.match(sha256("a"), result(u"alice"_qs, Now, u"j-1"_qs), Now));
        QVERIFY(!list.match(sha256("a"), result(u"alice"_qs, Now, u"j-2"_qs), Now));
        QVERIFY(!list.match(sha256("a"), result(u"alice"_qs, Now), Now));
    }

    // Tokens issued up to the revocation (and the IdP's clock skew after it) are refused;
    // later ones pass; one without iat cannot show it is later.
    void bySubjectAndIssueTime() {
        RevocationList list;
        QString error;
        QVERIFY(list.add(entry(RevocationList::Kind::Subject, "alice", Now + 3600), Now, &error));
        QVERIFY(list.match({}, result(u"alice"_qs, Now - 100), Now + 10));
        QVERIFY(list.match({}, result(u"alice"_qs, Now), Now + 10));
        QVERIFY(
            list.match({}, result(u"alice"_qs, Now + RevocationList::SubjectSkewSecs), Now + 10));
        QVERIFY(!list.match({}, result(u"alice"_qs, Now + RevocationList::SubjectSkewSecs + 1),
                            Now + 40));
        QVERIFY(list.match({}, result(u"alice"_qs, std::nullopt), Now + 10));
        QVERIFY(!list.match({}, result(u"bob"_qs, Now - 100), Now + 10));
        QVERIFY(!list.match({}, result(QString(), std::nullopt), Now + 10));
    }

    void endsAtItsUntil() {
        RevocationList list;
        QString error;
        QVERIFY(list.add(entry(RevocationList::Kind::Jti, "j", Now + 60), Now, &error));
        QVERIFY(list.match({}, result(u"a"_qs, Now, u"j"_qs), Now + 60));
        QVERIFY(!list.match({}, result(u"a"_qs, Now, u"j"_qs), Now + 61));
        QCOMPARE(list.entries(Now + 61).size(), 0);
        QCOMPARE(list.counts(Now + 60)[std::size_t(RevocationList::Kind::Jti)], qsizetype(1));
        QCOMPARE(list.counts(Now + 61)[std::size_t(RevocationList::Kind::Jti)], qsizetype(0));
    }

    // A second revocation never shortens the first; a later one of a subject moves its line.
    void repeatedRevocationsWiden() {
        RevocationList list;
        QString error;
        QVERIFY(list.add(entry(RevocationList::Kind::Subject, "alice", Now + 3600), Now, &error));
        QVERIFY(list.add(entry(RevocationList::Kind::Subject, "alice", Now + 100, Now + 50),
                         Now + 50, &error));
        const QList<RevocationList::Entry> all = list.entries(Now + 50);
        QCOMPARE(all.size(), 1);
        QCOMPARE(all.first().untilSecs, Now + 3600);
        QCOMPARE(all.first().revokedAtSecs, Now + 50);
        QVERIFY(list.match({}, result(u"alice"_qs, Now + 70), Now + 60));
        QVERIFY(!list.match({}, result(u"alice"_qs, Now + 81), Now + 90));
    }

    void refusesMalformedEntries_data() {
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<qint64>("until");
        QTest::newRow("empty") << QByteArray() << Now + 60;
        QTest::newRow("too long") << QByteArray(RevocationList::MaxKeyBytes + 1, 'a') << Now + 60;
        QTest::newRow("already over") << QByteArray("j") << Now - 1;
        QTest::newRow("beyond the bound")
            << QByteArray("j") << Now + RevocationList::MaxLifetimeSecs + 1;
    }
    void refusesMalformedEntries() {
        QFETCH(QByteArray, key);
        QFETCH(qint64, until);
        RevocationList list;
        QString error;
        QVERIFY(!list.add(entry(RevocationList::Kind::Jti, key, until), Now, &error));
        QVERIFY(!error.isEmpty());
        QVERIFY(list.isEmpty());
    }

    // Full means full, until entries expire: the sweep on the next addition makes room.
    void boundedInSize() {
        RevocationList list;
        QString error;
        for (qsizetype i = 0; i < RevocationList::MaxEntries; ++i)
            QVERIFY(list.add(entry(RevocationList::Kind::Jti, QByteArray::number(i),
                                   i == 0 ? Now + 10 : Now + 3600),
                             Now, &error));
        QVERIFY(!list.add(entry(RevocationList::Kind::Subject, "one more", Now + 60), Now, &error));
        QVERIFY(error.contains(u"full"));
        // Replacing an entry that is there needs no room.
        QVERIFY(list.add(entry(RevocationList::Kind::Jti, "5", Now + 7200), Now, &error));
        QVERIFY(
            list.add(entry(RevocationList::Kind::Subject, "one more", Now + 60), Now + 11, &error));
        QCOMPARE(list.size(), RevocationList::MaxEntries);
    }

    void removeTakesBack() {
        RevocationList list;
        QString error;
        QVERIFY(list.add(entry(RevocationList::Kind::Subject, "alice", Now + 60), Now, &error));
        QVERIFY(!list.remove(RevocationList::Kind::Jti, "alice"));
        QVERIFY(list.remove(RevocationList::Kind::Subject, "alice"));
        QVERIFY(list.isEmpty());
        QVERIFY(!list.match({}, result(u"alice"_qs, Now), Now));
    }
};

QTEST_MAIN(TestRevocationList)
#include "tst_revocationlist.moc"
