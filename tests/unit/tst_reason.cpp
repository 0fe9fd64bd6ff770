// SPDX-License-Identifier: Apache-2.0
// The reason table (core/base/reason.h): every reason has one well-formed row, the ids keep
// their spellings, and refusalFor() builds every refusal's answer from it alone.
#include "core/base/reason.h"
#include "core/http/refusal.h"
#include "core/http/statusphrase.h"
#include "tests/support/domainwords.h"

#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace Tokengate;

namespace {

struct Known {
    Reason reason;
    const char *id;
    int status;
};

constexpr Known KnownReasons[] = {
    {Reason::BadRequest, "bad_request", 400},
    {Reason::HeaderTooLarge, "header_too_large", 431},
    {Reason::TargetTooLong, "target_too_long", 414},
    {Reason::BodyTooLarge, "body_too_large", 413},
    {Reason::RequestTimeout, "request_timeout", 408},
    {Reason::MethodNotAllowed, "method_not_allowed", 405},
    {Reason::VersionNotSupported, "version_not_supported", 505},
    {Reason::ExpectationFailed, "expectation_failed", 417},
    {Reason::TransferCodingUnsupported, "transfer_coding_unsupported", 501},
    {Reason::TooManyConnections, "too_many_connections", 503},
    {Reason::UpstreamUnreachable, "upstream_unreachable", 502},
    {Reason::UpstreamReset, "upstream_reset", 502},
    {Reason::UpstreamTimeout, "upstream_timeout", 504},
    {Reason::UpstreamBadResponse, "upstream_bad_response", 502},
    {Reason::UpstreamTls, "upstream_tls", 502},
    {Reason::ClientDisconnected, "client_disconnected", 0},
    {Reason::ShuttingDown, "shutting_down", 503},
    {Reason::DestinationInvalid, "destination_invalid", 400},
    {Reason::DestinationForbidden, "destination_forbidden", 403},
    {Reason::TokenMissing, "token_missing", 401},
    {Reason::TokenInactive, "token_inactive", 401},
    {Reason::TokenExpired, "token_expired", 401},
    {Reason::TokenNotYetValid, "token_not_yet_valid", 401},
    {Reason::IdpUnreachable, "idp_unreachable", 503},
    {Reason::IdpTimeout, "idp_timeout", 504},
    {Reason::IdpRejectedClient, "idp_rejected_client", 503},
    {Reason::IdpBadResponse, "idp_bad_response", 503},
    {Reason::IdpTls, "idp_tls", 503},
    {Reason::IdpOverloaded, "idp_overloaded", 503},
    {Reason::ScopeInsufficient, "scope_insufficient", 403},
    {Reason::RouteNotFound, "route_not_found", 404},
    {Reason::PathNotCanonical, "path_not_canonical", 400},
    {Reason::PathMalformed, "path_malformed", 400},
    {Reason::PathEscapedSlash, "path_escaped_slash", 400},
    {Reason::PathParameter, "path_parameter", 400},
    {Reason::MethodOverride, "method_override", 400},
    {Reason::AudienceMismatch, "audience_mismatch", 403},
    {Reason::IssuerMismatch, "issuer_mismatch", 403},
    {Reason::ClaimRuleFailed, "claim_rule_failed", 403},
    {Reason::TokenMalformed, "token_malformed", 401},
    {Reason::DestinationLoop, "destination_loop", 508},
    {Reason::LoopDetected, "loop_detected", 508},
    {Reason::CorsOriginRefused, "cors_origin_refused", 403},
    {Reason::CorsRequestRefused, "cors_request_refused", 403},
    {Reason::RateLimited, "rate_limited", 429},
    {Reason::TokenInvalid, "token_invalid", 401},
    {Reason::TokenRevoked, "token_revoked", 401},
    {Reason::WebSocketNotAllowed, "websocket_not_allowed", 403},
    {Reason::TooManyTunnels, "too_many_tunnels", 503},
    {Reason::ClientCertificateRequired, "client_certificate_required", 403},
    {Reason::TokenCertificateMismatch, "token_certificate_mismatch", 401},
};

} // namespace

class TestReason : public QObject {
    Q_OBJECT

private slots:
    void everyRow_data() {
        QTest::addColumn<Reason>("reason");
        for (Reason r : Test::everyReason())
            QTest::newRow(Test::rowName(r)) << r;
    }
    void everyRow() {
        QFETCH(Reason, reason);
        const ReasonInfo &row = reasonInfo(reason);
        QCOMPARE(int(row.reason), int(reason));
        QVERIFY(row.id && row.text && row.challenge);
        const QByteArray id(row.id);
        if (reason == Reason::None) {
            QVERIFY(id.isEmpty());
            QCOMPARE(row.status, 0);
            QCOMPARE(row.category, ReasonCategory::None);
            return;
        }
        QVERIFY2(QRegularExpression(QStringLiteral("^[a-z]+(_[a-z]+)*$"))
                     .match(QString::fromLatin1(id))
                     .hasMatch(),
                 row.id);
        QVERIFY(row.category != ReasonCategory::None);
        if (reason == Reason::ClientDisconnected) {
            QCOMPARE(row.status, 0); // no one left to answer
            return;
        }
        QVERIFY2(row.status >= 400 && row.status <= 599, row.id);
        QVERIFY2(statusPhrase(row.status) != "Unknown", row.id);
        QVERIFY2(row.text[0], row.id);
        // A client compares a Verbatim text exactly: it must not carry a line of its own.
        if (row.body == ReasonBody::Verbatim)
            QVERIFY(!QByteArray(row.text).contains('\n'));
    }

    void idsAreUnique() {
        QSet<QByteArray> seen;
        for (Reason r : Test::everyReason()) {
            const QByteArray id(reasonId(r));
            QVERIFY2(!seen.contains(id), id.constData());
            seen.insert(id);
        }
        QCOMPARE(seen.size(), qsizetype(Reason::Count));
    }

    // The spelling and status of every reason, as logs, metrics, scripts and the README know
    // them: a rename or a new status shows up here first.
    void spellingsAndStatuses_data() {
        QTest::addColumn<Reason>("reason");
        QTest::addColumn<QByteArray>("id");
        QTest::addColumn<int>("status");
        for (const Known &k : KnownReasons)
            QTest::newRow(k.id) << k.reason << QByteArray(k.id) << k.status;
    }
    void spellingsAndStatuses() {
        QFETCH(Reason, reason);
        QFETCH(QByteArray, id);
        QFETCH(int, status);
        QCOMPARE(QByteArray(reasonId(reason)), id);
        QCOMPARE(httpStatus(reason), status);
    }
    void spellingsCoverEveryReason() {
        QSet<int> listed;
        for (const Known &k : KnownReasons)
            listed.insert(int(k.reason));
        for (Reason r : Test::everyReason())
            QVERIFY2(r == Reason::None || listed.contains(int(r)), reasonId(r));
    }

    // Only an IdP that could not answer is down; our own limits, configuration and shutdown
    // are not its outage.
    void idpOutage_data() {
        QTest::addColumn<Reason>("reason");
        QTest::addColumn<bool>("outage");
        for (Reason r : Test::everyReason()) {
            const bool outage = r == Reason::IdpUnreachable || r == Reason::IdpTimeout ||
                                r == Reason::IdpBadResponse || r == Reason::IdpTls;
            QTest::newRow(Test::rowName(r)) << r << outage;
        }
    }
    void idpOutage() {
        QFETCH(Reason, reason);
        QFETCH(bool, outage);
        QCOMPARE(isIdpOutage(reason), outage);
    }

    // The answer of every refusal comes from its row: status, body form and challenge.
    void refusal_data() {
        QTest::addColumn<Reason>("reason");
        for (Reason r : Test::everyReason()) {
            if (httpStatus(r) != 0)
                QTest::newRow(Test::rowName(r)) << r;
        }
    }
    void refusal() {
        QFETCH(Reason, reason);
        const ReasonInfo &row = reasonInfo(reason);
        const Refusal plain = refusalFor(reason);
        const Refusal precise = refusalFor(reason, "A more precise text", ", scope=\"a b\"");
        QCOMPARE(plain.status, row.status);
        QCOMPARE(precise.status, row.status);
        const QByteArray tag = " (" + QByteArray(row.id) + ")\n";
        if (row.body == ReasonBody::Verbatim) {
            QCOMPARE(plain.body, QByteArray(row.text));
            QCOMPARE(precise.body, QByteArray(row.text));
        } else {
            QCOMPARE(plain.body, QByteArray(row.text) + tag);
            QCOMPARE(precise.body, "A more precise text" + tag);
        }
        QCOMPARE(plain.challenge, QByteArray(row.challenge));
        QCOMPARE(precise.challenge,
                 row.challenge[0] ? row.challenge + QByteArray(", scope=\"a b\"") : QByteArray());
    }

    // The answers clients see, byte for byte as before the table.
    void knownAnswers_data() {
        QTest::addColumn<Reason>("reason");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("challenge");
        QTest::newRow("token_missing")
            << Reason::TokenMissing << QByteArray("Access Token needed for the given URL")
            << QByteArray("Bearer");
        QTest::newRow("token_malformed")
            << Reason::TokenMalformed << QByteArray("Access Token needed for the given URL")
            << QByteArray("Bearer error=\"invalid_request\"");
        QTest::newRow("token_expired")
            << Reason::TokenExpired << QByteArray("Access Token is invalid")
            << QByteArray("Bearer error=\"invalid_token\"");
        QTest::newRow("destination_invalid")
            << Reason::DestinationInvalid << QByteArray("Destination header should be a valid URL")
            << QByteArray();
        QTest::newRow("scope_insufficient")
            << Reason::ScopeInsufficient
            << QByteArray("The token lacks a required scope (scope_insufficient)\n")
            << QByteArray("Bearer error=\"insufficient_scope\"");
        QTest::newRow("idp_timeout")
            << Reason::IdpTimeout
            << QByteArray("The identity provider did not answer in time (idp_timeout)\n")
            << QByteArray();
        QTest::newRow("upstream_unreachable")
            << Reason::UpstreamUnreachable
            << QByteArray("Upstream unreachable (upstream_unreachable)\n") << QByteArray();
    }
    void knownAnswers() {
        QFETCH(Reason, reason);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, challenge);
        const Refusal r = refusalFor(reason);
        QCOMPARE(r.body, body);
        QCOMPARE(r.challenge, challenge);
    }

    void refusalBytesBeforeAnyRequest() {
        QCOMPARE(refusalBytes(Reason::TooManyConnections),
                 QByteArray("HTTP/1.1 503 Service Unavailable\r\n"
                            "Content-Type: text/plain; charset=utf-8\r\n"
                            "Content-Length: 49\r\n"
                            "Connection: close\r\n\r\n"
                            "Too many open connections (too_many_connections)\n"));
    }
};

QTEST_GUILESS_MAIN(TestReason)
#include "tst_reason.moc"
