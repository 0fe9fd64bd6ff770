// SPDX-License-Identifier: Apache-2.0
// JWT access tokens (RFC 9068) through validateAccessToken against a fixed JWK Set, and JWK Sets
// through JwkSet::parse: input starting with '{' is a JWK Set on its first line (the token
// after it is judged with it); anything else is a token. Nothing crashes; a token judged Valid
// is a three-part JWS with an accepted alg whose claims hold; base64url decodes to one
// spelling only. The corpus seeds a token this set's key really signed.
#include "core/auth/accesstokenjwt.h"
#include "core/auth/jwt.h"
#include "fuzz/fuzzsupport.h"

using namespace Tokengate;
using namespace Tokengate::Fuzz;

namespace {

// The public half of the key that signed the corpus's valid token (bench/jwtmint).
constexpr char Jwks[] =
    R"({"keys":[{"kty":"RSA","kid":"bench","use":"sig","alg":"RS256","n":"vzf9B3DruC5B-G9K4CDtRMuG4AKQIDnHpiSPidSi-pUM7BDl1TSBDjmjuwaViFzYAP94eSsED1U_YpukrxmXUaH4aCDP_HQZSUdHgklxCdPS9lMrlSdbVFCxpAhJVnEJxryC3pRipzaT3uqrdfnYCfeaofsgjAMer_AGZ9q7YRTXJ5_AWRxzpnu7PKOSRXLzqqwH91Wnxt34llw822P5F82OPjf71HqndimUw1W5I7mQfx18FlI6ouGGxeOaNFKNLtxJqBQyLMo-fjCUkAfVTkQSnRlPh4x34a26Xo93aYhK0yypMSf4no0Ifz8K0IbjNIIOmfm_SGsC0QLRO-5tQw","e":"AQAB"}]})";
constexpr qint64 Now = 1796422718;

const JwkSet &fixedKeys() {
    static const JwkSet keys = [] {
        QStringList skipped;
        QString error;
        return *JwkSet::parse(QByteArrayView(Jwks), &skipped, &error);
    }();
    return keys;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    QByteArrayView input = bytes(data, size);
    const JwkSet *keys = &fixedKeys();
    std::optional<JwkSet> parsed;
    if (input.startsWith('{')) {
        const qsizetype end = input.indexOf('\n');
        QStringList skipped;
        QString error;
        parsed = JwkSet::parse(input.first(end < 0 ? input.size() : end), &skipped, &error);
        FUZZ_CHECK(parsed || !error.isEmpty(), "a JWK Set refused without a reason");
        FUZZ_CHECK(!parsed || (parsed->size() > 0 && parsed->size() <= JwkSet::MaxKeys),
                   "a JWK Set with no key, or too many");
        keys = parsed ? &*parsed : nullptr;
        input = end < 0 ? QByteArrayView() : input.sliced(end + 1);
    }
    const AccessTokenRules rules{
        QStringLiteral("https://sso.bench"), {QStringLiteral("api")}, 30, false};
    const LocalVerdict v = validateAccessToken(input, keys, rules, Now);
    if (v.kind == LocalVerdict::Kind::Valid) {
        FUZZ_CHECK(input.count('.') == 2, "valid with other than three parts");
        const auto header = Jwt::fromBase64Url(input.first(input.indexOf('.')));
        FUZZ_CHECK(header && !header->contains("\"none\"") && !header->contains("\"HS"),
                   "valid under none or HMAC");
        FUZZ_CHECK(v.result && v.result->active, "valid but not active");
        FUZZ_CHECK(v.result->claims.value(u"iss").toString() == rules.issuer, "another issuer");
        FUZZ_CHECK(v.result->audiences.contains(QStringLiteral("api")), "another audience");
        FUZZ_CHECK(v.result->exp && *v.result->exp > Now, "valid past its exp");
    } else {
        FUZZ_CHECK(!v.result, "a result with a refusal");
        FUZZ_CHECK(!v.why.isEmpty(), "refused without a reason");
    }
    if (const auto decoded = Jwt::fromBase64Url(input))
        FUZZ_CHECK(Jwt::base64Url(*decoded) == input, "a second spelling of the same bytes");
    return 0;
}
