// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/base/clock.h"

#include <atomic>

namespace Tokengate {

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
