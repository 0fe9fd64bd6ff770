#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds and runs the libFuzzer harnesses (fuzz/README.md).
#   fuzz/run.sh ci [seconds]        each harness for a fixed time (default 20 s) on the
#                                   committed corpus; fails on any crash, leak, UBSan report,
#                                   timeout or out-of-memory
#   fuzz/run.sh campaign [scale]    the long campaign: 10 million executions per parser harness,
#                                   1 million for the others (times `scale`, default 1), one
#                                   process at a time; prints executions, crashes and coverage
#                                   (HARNESSES="a b" runs only those)
#   fuzz/run.sh repro <harness> <input...>   runs inputs once (a crash file, a corpus entry)
#   fuzz/run.sh build               only builds
# BUILD_DIR (default build-fuzz) holds the instrumented build; new corpus entries and crash
# files go under it, never into fuzz/corpus.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build-fuzz}
mode=${1:-}

# Wire formats and values read from the network: 10 million executions each in a campaign.
parsers=(request_stream forward_differential response_stream introspection discovery jwt_validation
  redis_entry token_extraction form_encoding route_path cors_policy trusted_proxies
  websocket_frames client_hello client_certificate)
# Files read at start-up and harnesses that run the event loop (a socket pair; YAML and config
# validation for every input): 1 million.
others=(http_connection config_yaml eg_import dotenv)

dict_of() {
  case $1 in
  request_stream | forward_differential | response_stream | http_connection | token_extraction)
    echo "$root/fuzz/dict/http.dict" ;;
  introspection | discovery | redis_entry | jwt_validation) echo "$root/fuzz/dict/json.dict" ;;
  config_yaml | eg_import | dotenv) echo "$root/fuzz/dict/yaml.dict" ;;
  *) echo "" ;;
  esac
}

build_harnesses() {
  local launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DTOKENGATE_FUZZ=ON \
      -DTOKENGATE_BUILD_TESTS=OFF "${launcher[@]}" >/dev/null
  fi
  mkdir -p "$build/logs"
  cmake --build "$build" -j"${JOBS:-2}" --target fuzz >"$build/logs/build.log" 2>&1 ||
    { tail -40 "$build/logs/build.log" >&2; return 1; }
}

# halt_on_error: any UBSan report is a failure, not a line in a log.
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
export QT_QPA_PLATFORM=offscreen

# run <harness> <log> <libFuzzer options...>: new corpus entries go to $build/corpus/<harness>.
run() {
  local h=$1 log=$2
  shift 2
  local work="$build/corpus/$h" crashes="$build/crashes"
  mkdir -p "$work" "$crashes"
  local dict opts=()
  dict=$(dict_of "$h")
  [ -n "$dict" ] && opts+=("-dict=$dict")
  "$build/fuzz/fuzz_$h" "${opts[@]}" -error_exitcode=77 -timeout=25 -timeout_exitcode=78 \
    -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$crashes/$h-" "$@" \
    "$work" "$root/fuzz/corpus/$h" >"$log" 2>&1
}

# "executions cov ft" from libFuzzer's last status line and final stats.
figures() {
  local log=$1 execs cov ft
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$({ grep -o 'cov: [0-9]*' "$log" || true; } | tail -1 | cut -d' ' -f2)
  ft=$({ grep -o 'ft: [0-9]*' "$log" || true; } | tail -1 | cut -d' ' -f2)
  echo "${execs:-0} ${cov:-0} ${ft:-0}"
}

report() { # harness rc log seconds; libFuzzer stops at the first crash, so 0 or 1
  local h=$1 rc=$2 log=$3 secs=$4 execs cov ft crashes=0 status=ok
  read -r execs cov ft < <(figures "$log") || true
  [ "$rc" -ne 0 ] && crashes=1 status="FAILED (exit $rc, see $log)"
  printf '%-21s %10s execs %6ss  crashes %s  cov %5s  ft %6s  %s\n' \
    "$h" "$execs" "$secs" "$crashes" "$cov" "$ft" "$status"
}

case $mode in
build) build_harnesses ;;
ci)
  seconds=${2:-20}
  build_harnesses
  mkdir -p "$build/logs"
  failed=0
  for h in "${parsers[@]}" "${others[@]}"; do
    log="$build/logs/ci-$h.log"
    start=$SECONDS
    rc=0
    run "$h" "$log" -max_total_time="$seconds" || rc=$?
    report "$h" "$rc" "$log" $((SECONDS - start))
    [ "$rc" -eq 0 ] || { failed=1; grep -m1 -E 'ERROR|invariant failed|runtime error' "$log" || true; }
  done
  exit $failed
  ;;
campaign)
  scale=${2:-1}
  build_harnesses
  mkdir -p "$build/logs"
  failed=0
  echo "campaign $(date -u +%FT%TZ), $(git -C "$root" rev-parse --short HEAD)"
  read -r -a chosen <<<"${HARNESSES:-${parsers[*]} ${others[*]}}"
  for h in "${chosen[@]}"; do
    runs=1000000
    [[ " ${parsers[*]} " == *" $h "* ]] && runs=10000000
    runs=$((runs * scale))
    log="$build/logs/campaign-$h.log"
    start=$SECONDS
    rc=0
    run "$h" "$log" -runs="$runs" || rc=$?
    report "$h" "$rc" "$log" $((SECONDS - start))
    [ "$rc" -eq 0 ] || failed=1
  done
  echo "crash, leak and UBSan reports: $(find "$build/crashes" -type f | wc -l) files in $build/crashes"
  exit $failed
  ;;
repro)
  h=${2:?usage: $0 repro <harness> <input...>}
  shift 2
  [ -x "$build/fuzz/fuzz_$h" ] || build_harnesses
  exec "$build/fuzz/fuzz_$h" "$@"
  ;;
*)
  sed -n '3,14p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
