// SPDX-License-Identifier: Apache-2.0
// The trace vocabulary (core/observe/decisionstep.h): stage and outcome ids keep their
// spellings, and each stage ends only with the outcomes the pipeline gives it.
#include "core/observe/decisionstep.h"

#include <QTest>

using namespace Tokengate;

class TestDecisionStep : public QObject {
    Q_OBJECT

private slots:
    void stages_data() {
        QTest::addColumn<Stage>("stage");
        QTest::addColumn<QByteArray>("id");
        QTest::addColumn<QByteArray>("outcomes"); // the ids it may end with
        QTest::newRow("route") << Stage::Route << QByteArray("route") << QByteArray("ok refused");
        QTest::newRow("token") << Stage::Token << QByteArray("token")
                               << QByteArray("ok skipped anonymous refused");
        QTest::newRow("introspect")
            << Stage::Introspect << QByteArray("introspect") << QByteArray("ok error");
        QTest::newRow("decide") << Stage::Decide << QByteArray("decide")
                                << QByteArray("ok anonymous refused");
        QTest::newRow("mutate") << Stage::Mutate << QByteArray("mutate") << QByteArray("ok");
        QTest::newRow("forward") << Stage::Forward << QByteArray("forward") << QByteArray("ok");
    }
    void stages() {
        QFETCH(Stage, stage);
        QFETCH(QByteArray, id);
        QFETCH(QByteArray, outcomes);
        QCOMPARE(QByteArray(stageId(stage)), id);
        QByteArrayList ends;
        for (std::size_t o = 0; o < std::size_t(StepOutcome::Count); ++o) {
            if (stageCanEndWith(stage, StepOutcome(o)))
                ends << stepOutcomeId(StepOutcome(o));
        }
        QCOMPARE(ends.join(' '), outcomes);
    }
    void everyStageListed() { QCOMPARE(std::size_t(Stage::Count), std::size_t(6)); }

    void outcomeSpellings() {
        QByteArrayList ids;
        for (std::size_t o = 0; o < std::size_t(StepOutcome::Count); ++o)
            ids << stepOutcomeId(StepOutcome(o));
        QCOMPARE(ids.join(' '), QByteArray("ok skipped anonymous refused error"));
    }

    // A pair the table allows is built when compiled; one it does not is a compile error
    // (StepKind's consteval constructor), which no runtime test can show.
    void stepKind() {
        constexpr StepKind k{Stage::Decide, StepOutcome::Anonymous};
        QCOMPARE(int(k.stage), int(Stage::Decide));
        QCOMPARE(int(k.outcome), int(StepOutcome::Anonymous));
    }
};

QTEST_GUILESS_MAIN(TestDecisionStep)
#include "tst_decisionstep.moc"
