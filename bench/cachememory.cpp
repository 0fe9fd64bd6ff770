// SPDX-License-Identifier: Apache-2.0
// How much memory an IntrospectionCache full of typical answers takes: fills one with N
// distinct entries (argv[1], default 1,000,000) and prints RSS before and after, so the
// per-entry cost (target: 1,000,000 entries in 512 MiB) and the cache's own byte estimate
// can be compared, then times find() hits. A measurement, not a test:
//   cmake --build <build> --target cachememory && <build>/bench/cachememory [N]
#include "core/cache/introspectioncache.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QFile>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

using namespace Tokengate;

namespace {

// A field of /proc/self/status ("VmRSS", "VmHWM") in KiB; -1 if unreadable.
qint64 statusKiB(const QByteArray &field) {
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray prefix = field + ':';
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith(prefix))
            return line.mid(prefix.size()).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

} // namespace

int main(int argc, char **argv) {
    const qint64 n = argc > 1 ? std::atoll(argv[1]) : 1'000'000;
    if (n <= 0) {
        std::fprintf(stderr, "usage: cachememory [entries > 0]\n");
        return 2;
    }
    const SystemClock &clock = SystemClock::instance();
    CacheSettings settings;
    settings.enabled = true;
    settings.ttlSecs = 3600;
    settings.maxEntries = 2'000'000;
    settings.maxBytes = 4LL << 30;
    IntrospectionCache cache(settings, clock);

    const qint64 rssBefore = statusKiB("VmRSS");
    const QByteArray now = QByteArray::number(clock.nowSecs());
    const QByteArray exp = QByteArray::number(clock.nowSecs() + 3600);
    for (qint64 i = 0; i < n; ++i) {
        const QByteArray number = QByteArray::number(i);
        const QByteArray json =
            "{\"active\":true,\"sub\":\"user-" + number +
            "\",\"client_id\":\"web-app\",\"scope\":\"read write profile\",\"exp\":" + exp +
            ",\"iat\":" + now +
            ",\"iss\":\"https://idp.example.com\",\"token_type\":\"Bearer\",\"aud\":[\"api\"]}";
        std::optional<IntrospectionResult> parsed = IntrospectionResult::fromJson(json, nullptr);
        if (!parsed) {
            std::fprintf(stderr, "cannot parse %s\n", json.constData());
            return 1;
        }
        const QByteArray token = "token-" + number;
        cache.storeActive(
            IntrospectionCache::key("https://idp.example.com/introspect", "tokengate", token),
            std::make_shared<const IntrospectionResult>(std::move(*parsed)),
            QByteArray::number(i, 16).rightJustified(8, '0').right(8));
    }
    const qint64 rssAfter = statusKiB("VmRSS");
    const qint64 hwm = statusKiB("VmHWM");
    const CacheStats stats = cache.stats();

    std::printf("entries requested   %lld\n", static_cast<long long>(n));
    std::printf("entries held        %lld (evictions %llu)\n",
                static_cast<long long>(stats.entries),
                static_cast<unsigned long long>(stats.evictions));
    std::printf("VmRSS before        %lld KiB\n", static_cast<long long>(rssBefore));
    std::printf("VmRSS after         %lld KiB (%.1f MiB)\n", static_cast<long long>(rssAfter),
                rssAfter / 1024.0);
    std::printf("VmHWM               %lld KiB (%.1f MiB)\n", static_cast<long long>(hwm),
                hwm / 1024.0);
    std::printf("measured bytes/entry %.0f\n", (rssAfter - rssBefore) * 1024.0 / double(n));
    std::printf("estimated bytes/entry %.0f (stats().bytes %lld)\n",
                double(stats.bytes) / double(stats.entries), static_cast<long long>(stats.bytes));

    // What the compact entries cost on the read path: each hit rebuilds the result.
    const qint64 lookups = std::min<qint64>(n, 200'000);
    QElapsedTimer timer;
    timer.start();
    qint64 fresh = 0;
    for (qint64 i = 0; i < lookups; ++i) {
        const QByteArray token = "token-" + QByteArray::number(i);
        fresh += cache
                     .find(IntrospectionCache::key("https://idp.example.com/introspect",
                                                   "tokengate", token))
                     .state == IntrospectionCache::State::Fresh;
    }
    std::printf("find() hit         %.2f us each (%lld of %lld fresh)\n",
                timer.nsecsElapsed() / 1000.0 / double(lookups), static_cast<long long>(fresh),
                static_cast<long long>(lookups));
    return fresh == lookups ? 0 : 1;
}
