// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/cache/introspectionresult.h"

#include <QtGlobal>

namespace Tokengate::Test {

// An introspection answer from the JSON a test writes; a bad one is a bug in the test.
inline IntrospectionResult resultFrom(const QByteArray &json) {
    QString error;
    const std::optional<IntrospectionResult> r = IntrospectionResult::fromJson(json, &error);
    if (!r)
        qFatal("test body is not an introspection answer: %s", qPrintable(error));
    return *r;
}

} // namespace Tokengate::Test
