// SPDX-License-Identifier: Apache-2.0
#include "core/observe/requestmetrics.h"

#include "core/observe/prometheustext.h"

#include <algorithm>

namespace Tokengate {

namespace {

// Routes are named by the operator; a request that matched none still needs a label value.
QByteArray routeLabel(const QByteArray &route) {
    return route.isEmpty() ? QByteArrayLiteral("default") : route;
}

void renderHistogram(PrometheusText &out, QByteArrayView name, const PrometheusText::Labels &labels,
                     const LatencyHistogram &h) {
    const QByteArray bucket = name.toByteArray() + "_bucket";
    quint64 cumulative = 0;
    for (size_t i = 0; i <= LatencyHistogram::Bounds.size(); ++i) {
        cumulative += h.counts[i];
        PrometheusText::Labels l = labels;
        l.append({"le", i < LatencyHistogram::Bounds.size()
                            ? QByteArray::number(LatencyHistogram::Bounds[i], 'g', 6)
                            : QByteArrayLiteral("+Inf")});
        out.sample(bucket, l, double(cumulative));
    }
    out.sample(QByteArray(name.toByteArray() + "_sum"), labels, h.sumSecs);
    out.sample(QByteArray(name.toByteArray() + "_count"), labels, double(h.count));
}

} // namespace

void LatencyHistogram::observe(qint64 micros) {
    const double secs = double(std::max<qint64>(micros, 0)) / 1e6;
    const auto it = std::lower_bound(Bounds.begin(), Bounds.end(), secs);
    ++counts[size_t(it - Bounds.begin())];
    sumSecs += secs;
    ++count;
}

void LatencyHistogram::add(const LatencyHistogram &other) {
    for (size_t i = 0; i < counts.size(); ++i)
        counts[i] += other.counts[i];
    sumSecs += other.sumSecs;
    count += other.count;
}

size_t qHash(const RequestMetrics::RequestKey &key, size_t seed) {
    return qHashMulti(seed, key.route, key.status, key.reason);
}

RequestMetrics::RequestMetrics(int shards)
    : m_shards(size_t(std::max(1, shards))) {}

void RequestMetrics::record(const RequestEvent &e) {
    Shard &shard = m_shards[size_t(std::max(0, e.worker)) % m_shards.size()];
    QMutexLocker lock(&shard.mutex);
    ++shard.requests[RequestKey{e.route, e.status, e.reason}];
    shard.durationByRoute[e.route].observe(e.durationUs);
    if (e.idpUs > 0)
        shard.idp.observe(e.idpUs);
    if (e.upstreamUs >= 0)
        shard.upstream.observe(e.upstreamUs);
    if (!e.cache.isEmpty())
        ++shard.cacheOutcomes[e.cache];
    if (e.reason.startsWith("idp_"))
        ++shard.idpErrors;
}

void RequestMetrics::render(PrometheusText &out) const {
    QHash<RequestKey, quint64> requests;
    QHash<QByteArray, LatencyHistogram> durations;
    LatencyHistogram idp;
    LatencyHistogram upstream;
    QHash<QByteArray, quint64> cache;
    quint64 idpErrors = 0;
    for (const Shard &shard : m_shards) {
        QMutexLocker lock(&shard.mutex);
        for (auto it = shard.requests.cbegin(); it != shard.requests.cend(); ++it)
            requests[it.key()] += it.value();
        for (auto it = shard.durationByRoute.cbegin(); it != shard.durationByRoute.cend(); ++it)
            durations[it.key()].add(it.value());
        idp.add(shard.idp);
        upstream.add(shard.upstream);
        for (auto it = shard.cacheOutcomes.cbegin(); it != shard.cacheOutcomes.cend(); ++it)
            cache[it.key()] += it.value();
        idpErrors += shard.idpErrors;
    }

    out.family("tokengate_requests_total", "counter",
               "Requests answered, by route, status and reason id (empty: the upstream's answer)");
    // Sorted so that scrapes and diffs are stable.
    QList<RequestKey> keys = requests.keys();
    std::sort(keys.begin(), keys.end(), [](const RequestKey &a, const RequestKey &b) {
        return std::tie(a.route, a.status, a.reason) < std::tie(b.route, b.status, b.reason);
    });
    for (const RequestKey &k : keys) {
        out.sample("tokengate_requests_total",
                   {{"route", routeLabel(k.route)},
                    {"status", QByteArray::number(k.status)},
                    {"reason", k.reason}},
                   double(requests.value(k)));
    }

    out.family("tokengate_request_duration_seconds", "histogram",
               "Time from the request's first byte to the end of the response, by route");
    QList<QByteArray> routes = durations.keys();
    std::sort(routes.begin(), routes.end());
    for (const QByteArray &route : routes)
        renderHistogram(out, "tokengate_request_duration_seconds", {{"route", routeLabel(route)}},
                        durations.value(route));

    out.family("tokengate_idp_request_duration_seconds", "histogram",
               "Introspection calls to the IdP as seen by the request that made them");
    renderHistogram(out, "tokengate_idp_request_duration_seconds", {}, idp);
    out.family("tokengate_idp_errors_total", "counter",
               "Requests refused because the IdP could not answer (idp_* reasons)");
    out.sample("tokengate_idp_errors_total", double(idpErrors));

    out.family("tokengate_upstream_request_duration_seconds", "histogram",
               "Upstream exchanges, from sending the request to the end of the response");
    renderHistogram(out, "tokengate_upstream_request_duration_seconds", {}, upstream);

    out.family(
        "tokengate_token_checks_total", "counter",
        "Token checks by how they were answered: hit, miss, coalesced, negative, stale, redis");
    QList<QByteArray> outcomes = cache.keys();
    std::sort(outcomes.begin(), outcomes.end());
    for (const QByteArray &o : outcomes)
        out.sample("tokengate_token_checks_total", {{"outcome", o}}, double(cache.value(o)));
}

} // namespace Tokengate
