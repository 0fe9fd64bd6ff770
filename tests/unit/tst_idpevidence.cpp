// SPDX-License-Identifier: Apache-2.0
// What one request says about the IdP (core/observe/idpevidence.h): the single judgement
// behind /readyz, tokengate_idp_errors_total and the app's notice.
#include "core/observe/idpevidence.h"

#include <QTest>

using namespace Tokengate;

class TestIdpEvidence : public QObject {
    Q_OBJECT

private slots:
    void evidence_data() {
        QTest::addColumn<Reason>("reason");
        QTest::addColumn<CacheOutcome>("cache");
        QTest::addColumn<IdpEvidence>("expected");
        const auto row = [](const char *name, Reason r, CacheOutcome c, IdpEvidence e) {
            QTest::newRow(name) << r << c << e;
        };
        using E = IdpEvidence;
        using C = CacheOutcome;
        row("forwarded after a call", Reason::None, C::Miss, E::Answered);
        row("forwarded after another's call", Reason::None, C::Coalesced, E::Answered);
        row("forwarded from the cache", Reason::None, C::Hit, E::None);
        row("forwarded from redis", Reason::None, C::Redis, E::None);
        row("forwarded on a stale answer", Reason::None, C::Stale, E::Down);
        row("no token checked", Reason::None, C::None, E::None);
        row("token inactive", Reason::TokenInactive, C::Miss, E::Answered);
        row("token inactive, cached", Reason::TokenInactive, C::Negative, E::None);
        row("token missing", Reason::TokenMissing, C::None, E::None);
        row("upstream down after a call", Reason::UpstreamReset, C::Miss, E::Answered);
        row("unreachable", Reason::IdpUnreachable, C::Miss, E::Down);
        row("timeout, coalesced", Reason::IdpTimeout, C::Coalesced, E::Down);
        row("bad response", Reason::IdpBadResponse, C::Miss, E::Down);
        row("tls", Reason::IdpTls, C::Miss, E::Down);
        // It answered: our credentials are wrong, which waiting will not mend.
        row("rejected our client", Reason::IdpRejectedClient, C::Miss, E::Answered);
        // Refused by our own bounds before the IdP was asked.
        row("overloaded", Reason::IdpOverloaded, C::Miss, E::None);
        row("shutting down", Reason::ShuttingDown, C::Coalesced, E::None);
        row("no identity provider configured", Reason::IdpUnreachable, C::None, E::Down);
    }
    void evidence() {
        QFETCH(Reason, reason);
        QFETCH(CacheOutcome, cache);
        QFETCH(IdpEvidence, expected);
        QCOMPARE(int(idpEvidence(reason, cache)), int(expected));
        RequestEvent e;
        e.reason = reason;
        e.cache = cache;
        QCOMPARE(int(idpEvidence(e)), int(expected));
    }
};

QTEST_GUILESS_MAIN(TestIdpEvidence)
#include "tst_idpevidence.moc"
