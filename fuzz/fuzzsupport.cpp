// SPDX-License-Identifier: Apache-2.0
#include "fuzz/fuzzsupport.h"

// Every harness gets a QCoreApplication before its first input: sockets, timers and deferred
// deletion need one, and creating it inside an input would count as that input's work.
extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    Tokengate::Fuzz::ensureApplication();
    return 0;
}
