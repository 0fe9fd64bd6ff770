#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Introspection cache benchmark (not a test). In one run, interleaved over ROUNDS rounds:
# nginx proxy_pass (no auth) for reference, and tokengated (2 workers, cache on, HS256 JWT,
# access log to a file, metrics) with one hot token, and with 1,000 and 100,000 tokens
# round-robin after a warm-up. Then a burst: 200 connections at once with one new token
# against a slow mock IdP (300 ms), counting IdP calls; then the memory of 1,000,000 cache
# entries (build/bench/cachememory). The token rows' wrk runs a Lua function per request, which
# costs the client more CPU than a fixed header: their ratios are to nginx driven by the same
# script (nginx-proxy_pass-lua), and the gateway's CPU time per request is printed beside them.
#   bench/cache.sh            (ROUNDS=3 DURATION=5 ENTRIES=1000000 by default)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ENTRIES=${ENTRIES:-1000000}
bench_build tokengated cachememory
start_nginx
head -c 32 /dev/urandom | base64 > "$work/jwt.key"
gateway() { # PORT IDP_URL: tokengated with the cache on
  "$tokengated" --listen 127.0.0.1:"$1" --upstream http://127.0.0.1:$origin \
    --introspection-url "$2" --client-id bench --cache-ttl 3600 \
    --jwt-header X-Jwt --jwt-secret-file "$work/jwt.key" --workers 2 \
    --access-log "$work/access-$1.log" --cache-max-entries 200000 \
    --log-level error 2>/dev/null & pids+=($!)
  wait_port "$1"
}
tg=$(free_port)
gateway "$tg" "http://127.0.0.1:$idp/introspect"
tg_pid=$!
# cpu_wrk NAME ARGS...: run_wrk, adding the gateway's CPU time per request to cpu_us[NAME,C].
declare -A cpu_us
cpu_wrk() {
  local name=$1 c=$3 before done_before
  before=$(ticks "$tg_pid"); done_before=${reqs[$name,$c]:-0}
  run_wrk "$@"
  cpu_us[$name,$c]+="$(awk -v t=$(( $(ticks "$tg_pid") - before )) -v hz="$hz" \
    -v n=$(( reqs[$name,$c] - done_before )) 'BEGIN {printf "%.1f", n ? t / hz * 1e6 / n : 0}') "
}
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer hot' "http://127.0.0.1:$tg/index.html")
[ "$code" = 200 ] || { echo "tokengated answers $code, not 200" >&2; exit 1; }
# Warm-up: every one of the 100,000 tokens introspected once (1,000 of them are the first).
warm_before=$(idp_calls)
# Each step starts where the previous one stopped (START: per thread), so that every step
# asks for tokens not introspected yet.
start=0
for _ in $(seq 120); do # at most 6 minutes
  done_now=$(START=$start TOKENS=100000 wrk -t2 -c50 -d3s -s "$root/bench/tokens.lua" \
    "http://127.0.0.1:$tg/index.html" | awk '/requests in/ {print $1}')
  start=$(( start + done_now / 2 ))
  (( $(idp_calls) - warm_before >= 100000 )) && break
done
echo "warm-up: $(( $(idp_calls) - warm_before )) tokens introspected" >&2

calls_before=$(idp_calls)
for round in $(seq "$ROUNDS"); do
  echo "round $round" >&2
  for c in 50 200; do
    run_wrk nginx-proxy_pass "$proxy" $c
    TOKENS=1000 run_wrk nginx-proxy_pass-lua "$proxy" $c -s "$root/bench/tokens.lua"
    cpu_wrk tokengated-hot-token "$tg" $c -H 'Authorization: Bearer hot'
    TOKENS=1000 cpu_wrk tokengated-1000-tokens "$tg" $c -s "$root/bench/tokens.lua"
    TOKENS=100000 cpu_wrk tokengated-100000-tokens "$tg" $c -s "$root/bench/tokens.lua"
  done
done
calls_during=$(( $(idp_calls) - calls_before ))

echo
echo "Cached introspection (TTL 300 s), median of $ROUNDS interleaved rounds of ${DURATION}s"
echo "(wrk -t2, loopback, 2 cores shared by all; tokengated 2 workers with HS256 JWT)"
print_table nginx-proxy_pass tokengated-hot-token
echo "The token rows against nginx driven by the same Lua script:"
print_table nginx-proxy_pass-lua tokengated-1000-tokens tokengated-100000-tokens
echo "The gateway's CPU time per request (µs, median):"
for c in 50 200; do
  for name in tokengated-hot-token tokengated-1000-tokens tokengated-100000-tokens; do
    printf '  %-26s c=%-4s %s\n' "$name" "$c" "$(median <<<"${cpu_us[$name,$c]}")"
  done
done
echo "IdP calls during the measured rounds: $calls_during"

slow=$(free_port); tgs=$(free_port)
perl "$root/bench/slowidp.pl" "$slow" "$work/slow.log" 300 & pids+=($!)
wait_port "$slow"
gateway "$tgs" "http://127.0.0.1:$slow/introspect"
wrk -t2 -c200 -d2s -H "Authorization: Bearer burst-$RANDOM$RANDOM" "http://127.0.0.1:$tgs/index.html" > "$work/burst.out"
if grep -q Non-2xx "$work/burst.out"; then cat "$work/burst.out" >&2; exit 1; fi
echo
echo "Burst: 200 connections, one new token, IdP answering in 300 ms:" \
  "$(awk '/requests in/ {print $1}' "$work/burst.out") requests," \
  "$(wc -l < "$work/slow.log") IdP call(s)"

echo
"$build/bench/cachememory" "$ENTRIES"
