// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QDateTime>
#include <QDeadlineTimer>

namespace Tokengate {

// Time in milliseconds: wall-clock since the epoch from SystemClock (token exp/nbf are
// wall-clock seconds), monotonic from SteadyClock (deadlines). Injected so the cache, the
// decision and the timeouts can be tested at exact boundaries without waiting.
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

// Never steps when the wall clock is set, so a timeout is never cut short or stretched.
class SteadyClock : public Clock {
public:
    qint64 nowMs() const override { return QDeadlineTimer::current().deadline(); }
    static const SteadyClock &instance() {
        static const SteadyClock clock;
        return clock;
    }
};

} // namespace Tokengate
