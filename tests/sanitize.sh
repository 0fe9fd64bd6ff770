#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds the tests that run several worker threads with a sanitizer in a build directory of its
# own and runs them: [CC=.. CXX=.. BUILD_DIR=..] tests/sanitize.sh [thread|address|undefined]
# [test ...]. Only the listed
# test targets are built (the default set: the cache, Redis tier, reload, smuggling and
# property tests). Any sanitizer report fails the run (halt_on_error).
set -eu
kind=${1:-thread}
[ $# -gt 0 ] && shift
case $kind in
thread) dir="build-tsan" ;;
address) dir="build-asan" ;;
undefined) dir="build-ubsan" ;;
*) echo "usage: $0 [thread|address|undefined] [test ...]" >&2; exit 2 ;;
esac
src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$src/$dir}
tests=${*:-tst_cache tst_rediscache tst_reload tst_smuggling tst_forwardproperty}

# CC/CXX choose the compiler (with a BUILD_DIR of its own). By default gcc for thread: clang 14's
# TSan runtime aborts (CHECK failed: tsan_rtl.cpp:234) when QProcess forks redis-server; clang
# for the others.
if [ -n "${CXX:-}" ]; then cc=${CC:-cc} cxx=$CXX
elif [ "$kind" != thread ] && command -v clang++ >/dev/null; then cc=clang cxx=clang++
else cc=gcc cxx=g++; fi
launcher=
command -v ccache >/dev/null && launcher="-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
# shellcheck disable=SC2086 # $launcher is two words or none
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=$cc -DCMAKE_CXX_COMPILER=$cxx -DTOKENGATE_SANITIZE="$kind" $launcher >/dev/null
# shellcheck disable=SC2086 # one target a word
cmake --build "$build" -j"${JOBS:-2}" --target $tests

# die_after_fork=0: QProcess's child only execs (redis-server), it runs no code of ours.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 die_after_fork=0 suppressions=$src/tests/tsan.supp ${TSAN_OPTIONS:-}"
export ASAN_OPTIONS="halt_on_error=1 detect_leaks=0 ${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1 ${UBSAN_OPTIONS:-}"
regex=$(printf '%s' "$tests" | tr -s ' ' '|')
cd "$build" && ctest -R "^($regex)\$" --output-on-failure --timeout 900
