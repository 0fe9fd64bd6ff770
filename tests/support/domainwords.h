// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/base/reason.h"
#include "core/observe/cacheoutcome.h"

#include <QByteArray>
#include <QList>

namespace Tokengate::Test {

// Data rows over every reason and cache outcome, named by their stable ids.
inline QList<Reason> everyReason() {
    QList<Reason> all;
    for (const ReasonInfo &r : ReasonTable)
        all << r.reason;
    return all;
}
inline QList<CacheOutcome> everyCacheOutcome() {
    QList<CacheOutcome> all;
    for (const CacheOutcomeInfo &o : CacheOutcomeTable)
        all << o.outcome;
    return all;
}
inline const char *rowName(Reason r) {
    return r == Reason::None ? "none" : reasonId(r);
}
inline const char *rowName(CacheOutcome o) {
    return o == CacheOutcome::None ? "none" : cacheOutcomeId(o);
}

// The value of one series (its name and labels as rendered) in Prometheus text; -1: absent.
inline double metricValue(const QByteArray &text, const QByteArray &series) {
    for (const QByteArray &line : text.split('\n')) {
        if (line.startsWith(series) && line.size() > series.size() && line[series.size()] == ' ')
            return line.mid(series.size() + 1).toDouble();
    }
    return -1;
}

} // namespace Tokengate::Test
