// SPDX-License-Identifier: Apache-2.0
#include "core/auth/jwkssource.h"

#include "core/auth/jsonfetch.h"
#include "core/auth/tokenintrospector.h"
#include "core/base/threadhandoff.h"
#include "core/http/upstreamtarget.h"
#include "core/observe/logging.h"

#include <QNetworkAccessManager>
#include <QNetworkProxy>

namespace Tokengate {

JwksWaiter::~JwksWaiter() = default;

namespace {

// Each waiter judges its token again, in its own worker's thread, outside every lock here.
void retryIn(std::vector<std::shared_ptr<JwksWaiter>> waiters) {
    for (auto &waiter : waiters) {
        QObject *context = waiter->context.data();
        if (!context)
            continue; // its worker is gone
        ThreadHandoff::sent(waiter.get());
        // Moved, not copied: the last owner must be the worker's call, so that the waiter
        // (and the tickets it holds) ends in the worker's thread.
        QMetaObject::invokeMethod(
            context,
            [w = std::move(waiter)] {
                ThreadHandoff::received(w.get());
                if (!w->cancelled)
                    w->retry();
            },
            Qt::QueuedConnection);
    }
}

} // namespace

std::shared_ptr<const JwkSet> JwksKeys::current() const {
    QMutexLocker locker(&m_mutex);
    return m_keys;
}

QString JwksKeys::lastFailure() const {
    QMutexLocker locker(&m_mutex);
    return m_lastFailure;
}

bool JwksKeys::retired() const {
    QMutexLocker locker(&m_mutex);
    return !m_fetcher;
}

bool JwksKeys::fetchAllowedLocked() const {
    return !m_fetchedOnce || m_clock.nowMs() - m_lastFetchStartMs >= m_refetchIntervalMs;
}

JwksKeys::Wait JwksKeys::awaitFetch(std::shared_ptr<JwksWaiter> waiter, quint64 seenGeneration) {
    QMutexLocker locker(&m_mutex);
    // A fetch may have landed since the token was judged: the refetch interval would refuse
    // the token for want of keys that are already here.
    if (m_generation.load(std::memory_order_relaxed) != seenGeneration)
        return Wait::Newer;
    if (!m_fetcher)
        return Wait::TooSoon;
    if (!m_fetching) {
        if (!fetchAllowedLocked())
            return Wait::TooSoon;
        markFetchStartedLocked();
        // Under the lock: the fetcher cannot be destroyed meanwhile (detach() takes it), and a
        // call queued for an object destroyed later is dropped by Qt.
        QMetaObject::invokeMethod(m_fetcher, &JwksFetcher::fetch, Qt::QueuedConnection);
    }
    if (waiter) // none: a fetch for later callers, with no one waiting now
        m_waiters.push_back(std::move(waiter));
    return Wait::Waiting;
}

void JwksKeys::attach(JwksFetcher *fetcher) {
    QMutexLocker locker(&m_mutex);
    m_fetcher = fetcher;
}

void JwksKeys::detach() {
    std::vector<std::shared_ptr<JwksWaiter>> waiters;
    {
        QMutexLocker locker(&m_mutex);
        m_fetcher = nullptr;
        m_fetching = false;
        // Not the tokens' fault: a replaced key source answers 503 to those it kept waiting.
        m_lastFailure = QStringLiteral("the key source was replaced");
        waiters.swap(m_waiters);
    }
    retryIn(std::move(waiters)); // no fetch will land: they find fetching impossible
}

bool JwksKeys::beginFetch() {
    QMutexLocker locker(&m_mutex);
    if (m_fetching)
        return false;
    markFetchStartedLocked();
    return true;
}

void JwksKeys::markFetchStartedLocked() {
    m_fetching = true;
    m_fetchedOnce = true;
    m_lastFetchStartMs = m_clock.nowMs();
}

void JwksKeys::land(std::optional<JwkSet> keys, const QString &failure) {
    std::vector<std::shared_ptr<JwksWaiter>> waiters;
    {
        QMutexLocker locker(&m_mutex);
        m_fetching = false;
        m_lastFailure = failure;
        if (keys) {
            m_stats.keys.store(int(keys->size()), std::memory_order_relaxed);
            m_keys = std::make_shared<const JwkSet>(std::move(*keys));
            m_generation.fetch_add(1, std::memory_order_release);
        }
        waiters.swap(m_waiters);
    }
    retryIn(std::move(waiters));
}

JwksFetcher::JwksFetcher(JwksSettings settings, const Clock &clock, QObject *parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_keys(std::make_shared<JwksKeys>(m_settings.refetchIntervalSecs * 1000, clock)) {
    m_keys->attach(this);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &JwksFetcher::refresh);
}

JwksFetcher::~JwksFetcher() {
    m_keys->detach();
}

void JwksFetcher::start() {
    refresh();
}

void JwksFetcher::refresh() {
    if (m_keys->beginFetch())
        fetch();
}

void JwksFetcher::fetch() {
    if (!m_network) {
        m_network = std::make_unique<QNetworkAccessManager>();
        m_network->setProxy(QNetworkProxy::NoProxy); // like every other call we make
    }
    const QPointer<JwksFetcher> self(this);
    fetchJsonDocument(
        *m_network, m_settings.uri, m_settings.tls(), m_settings.timeoutMs,
        [self](const std::optional<JsonDocument> &document, QString why) {
            if (!self)
                return;
            JwksFetcher &f = *self;
            std::optional<JwkSet> keys;
            QStringList skipped;
            if (document) {
                keys = JwkSet::parse(document->object, &skipped, &why);
                if (!keys)
                    why = UpstreamTarget::redacted(f.m_settings.uri) + QStringLiteral(": ") + why;
            }
            JwksStats &stats = f.m_keys->m_stats;
            stats.fetches.fetch_add(1, std::memory_order_relaxed);
            if (!keys)
                stats.failures.fetch_add(1, std::memory_order_relaxed);
            if (keys && !skipped.isEmpty())
                qCInfo(lcAuth).noquote() << "JWKS: keys left out:" << skipped.mid(0, 8).join(u"; ")
                                         << (skipped.size() > 8 ? "(and more)" : "");
            if (!keys)
                qCWarning(lcAuth).noquote()
                    << "JWKS fetch failed, keeping the keys known before:" << why;
            const int refetchSecs = f.m_settings.refetchIntervalSecs;
            int nextSecs = refetchSecs;
            if (keys) {
                const std::optional<int> maxAge = document->maxAgeSecs;
                // The IdP may ask for sooner, never for later than the operator's period: a
                // withdrawn key must not stay trusted for a day.
                nextSecs = maxAge ? std::clamp(*maxAge, refetchSecs,
                                               std::max(refetchSecs, f.m_settings.refreshSecs))
                                  : f.m_settings.refreshSecs;
            }
            const QString failure = keys ? QString() : why;
            f.m_keys->land(std::move(keys), failure);
            f.m_timer.start(std::chrono::seconds(nextSecs));
        });
}

} // namespace Tokengate
