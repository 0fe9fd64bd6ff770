// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QString>
#include <QStringList>

namespace Tokengate {

// A condition on one introspection claim; string claims and arrays of strings are compared.
struct ClaimRule {
    enum class Op {
        Equals,   // the claim is exactly values[0]
        OneOf,    // the claim is one of values
        Contains, // the claim (an array, or a space-separated string) holds every value
    };
    QString claim;
    Op op = Op::Equals;
    QStringList values;

    // A claim to look at and its values: exactly one for equals.
    bool complete() const {
        return !claim.isEmpty() && !values.isEmpty() && (op != Op::Equals || values.size() == 1);
    }

    bool operator==(const ClaimRule &) const = default;
};

} // namespace Tokengate
