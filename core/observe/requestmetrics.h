// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/observe/requestevent.h"

#include <QHash>
#include <QMutex>

#include <array>
#include <vector>

namespace Tokengate {

class AccessLog;
class PrometheusText;

// Latencies in fixed buckets (seconds), cumulative only when rendered.
struct LatencyHistogram {
    static constexpr std::array<double, 14> Bounds = {
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    std::array<quint64, Bounds.size() + 1> counts{}; // the last one is +Inf
    double sumSecs = 0;
    quint64 count = 0;

    void observe(qint64 micros);
    void add(const LatencyHistogram &other);
};

// Per-request counters and latencies from RequestEvents, for /metrics. Worker threads record
// into their own shard (by RequestEvent::worker), so recording never waits on another worker;
// rendering merges the shards.
class RequestMetrics {
public:
    explicit RequestMetrics(int shards = 16);
    RequestMetrics(const RequestMetrics &) = delete;
    RequestMetrics &operator=(const RequestMetrics &) = delete;

    void record(const RequestEvent &event); // thread-safe
    void render(PrometheusText &out) const;
    // Its lost lines are reported with the request counters; null: no access log.
    void setAccessLog(const AccessLog *log) { m_accessLog = log; }

    struct RequestKey {
        QByteArray route;
        int status = 0;
        Reason reason = Reason::None;
        bool operator==(const RequestKey &) const = default;
    };

private:
    struct Shard {
        mutable QMutex mutex;
        QHash<RequestKey, quint64> requests;
        QHash<QByteArray, LatencyHistogram> durationByRoute;
        LatencyHistogram idp;
        LatencyHistogram upstream;
        std::array<quint64, std::size_t(CacheOutcome::Count)> cacheOutcomes{};
        quint64 idpErrors = 0;
        QHash<QByteArray, quint64> tunnelEnds; // by RequestEvent::tunnelEnd
    };
    std::vector<Shard> m_shards;
    const AccessLog *m_accessLog = nullptr;
};

size_t qHash(const RequestMetrics::RequestKey &key, size_t seed = 0);

} // namespace Tokengate
