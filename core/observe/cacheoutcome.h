// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/base/wordtable.h"

#include <array>
#include <cstddef>
#include <string_view>

namespace Tokengate {

// How a request's token check was answered. The access log, /metrics and the app take the
// id and what counts as a cache hit from CacheOutcomeTable, so they count alike.
enum class CacheOutcome : unsigned char {
    None,      // no token was checked
    Hit,       // the local cache held an active answer
    Negative,  // the local cache held an inactive answer
    Redis,     // the shared tier held an answer
    Miss,      // this request asked the IdP
    Coalesced, // it waited for the call another request made for the same token
    Stale,     // the IdP could not answer; a cached answer past its TTL stood in
    Local,     // the gateway validated the JWT itself, with the issuer's keys
    Count      // not an outcome: how many there are, for the table's completeness check
};

// Whether an IdP call was made for the answer, and how it went.
enum class IdpCall : unsigned char {
    None,     // a cache answered, or no token was checked
    Answered, // the answer is the IdP's (made by this request or the one it joined)
    Failed,   // the call failed; a stale entry answered instead
};

struct CacheOutcomeInfo {
    CacheOutcome outcome;
    const char *id; // stable: the access log's "cache", the metrics' "outcome" label, the app
    // A cache (local or shared) answered without waiting for any IdP call. The cache hit
    // ratio, in /metrics and in the app, is these over all token checks. Coalesced and stale
    // answers are not hits: both waited for an IdP call.
    bool cacheHit;
    IdpCall idpCall;
};

inline constexpr std::array<CacheOutcomeInfo, std::size_t(CacheOutcome::Count)> CacheOutcomeTable{{
    {CacheOutcome::None, "", false, IdpCall::None},
    {CacheOutcome::Hit, "hit", true, IdpCall::None},
    {CacheOutcome::Negative, "negative", true, IdpCall::None},
    {CacheOutcome::Redis, "redis", true, IdpCall::None},
    {CacheOutcome::Miss, "miss", false, IdpCall::Answered},
    {CacheOutcome::Coalesced, "coalesced", false, IdpCall::Answered},
    {CacheOutcome::Stale, "stale", false, IdpCall::Failed},
    {CacheOutcome::Local, "local", false, IdpCall::None},
}};

constexpr const CacheOutcomeInfo &cacheOutcomeInfo(CacheOutcome outcome) {
    return CacheOutcomeTable[std::size_t(outcome)];
}
constexpr const char *cacheOutcomeId(CacheOutcome outcome) {
    return cacheOutcomeInfo(outcome).id;
}
constexpr bool isCacheHit(CacheOutcome outcome) {
    return cacheOutcomeInfo(outcome).cacheHit;
}

static_assert(WordTable::inEnumOrder(CacheOutcomeTable,
                                     [](const CacheOutcomeInfo &o) { return o.outcome; }),
              "each outcome has its row, in enum order");
static_assert(WordTable::idsAreDistinct(
                  CacheOutcomeTable, [](const CacheOutcomeInfo &o) { return o.id; }, 1),
              "an outcome id is missing or used twice");
static_assert(std::string_view(cacheOutcomeId(CacheOutcome::None)).empty() &&
              !isCacheHit(CacheOutcome::None));

} // namespace Tokengate
