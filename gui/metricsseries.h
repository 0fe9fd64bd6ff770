// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/observe/requestevent.h"

#include <QList>

#include <vector>

namespace Tokengate {

// Per-second figures of the last `windowSecs` seconds of requests, for the live charts:
// requests per second, cache hit ratio and mean IdP latency. Seconds are the requests' start
// times, so the figures do not depend on when the GUI got to see the events.
class MetricsSeries {
public:
    explicit MetricsSeries(int windowSecs = 300);

    void add(const RequestEvent &event);
    void clear();
    int windowSecs() const { return m_window; }

    // One value per second, oldest first, ending with the second before `nowMs` (the current
    // one is still filling). NaN where there is nothing to show (no cache lookup, no IdP call).
    QList<double> requestsPerSecond(qint64 nowMs) const;
    QList<double> cacheHitRatio(qint64 nowMs) const;
    QList<double> idpLatencyMs(qint64 nowMs) const;

private:
    struct Bucket {
        qint64 second = -1;
        int requests = 0;
        int cacheLookups = 0;
        int cacheHits = 0;
        int idpCalls = 0;
        qint64 idpUsSum = 0;
    };
    template<typename F> QList<double> series(qint64 nowMs, F value) const;

    int m_window;
    std::vector<Bucket> m_buckets;
};

} // namespace Tokengate
