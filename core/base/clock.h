// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QDateTime>

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

} // namespace Tokengate
