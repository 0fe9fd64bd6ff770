// SPDX-License-Identifier: Apache-2.0
#include "core/observe/requestmetrics.h"

#include "core/observe/accesslog.h"

#include "core/observe/idpevidence.h"
#include "core/observe/prometheustext.h"

#include <QByteArrayList>
#include <QMap>

#include <algorithm>
#include <string_view>
#include <tuple>

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

// The ids of the outcomes `pick` selects, comma separated.
template<typename Pick> QByteArray outcomeIds(Pick pick) {
    QByteArrayList ids;
    for (const CacheOutcomeInfo &o : CacheOutcomeTable) {
        if (o.outcome != CacheOutcome::None && pick(o))
            ids << o.id;
    }
    return ids.join(", ");
}

// The HELP texts say what is counted in the tables' own words, so they cannot drift.
QByteArray tokenChecksHelpText() {
    return "Token checks by how they were answered: " +
           outcomeIds([](const CacheOutcomeInfo &) { return true; }) + "; " +
           outcomeIds([](const CacheOutcomeInfo &o) { return o.cacheHit; }) +
           " are cache hits (tokengate_token_cache_hits_total)";
}

QByteArray cacheHitsHelpText() {
    return "Token checks a cache answered without waiting for any IdP call (outcomes " +
           outcomeIds([](const CacheOutcomeInfo &o) { return o.cacheHit; }) +
           "); over tokengate_token_checks_total, the hit ratio the desktop app charts";
}

QByteArray idpErrorsHelpText() {
    QByteArrayList ids;
    for (const ReasonInfo &r : ReasonTable) {
        if (isIdpOutage(r.reason))
            ids << r.id;
    }
    return "Token checks the IdP could not answer: refused with " + ids.join(", ") +
           ", or let in on a stale answer; /readyz and the desktop app judge the IdP alike";
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
    return qHashMulti(seed, key.route, key.status, int(key.reason));
}

RequestMetrics::RequestMetrics(int shards)
    : m_shards(size_t(std::max(1, shards))) {}

void RequestMetrics::record(const RequestEvent &e) {
    Shard &shard = m_shards[size_t(std::max(0, e.worker)) % m_shards.size()];
    QMutexLocker lock(&shard.mutex);
    ++shard.requests[RequestKey{e.route, e.status, e.reason}];
    // A WebSocket lives for minutes or hours: its life is not a request's latency.
    if (e.tunnelEnd.isEmpty())
        shard.durationByRoute[e.route].observe(e.durationUs);
    else
        ++shard.tunnelEnds[e.tunnelEnd];
    if (e.idpUs > 0)
        shard.idp.observe(e.idpUs);
    if (e.upstreamUs >= 0)
        shard.upstream.observe(e.upstreamUs);
    ++shard.cacheOutcomes[std::size_t(e.cache)];
    if (idpEvidence(e) == IdpEvidence::Down)
        ++shard.idpErrors;
}

void RequestMetrics::render(PrometheusText &out) const {
    QHash<RequestKey, quint64> requests;
    QHash<QByteArray, LatencyHistogram> durations;
    LatencyHistogram idp;
    LatencyHistogram upstream;
    std::array<quint64, std::size_t(CacheOutcome::Count)> cache{};
    quint64 idpErrors = 0;
    QMap<QByteArray, quint64> tunnelEnds; // sorted, so that scrapes and diffs are stable
    for (const Shard &shard : m_shards) {
        QMutexLocker lock(&shard.mutex);
        for (auto it = shard.requests.cbegin(); it != shard.requests.cend(); ++it)
            requests[it.key()] += it.value();
        for (auto it = shard.durationByRoute.cbegin(); it != shard.durationByRoute.cend(); ++it)
            durations[it.key()].add(it.value());
        idp.add(shard.idp);
        upstream.add(shard.upstream);
        for (std::size_t i = 0; i < cache.size(); ++i)
            cache[i] += shard.cacheOutcomes[i];
        idpErrors += shard.idpErrors;
        for (auto it = shard.tunnelEnds.cbegin(); it != shard.tunnelEnds.cend(); ++it)
            tunnelEnds[it.key()] += it.value();
    }

    out.family("tokengate_requests_total", "counter",
               "Requests answered, by route, status and reason id (empty: the upstream's answer)");
    // Sorted so that scrapes and diffs are stable.
    QList<RequestKey> keys = requests.keys();
    std::sort(keys.begin(), keys.end(), [](const RequestKey &a, const RequestKey &b) {
        return std::tuple(a.route, a.status, std::string_view(reasonId(a.reason))) <
               std::tuple(b.route, b.status, std::string_view(reasonId(b.reason)));
    });
    for (const RequestKey &k : keys) {
        out.sample("tokengate_requests_total",
                   {{"route", routeLabel(k.route)},
                    {"status", QByteArray::number(k.status)},
                    {"reason", reasonId(k.reason)}},
                   double(requests.value(k)));
    }

    if (m_accessLog) {
        out.family("tokengate_access_log_dropped_lines_total", "counter",
                   "Access log lines lost: the disk fell 16 MiB behind, or a write failed");
        out.sample("tokengate_access_log_dropped_lines_total", double(m_accessLog->droppedLines()));
    }

    out.family("tokengate_request_duration_seconds", "histogram",
               "Time from the request's first byte to the end of the response, by route");
    QList<QByteArray> routes = durations.keys();
    std::sort(routes.begin(), routes.end());
    for (const QByteArray &route : routes)
        renderHistogram(out, "tokengate_request_duration_seconds", {{"route", routeLabel(route)}},
                        durations.value(route));

    out.family("tokengate_tunnels_closed_total", "counter",
               "WebSockets ended, by who closed them: client, upstream, idle_timeout, gateway, "
               "token_expired, token_revoked, token_evicted");
    for (auto it = tunnelEnds.cbegin(); it != tunnelEnds.cend(); ++it)
        out.sample("tokengate_tunnels_closed_total", {{"closed_by", it.key()}}, double(it.value()));

    out.family("tokengate_idp_request_duration_seconds", "histogram",
               "Introspection calls to the IdP as seen by the request that made them");
    renderHistogram(out, "tokengate_idp_request_duration_seconds", {}, idp);
    static const QByteArray idpErrorsHelp = idpErrorsHelpText();
    out.family("tokengate_idp_errors_total", "counter", idpErrorsHelp);
    out.sample("tokengate_idp_errors_total", double(idpErrors));

    out.family("tokengate_upstream_request_duration_seconds", "histogram",
               "Upstream exchanges, from sending the request to the end of the response");
    renderHistogram(out, "tokengate_upstream_request_duration_seconds", {}, upstream);

    static const QByteArray checksHelp = tokenChecksHelpText();
    out.family("tokengate_token_checks_total", "counter", checksHelp);
    // By id, so that scrapes and diffs are stable.
    std::vector<CacheOutcome> outcomes;
    for (const CacheOutcomeInfo &o : CacheOutcomeTable) {
        if (o.outcome != CacheOutcome::None && cache[std::size_t(o.outcome)] > 0)
            outcomes.push_back(o.outcome);
    }
    std::sort(outcomes.begin(), outcomes.end(), [](CacheOutcome a, CacheOutcome b) {
        return std::string_view(cacheOutcomeId(a)) < std::string_view(cacheOutcomeId(b));
    });
    quint64 hits = 0;
    for (CacheOutcome o : outcomes) {
        out.sample("tokengate_token_checks_total", {{"outcome", cacheOutcomeId(o)}},
                   double(cache[std::size_t(o)]));
        if (isCacheHit(o))
            hits += cache[std::size_t(o)];
    }
    static const QByteArray hitsHelp = cacheHitsHelpText();
    out.family("tokengate_token_cache_hits_total", "counter", hitsHelp);
    out.sample("tokengate_token_cache_hits_total", double(hits));
}

} // namespace Tokengate
