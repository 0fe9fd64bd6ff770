// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QDateTime>

#include <atomic>

namespace Tokengate {

// Wall-clock time in milliseconds since the epoch (token exp/nbf are wall-clock seconds).
// Injected so the cache and the decision can be tested at exact boundaries.
class Clock {
public:
    virtual ~Clock() = default;
    virtual qint64 nowMs() const = 0;
    qint64 nowSecs() const { return nowMs() / 1000; }
};

class SystemClock : public Clock {
public:
    qint64 nowMs() const override { return QDateTime::currentMSecsSinceEpoch(); }
    static const SystemClock &instance() {
        static const SystemClock clock;
        return clock;
    }
};

// A clock tests move by hand; thread-safe so worker threads may read it.
class ManualClock : public Clock {
public:
    explicit ManualClock(qint64 startMs = 1'800'000'000'000)
        : m_now(startMs) {}
    qint64 nowMs() const override { return m_now.load(); }
    void setMs(qint64 ms) { m_now.store(ms); }
    void advanceMs(qint64 ms) { m_now.fetch_add(ms); }

private:
    std::atomic<qint64> m_now;
};

} // namespace Tokengate
