// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/base/wordtable.h"

#include <QString>

#include <array>
#include <cstddef>
#include <string_view>

namespace Tokengate {

// The pipeline's stages, in the order a request meets them.
enum class Stage : unsigned char {
    Route,      // route, loop guard and upstream chosen
    Token,      // the credential found (or not)
    Introspect, // the IdP's answer, from a cache or a call
    Decide,     // exp/nbf, scopes and the route's policy judged
    Mutate,     // credential stripped, identity headers, path rewritten
    Forward,    // handed to the upstream
    Count       // not a stage: how many there are
};

// How a stage ended.
enum class StepOutcome : unsigned char {
    Ok,
    Skipped,   // nothing to check: a public route, or no token where none is needed
    Anonymous, // refused, but the route forwards without identity or credential (passThrough)
    Refused,   // the request is answered with a refusal
    Error,     // the IdP could not be asked or could not answer
    Count      // not an outcome: how many there are
};

constexpr unsigned outcomeBit(StepOutcome outcome) {
    return 1u << unsigned(outcome);
}

struct StageInfo {
    Stage stage;
    const char *id;    // stable: the app's decision trace shows it
    unsigned outcomes; // the outcomes this stage can end with (outcomeBit)
};

inline constexpr std::array<StageInfo, std::size_t(Stage::Count)> StageTable{{
    {Stage::Route, "route", outcomeBit(StepOutcome::Ok) | outcomeBit(StepOutcome::Refused)},
    {Stage::Token, "token",
     outcomeBit(StepOutcome::Ok) | outcomeBit(StepOutcome::Skipped) |
         outcomeBit(StepOutcome::Anonymous) | outcomeBit(StepOutcome::Refused)},
    {Stage::Introspect, "introspect", outcomeBit(StepOutcome::Ok) | outcomeBit(StepOutcome::Error)},
    {Stage::Decide, "decide",
     outcomeBit(StepOutcome::Ok) | outcomeBit(StepOutcome::Anonymous) |
         outcomeBit(StepOutcome::Refused)},
    {Stage::Mutate, "mutate", outcomeBit(StepOutcome::Ok)},
    {Stage::Forward, "forward", outcomeBit(StepOutcome::Ok)},
}};

inline constexpr std::array<const char *, std::size_t(StepOutcome::Count)> StepOutcomeIds{
    "ok", "skipped", "anonymous", "refused", "error"};

constexpr const char *stageId(Stage stage) {
    return StageTable[std::size_t(stage)].id;
}
constexpr const char *stepOutcomeId(StepOutcome outcome) {
    return StepOutcomeIds[std::size_t(outcome)];
}
constexpr bool stageCanEndWith(Stage stage, StepOutcome outcome) {
    return StageTable[std::size_t(stage)].outcomes & outcomeBit(outcome);
}

// A stage and how it ended, checked when compiled: a pair StageTable does not list is an
// error, so the trace never shows an outcome the app has no meaning for.
struct StepKind {
    Stage stage;
    StepOutcome outcome;
    consteval StepKind(Stage s, StepOutcome o)
        : stage(s)
        , outcome(o) {
        if (!stageCanEndWith(s, o))
            throw "this stage never ends with this outcome (StageTable)";
    }
};

// One pipeline stage's outcome, for the app's decision trace and debugging.
struct DecisionStep {
    Stage stage = Stage::Route;
    StepOutcome outcome = StepOutcome::Ok;
    QString detail; // never a token or a secret

    bool operator==(const DecisionStep &) const = default;
};

namespace StageChecks {

// An outcome no stage can end with would be dead vocabulary (and a colour for nothing).
constexpr bool everyOutcomeIsProduced() {
    unsigned produced = 0;
    for (const StageInfo &s : StageTable)
        produced |= s.outcomes;
    return produced == (1u << unsigned(StepOutcome::Count)) - 1;
}

} // namespace StageChecks

static_assert(WordTable::inEnumOrder(StageTable, [](const StageInfo &s) { return s.stage; }),
              "each Stage has its row, in enum order");
static_assert(WordTable::idsAreDistinct(
                  StageTable, [](const StageInfo &s) { return s.id; }, 0),
              "a stage id is missing or used twice");
static_assert(WordTable::idsAreDistinct(
                  StepOutcomeIds, [](const char *id) { return id; }, 0),
              "a step outcome id is missing or used twice");
static_assert(StageChecks::everyOutcomeIsProduced(), "a StepOutcome no stage ends with");

} // namespace Tokengate
