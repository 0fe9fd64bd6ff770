#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds Tokengate with sanitizers in a build directory of its own and runs tests under them;
# any report fails the run. `.ci/quickstart test` runs both stages after the normal suite:
#   tests/sanitize.sh address,undefined  ASan + UBSan + LeakSanitizer (clang), every test
#                                        but the packaging ones (below), in build-asan
#   tests/sanitize.sh thread             TSan (gcc) on the threaded tests, in build-tsan
# Or chosen test targets only: tests/sanitize.sh KIND tst_a tst_b ... (KIND: address,
# undefined, address,undefined or thread). CC, CXX, BUILD_DIR and JOBS override the defaults.
set -eu
kind=${1:-thread}
[ $# -gt 0 ] && shift
src=$(cd "$(dirname "$0")/.." && pwd)
case $kind in
thread) dir=build-tsan ;;
address) dir=build-asan-only ;;
undefined) dir=build-ubsan ;;
address,undefined) dir=build-asan ;;
*) echo "usage: $0 [thread|address|undefined|address,undefined] [test ...]" >&2; exit 2 ;;
esac
build=${BUILD_DIR:-$src/$dir}
started=$(date +%s)

# The threaded tests: workers and coalesced flights (tst_cache, tst_proxy's two workers), the
# cache under several threads (tst_introspectioncache), reload under load (tst_reload, and the
# real daemon's SIGHUP under load in tst_daemon, hence tokengated), the Redis tier, and the
# smuggling and property tests across workers, the access log's writer thread, and HTTPS
# (tst_tlslistener: one TLS context and session cache shared by the workers). Not
# tst_jwtvalidation: QNetworkAccessManager's own thread (the JWK Set fetch) hands objects over
# inside QtCore in ways no Qt-frame suppression names; the hand-off to the workers is the same
# queued call as the introspection flights', which tst_cache covers.
threaded="tst_cache tst_introspectioncache tst_reload tst_daemon tokengated tst_rediscache tst_tlslistener
  tst_proxy tst_smuggling tst_forwardproperty tst_logfilewriter"
# Not under ASan: the packaging tests check what cpack, dpkg, rpm, lintian, appstream and
# systemd-analyze make of the built tree, none of it code of ours; the one tokengated run
# in installer_packages is a demo request that tst_daemon covers. They take about two minutes.
not_under_asan='^installer_'

# CC/CXX choose the compiler (with a BUILD_DIR of its own). By default gcc for thread: clang 14's
# TSan runtime aborts (CHECK failed: tsan_rtl.cpp:234) when QProcess forks redis-server; clang
# for the others.
if [ -n "${CXX:-}" ]; then cc=${CC:-cc} cxx=$CXX
elif [ "$kind" != thread ]; then cc=clang cxx=clang++
else cc=gcc cxx=g++; fi
launcher=
command -v ccache >/dev/null && launcher="-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
# Line tables only (-g1): stacks in reports have file:line. ASan and UBSan at -O0: the
# whole build costs 40 % of the CPU time -O2 -g does, and the suite, mostly waiting on
# sockets and timers, takes no longer. TSan at -O1, its usual level: it slows every memory
# access, and its build is small. Debug also leaves out _FORTIFY_SOURCE.
opt=-O0
[ "$kind" = thread ] && opt=-O1
# The ASan+UBSan directory with clang also holds the libFuzzer harnesses (target fuzz, not
# built here; fuzz/run.sh with BUILD_DIR=build-asan builds and runs them): they link the same
# instrumented core the tests do, so fuzzing in CI costs only the harnesses' own objects.
fuzz=
[ "$kind" = address,undefined ] && case $cxx in *clang*) fuzz=-DTOKENGATE_FUZZ=ON ;; esac
# Precompiled Qt headers (TOKENGATE_PCH); ccache reuses what includes them only when told to
# hash the .pch rather than refuse it for its defines and timestamps.
export CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"
# shellcheck disable=SC2086 # $launcher is two words or none, $fuzz one or none
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="$opt -g1" \
  -DCMAKE_CXX_FLAGS_DEBUG="$opt -g1" -DCMAKE_C_COMPILER=$cc -DCMAKE_CXX_COMPILER=$cxx \
  -DTOKENGATE_SANITIZE="$kind" -DTOKENGATE_PCH=ON $fuzz $launcher >/dev/null

if [ $# -gt 0 ]; then tests=$*
elif [ "$kind" = thread ]; then tests=$threaded
else tests=; fi
if [ -n "$tests" ]; then
  # shellcheck disable=SC2086 # one target a word
  cmake --build "$build" -j"${JOBS:-2}" --target $tests
  select="-R ^($(echo $tests | tr ' ' '|'))\$"
else
  cmake --build "$build" -j"${JOBS:-2}"
  select="-E $not_under_asan"
fi
echo "sanitize.sh $kind: built in $(($(date +%s) - started)) s"

# halt_on_error: the first report ends the process, so the test fails. The child processes
# tests start (tokengated, redis-server, node) inherit these; only ours read them.
# die_after_fork=0: QProcess's child only execs (redis-server), it runs no code of ours.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 die_after_fork=0 suppressions=$src/tests/tsan.supp ${TSAN_OPTIONS:-}"
export ASAN_OPTIONS="halt_on_error=1 detect_leaks=1 detect_stack_use_after_return=1 check_initialization_order=1 strict_init_order=1 ${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1 ${UBSAN_OPTIONS:-}"
# shellcheck disable=SC2086 # $select is two words
cd "$build"
started=$(date +%s)
status=0
ctest $select -j"${JOBS:-2}" --output-on-failure --timeout 900 || status=$?
echo "sanitize.sh $kind: tests ran in $(($(date +%s) - started)) s"
exit $status
