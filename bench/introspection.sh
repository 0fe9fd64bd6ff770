#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Introspection benchmark (not a test): nginx serves the origin, plain proxy_pass for
# reference, and a mock IdP (a fixed RFC 7662 answer). In one run, interleaved over ROUNDS
# rounds: wrk against nginx proxy_pass, and against tokengated (1 and 2 workers, HS256 JWT on,
# no cache) with a distinct token on every request, so each request costs one IdP call.
# Prints req/s, p50, p99, the ratio to nginx proxy_pass and IdP calls per request.
#   bench/introspection.sh            (ROUNDS=3 DURATION=5 by default)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_build tokengated
start_nginx
head -c 32 /dev/urandom | base64 > "$work/jwt.key"
tg1=$(free_port); tg2=$(free_port)
for w in 1 2; do
  port_var=tg$w
  "$tokengated" --listen 127.0.0.1:${!port_var} --upstream http://127.0.0.1:$origin \
    --introspection-url http://127.0.0.1:$idp/introspect --client-id bench \
    --jwt-header X-Jwt --jwt-secret-file "$work/jwt.key" --workers $w --access-log off \
    --log-level error 2>/dev/null & pids+=($!)
done
for p in $tg1 $tg2; do
  wait_port "$p" # wrk does not check statuses: make sure of 200 with a token, 401 without
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer check' "http://127.0.0.1:$p/index.html")
  [ "$code" = 200 ] || { echo "tokengated on $p answers $code, not 200" >&2; exit 1; }
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p/index.html")
  [ "$code" = 401 ] || { echo "tokengated on $p answers $code without a token, not 401" >&2; exit 1; }
done

declare -A calls
for round in $(seq "$ROUNDS"); do
  echo "round $round" >&2
  for c in 50 200; do
    run_wrk nginx-proxy_pass "$proxy" $c
    for w in 1 2; do
      port_var=tg$w; before=$(idp_calls)
      run_wrk "tokengated-${w}w-distinct" "${!port_var}" $c -s "$root/bench/tokens.lua"
      calls[$w,$c]=$(( ${calls[$w,$c]:-0} + $(idp_calls) - before ))
    done
  done
done

echo
echo "Distinct token per request (each introspected; mock IdP = nginx return 200), median of"
echo "$ROUNDS interleaved rounds of ${DURATION}s (wrk -t2, loopback, 2 cores shared by all)"
print_table nginx-proxy_pass tokengated-1w-distinct tokengated-2w-distinct
echo
for w in 1 2; do for c in 50 200; do
  echo "tokengated-${w}w c=$c: $(awk -v n="${calls[$w,$c]}" -v q="${reqs[tokengated-${w}w-distinct,$c]}" 'BEGIN{printf "%.3f", n/q}') IdP calls per completed request"
done; done
