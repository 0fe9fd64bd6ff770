// SPDX-License-Identifier: Apache-2.0
#pragma once

// Queued calls reach another thread through Qt's event queue, whose lock lives in a QtCore
// that is not built for ThreadSanitizer, so TSan cannot see that the posting thread's writes
// happen before the call runs. These say so at each hand-off; they compile to nothing unless
// the build is sanitized (TOKENGATE_SANITIZE=thread).
#if defined(__SANITIZE_THREAD__)
#define TOKENGATE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TOKENGATE_TSAN 1
#endif
#endif

#ifdef TOKENGATE_TSAN
extern "C" void __tsan_acquire(void *addr);
extern "C" void __tsan_release(void *addr);
#endif

namespace Tokengate::ThreadHandoff {

// Before posting: everything this thread wrote is visible to whoever calls received(`token`).
inline void sent([[maybe_unused]] const void *token) {
#ifdef TOKENGATE_TSAN
    __tsan_release(const_cast<void *>(token));
#endif
}
// First thing in the posted call, with the token the sender used.
inline void received([[maybe_unused]] const void *token) {
#ifdef TOKENGATE_TSAN
    __tsan_acquire(const_cast<void *>(token));
#endif
}

} // namespace Tokengate::ThreadHandoff
