// SPDX-License-Identifier: Apache-2.0
// A value read from the shared Redis tier through RedisEntry::decode. Redis is shared with
// other instances (and anyone who can write to it): a value must never crash the gateway, and
// what decode serves must be an active, unexpired answer within its deadline that survives
// being written back unchanged.
#include "core/cache/redisentry.h"
#include "fuzz/fuzzsupport.h"

#include <QJsonDocument>

using namespace Tokengate;
using namespace Tokengate::Fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArrayView input = bytes(data, size);
    constexpr qint64 NowMs = 1'700'000'000'000;
    const std::optional<RedisEntry::Decoded> d = RedisEntry::decode(input, NowMs);
    if (!d)
        return 0;
    FUZZ_CHECK(d->untilMs > NowMs, "past its deadline");
    if (!d->result)
        return 0;
    const IntrospectionResult &r = *d->result;
    FUZZ_CHECK(r.active, "inactive served");
    FUZZ_CHECK(!r.exp || *r.exp * 1000 > NowMs, "expired served");
    const std::optional<RedisEntry::Decoded> again =
        RedisEntry::decode(RedisEntry::encode(&r, d->untilMs), NowMs);
    FUZZ_CHECK(again && again->result && again->untilMs == d->untilMs &&
                   again->result->claims == r.claims,
               QJsonDocument(r.claims).toJson(QJsonDocument::Compact));
    return 0;
}
