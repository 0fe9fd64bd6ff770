// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/jwks.h"
#include "core/base/clock.h"
#include "core/http/upstreamsettings.h"

#include <QMutex>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

class QNetworkAccessManager;

namespace Tokengate {

class IntrospectionTicket;
class JwksFetcher;

// A request waiting for the issuer's keys to be fetched again. It lives in its worker's thread;
// `retry` runs there (queued through `context`) once the fetch has landed, unless cancelled.
struct JwksWaiter {
    ~JwksWaiter();
    QPointer<QObject> context;
    std::function<void()> retry;
    bool cancelled = false; // only touched in the waiter's thread
    // What the retry went on to wait for (an introspection), ended with this waiter.
    std::unique_ptr<IntrospectionTicket> next;
};

struct JwksStats {
    std::atomic<quint64> fetches{0};
    std::atomic<quint64> failures{0};
    std::atomic<int> keys{0};
};

// An issuer's signing keys as every worker sees them: read without a lock while unchanged
// (generation()), replaced whole when a fetch lands. Fetches are JwksFetcher's, in its thread.
class JwksKeys {
public:
    // `clock` is steady (the refetch interval must not stretch when the wall clock is set);
    // tests pass a ManualClock to cross the interval without waiting for it.
    JwksKeys(int refetchIntervalMs, const Clock &clock)
        : m_refetchIntervalMs(refetchIntervalMs)
        , m_clock(clock) {}

    quint64 generation() const { return m_generation.load(std::memory_order_acquire); }
    std::shared_ptr<const JwkSet> current() const;

    enum class Wait {
        Waiting, // `waiter` runs when the fetch in flight (maybe started now) lands
        TooSoon, // the last fetch is too recent: a token naming an unknown key is refused
        Newer,   // keys newer than `seenGeneration` have landed: judge the token with them
    };
    // A token names a key the set of `seenGeneration` lacks. A new fetch starts at most once
    // per refetch interval, so tokens with made-up kids cannot flood the IdP with calls.
    // A null `waiter` only asks for the fetch.
    Wait awaitFetch(std::shared_ptr<JwksWaiter> waiter, quint64 seenGeneration);
    // Why the last fetch failed; empty when it succeeded (or none was made yet).
    QString lastFailure() const;
    bool everFetched() const { return generation() > 0; }
    // The fetcher is gone (a reload replaced it): no fetch will ever land here again.
    bool retired() const;
    const JwksStats &stats() const { return m_stats; }

private:
    friend class JwksFetcher;
    void attach(JwksFetcher *fetcher);
    void detach();
    bool beginFetch(); // false when one is in flight already
    void land(std::optional<JwkSet> keys, const QString &failure);
    bool fetchAllowedLocked() const;
    void markFetchStartedLocked();

    const int m_refetchIntervalMs;
    const Clock &m_clock;
    mutable QMutex m_mutex;
    std::shared_ptr<const JwkSet> m_keys;
    std::atomic<quint64> m_generation{0};
    JwksFetcher *m_fetcher = nullptr; // null once it is gone: no more fetches
    bool m_fetching = false;
    bool m_fetchedOnce = false;
    qint64 m_lastFetchStartMs = 0;
    QString m_lastFailure;
    std::vector<std::shared_ptr<JwksWaiter>> m_waiters;
    JwksStats m_stats;
};

struct JwksSettings {
    QString uri;
    bool verifyTls = true; // as the upstreams'
    QString caFile;
    int timeoutMs = 5'000;
    int refreshSecs = 300;        // without a Cache-Control max-age
    int refetchIntervalSecs = 10; // the least time between two fetches
    // The fetch as the service's other calls to the IdP make it (TLS as for upstreams).
    UpstreamSettings tls() const {
        UpstreamSettings s;
        s.verifyTls = verifyTls;
        s.caFile = caFile;
        return s;
    }
    bool operator==(const JwksSettings &) const = default;
};

// Fetches an issuer's JWK Set into a JwksKeys: at start, every refresh period (the document's
// Cache-Control max-age when it asks for sooner, not below the refetch interval), and when a
// token names an unknown key. A failed fetch keeps the keys the gateway had.
class JwksFetcher : public QObject {
    Q_OBJECT
public:
    explicit JwksFetcher(JwksSettings settings, const Clock &clock = SteadyClock::instance(),
                         QObject *parent = nullptr);
    ~JwksFetcher() override;

    void start();
    const JwksSettings &settings() const { return m_settings; }
    const std::shared_ptr<JwksKeys> &keys() const { return m_keys; }

private:
    friend class JwksKeys;
    Q_INVOKABLE void fetch(); // JwksKeys has marked the fetch as begun
    void refresh();

    JwksSettings m_settings;
    std::shared_ptr<JwksKeys> m_keys;
    std::unique_ptr<QNetworkAccessManager> m_network;
    QTimer m_timer;
};

} // namespace Tokengate
