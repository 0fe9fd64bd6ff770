// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <utility>
#include <vector>

namespace Tokengate::ThreadCleanup {

// What a thread must release before it stops using OpenSSL (OPENSSL_thread_stop). Its
// thread_local objects are destroyed only after QThread::wait() has returned, which at process
// exit races with OPENSSL_cleanup(): OpenSSL objects kept per thread register their release
// here, and a worker thread runs the list on its way out (WorkerThread::run).
inline std::vector<std::function<void()>> &hooks() {
    thread_local std::vector<std::function<void()>> list;
    return list;
}

inline void add(std::function<void()> release) {
    hooks().push_back(std::move(release));
}

inline void run() {
    auto list = std::exchange(hooks(), {});
    for (const auto &release : list)
        release();
}

} // namespace Tokengate::ThreadCleanup
