// SPDX-License-Identifier: Apache-2.0
// An IdP's introspection answer (RFC 7662 JSON) through IntrospectionResult, the verdict on it
// (judgeToken, judgePolicy), the identity header values made of its claims, the JWT minted from
// it and its round trip through the shared Redis tier's encoding. The answer comes from the
// network: nothing in it may crash the gateway, let an inactive or expired token pass, or split
// a header.
#include "core/auth/jwtminter.h"
#include "core/auth/routepolicy.h"
#include "core/auth/tokenverdict.h"
#include "core/cache/redisentry.h"
#include "core/pipeline/identityheaders.h"
#include "fuzz/fuzzsupport.h"

#include <QJsonDocument>

using namespace Tokengate;
using namespace Tokengate::Fuzz;

namespace {

constexpr qint64 NowSecs = 1'700'000'000;

const RoutePolicy &policy() {
    static const RoutePolicy p{
        {QStringLiteral("read"), QStringLiteral("orders:*")},
        {QStringLiteral("https://api.example.com")},
        {QStringLiteral("https://idp.example.com")},
        {{QStringLiteral("tenant"), ClaimRule::Op::Equals, {QStringLiteral("acme")}},
         {QStringLiteral("groups"), ClaimRule::Op::Contains, {QStringLiteral("buyers")}},
         {QStringLiteral("realm.env"),
          ClaimRule::Op::OneOf,
          {QStringLiteral("prod"), QStringLiteral("staging")}}}};
    return p;
}

void checkVerdict(const IntrospectionResult &r) {
    const TokenVerdict v = judgeToken(r, NowSecs, {QStringLiteral("read")});
    if (!v.allowed)
        return;
    FUZZ_CHECK(r.active && r.claims.value(u"active") == QJsonValue(true), "inactive allowed");
    FUZZ_CHECK(!r.malformedTimes, "malformed times allowed");
    FUZZ_CHECK(!r.exp || *r.exp > NowSecs, "expired allowed");
    FUZZ_CHECK(!r.nbf || *r.nbf <= NowSecs, "not yet valid allowed");
    FUZZ_CHECK(r.scope.split(u' ').contains(QStringLiteral("read")), "scope missing");
    const PolicyVerdict p = judgePolicy(r, policy());
    if (p.allowed)
        FUZZ_CHECK(r.audiences.contains(QStringLiteral("https://api.example.com")),
                   "audience missing");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArrayView input = bytes(data, size);
    QString error;
    const std::optional<IntrospectionResult> r = IntrospectionResult::fromJson(input, &error);
    if (!r) {
        FUZZ_CHECK(!error.isEmpty(), "refused without a reason");
        return 0;
    }
    checkVerdict(*r);
    for (auto it = r->claims.constBegin(); it != r->claims.constEnd(); ++it) {
        const QByteArray v = IdentityHeaders::headerValue(it.value());
        FUZZ_CHECK(std::none_of(v.cbegin(), v.cend(),
                                [](char c) { return (uchar(c) < 0x20 && c != '\t') || c == 0x7f; }),
                   v.toPercentEncoding());
    }
    if (judgeToken(*r, NowSecs).allowed) {
        const QByteArray jwt = JwtMinter("fuzz-secret").mint(*r, NowSecs);
        const QList<QByteArray> parts = jwt.split('.');
        FUZZ_CHECK(parts.size() == 3, jwt);
        const QByteArray payload = QByteArray::fromBase64(
            parts[1], QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
        FUZZ_CHECK(QJsonDocument::fromJson(payload).isObject(), payload);
        // Written to Redis and read back, an answer still valid keeps its claims.
        const qint64 nowMs = NowSecs * 1000;
        const std::optional<RedisEntry::Decoded> back =
            RedisEntry::decode(RedisEntry::encode(&*r, nowMs + 60'000), nowMs);
        FUZZ_CHECK(back && back->result && back->result->claims == r->claims,
                   QJsonDocument(r->claims).toJson(QJsonDocument::Compact));
    }
    return 0;
}
