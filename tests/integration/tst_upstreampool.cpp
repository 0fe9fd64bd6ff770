// SPDX-License-Identifier: Apache-2.0
// The keep-alive pool against real loopback upstreams: idle connections are bounded across
// all origins together, the longest idle is closed first, and the rest are reused.
#include "tests/support/scriptedupstream.h"

#include "core/http/upstreampool.h"

#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

// One exchange's outcome, as the pool's user sees it.
class Exchange : public UpstreamConnection::User {
public:
    void onUpstreamHead(ResponseHead head) override { status = head.status; }
    void onUpstreamBody(QByteArrayView) override {}
    void onUpstreamComplete(bool r) override {
        reusable = r;
        done = true;
    }
    void onUpstreamFailed(Reason, const QString &, bool) override { done = true; }
    void onUpstreamWritable() override {}
    // Never asks to upgrade, so a 101 fails in the parser and never arrives here.
    void onUpstreamSwitched(ResponseHead, QByteArray) override {}

    int status = 0;
    bool reusable = false;
    bool done = false;
};

} // namespace

class TestUpstreamPool : public QObject {
    Q_OBJECT

private slots:
    void idleBoundAcrossOrigins_data() {
        QTest::addColumn<int>("maxIdleTotal");
        QTest::addColumn<int>("origins");
        QTest::addColumn<int>("keptIdle");
        QTest::newRow("two of three kept") << 2 << 3 << 2;
        QTest::newRow("one of four kept") << 1 << 4 << 1;
        QTest::newRow("all kept under the bound") << 10 << 3 << 3;
        QTest::newRow("none kept") << 0 << 2 << 0;
    }
    void idleBoundAcrossOrigins() {
        QFETCH(int, maxIdleTotal);
        QFETCH(int, origins);
        QFETCH(int, keptIdle);
        DeadlineSweeper sweeper;
        UpstreamSettings settings;
        settings.maxIdleTotal = maxIdleTotal;
        const HttpLimits limits;
        UpstreamPool pool(settings, limits, sweeper);
        std::vector<std::unique_ptr<ScriptedUpstream>> upstreams;
        QList<Origin> targets;
        for (int i = 0; i < origins; ++i) {
            upstreams.push_back(
                std::make_unique<ScriptedUpstream>(ScriptedUpstream::answerEachRequest()));
            targets << UpstreamTarget::parse(upstreams.back()->url(), nullptr)->origin;
        }
        auto exchange = [&](int i) {
            Exchange e;
            UpstreamConnection *c = pool.acquire(targets[i]);
            c->begin(&e, "GET /x HTTP/1.1\r\nHost: u\r\n\r\n", false);
            if (!waitFor([&] { return e.done; }) || e.status != 200)
                return false;
            pool.release(c, e.reusable);
            return e.reusable;
        };
        for (int i = 0; i < origins; ++i)
            QVERIFY(exchange(i));
        QCOMPARE(pool.idleCount(), qsizetype(keptIdle));
        // The longest idle went first: the oldest origins' connections are closed.
        for (int i = 0; i < origins; ++i) {
            const bool closed = i < origins - keptIdle;
            QVERIFY2(waitFor([&] { return upstreams[i]->connections()[0].closedByPeer == closed; },
                             closed ? 5000 : 100),
                     qPrintable(QStringLiteral("origin %1").arg(i)));
        }
        // The kept ones serve again without a new connection.
        const quint64 opened = pool.connectionsOpened();
        for (int i = origins - keptIdle; i < origins; ++i)
            QVERIFY(exchange(i));
        QCOMPARE(pool.connectionsOpened(), opened);
    }
};

QTEST_MAIN(TestUpstreamPool)
#include "tst_upstreampool.moc"
