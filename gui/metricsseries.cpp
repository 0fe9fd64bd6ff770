// SPDX-License-Identifier: Apache-2.0
#include "gui/metricsseries.h"

#include <cmath>
#include <limits>

namespace Tokengate {

MetricsSeries::MetricsSeries(int windowSecs)
    : m_window(qMax(2, windowSecs))
    , m_buckets(size_t(m_window)) {}

void MetricsSeries::add(const RequestEvent &e) {
    const qint64 second = e.start.toMSecsSinceEpoch() / 1000;
    Bucket &b = m_buckets[size_t(second % m_window)];
    if (b.second != second)
        b = Bucket{second};
    ++b.requests;
    if (e.cache != CacheOutcome::None) {
        ++b.cacheLookups;
        // The same definition as /metrics' tokengate_token_cache_hits_total.
        if (isCacheHit(e.cache))
            ++b.cacheHits;
    }
    if (e.idpUs >= 0) {
        ++b.idpCalls;
        b.idpUsSum += e.idpUs;
    }
}

void MetricsSeries::clear() {
    m_buckets.assign(size_t(m_window), Bucket{});
}

template<typename F> QList<double> MetricsSeries::series(qint64 nowMs, F value) const {
    QList<double> out;
    out.reserve(m_window - 1);
    const qint64 last = nowMs / 1000 - 1;
    for (qint64 s = last - m_window + 2; s <= last; ++s) {
        const Bucket &b = m_buckets[size_t(((s % m_window) + m_window) % m_window)];
        out.append(value(b.second == s ? b : Bucket{s}));
    }
    return out;
}

QList<double> MetricsSeries::requestsPerSecond(qint64 nowMs) const {
    return series(nowMs, [](const Bucket &b) { return double(b.requests); });
}

QList<double> MetricsSeries::cacheHitRatio(qint64 nowMs) const {
    return series(nowMs, [](const Bucket &b) {
        return b.cacheLookups ? double(b.cacheHits) / b.cacheLookups
                              : std::numeric_limits<double>::quiet_NaN();
    });
}

QList<double> MetricsSeries::idpLatencyMs(qint64 nowMs) const {
    return series(nowMs, [](const Bucket &b) {
        return b.idpCalls ? double(b.idpUsSum) / b.idpCalls / 1000.0
                          : std::numeric_limits<double>::quiet_NaN();
    });
}

} // namespace Tokengate
