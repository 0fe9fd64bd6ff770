#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What the product's defaults cost (not a test): one hot cached token, HS256 JWT, 2 workers,
# against nginx proxy_pass, in one run, interleaved over ROUNDS rounds, at each wrk shape:
#   tokengated            the defaults: access log (JSON, to a file) and metrics on
#   tokengated-log-off    --access-log off
#   tokengated-no-metrics --admin-listen off (nothing can read metrics then: none are kept)
#   tokengated-bare       both off
# Prints requests/s, p99 and their ratios to nginx, the gateway's CPU per request (user + sys
# from /proc: it barely moves when the client shares the cores) and what each feature costs.
#   bench/features.sh      (SHAPES="1x50 2x64 2x256" ROUNDS=3 DURATION=5)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
SHAPES=${SHAPES:-1x50 2x64 2x256} # wrk threads x connections
bench_build tokengated
start_nginx
head -c 32 /dev/urandom | base64 > "$work/jwt.key"
declare -A pid port extra
extra[tokengated]="--access-log $work/access.log"
extra[tokengated-log-off]="--access-log off"
extra[tokengated-no-metrics]="--access-log $work/access-nm.log --admin-listen off"
extra[tokengated-bare]="--access-log off --admin-listen off"
gateways=(tokengated tokengated-log-off tokengated-no-metrics tokengated-bare)
targets=(nginx-proxy_pass "${gateways[@]}")
port[nginx-proxy_pass]=$proxy
for g in "${gateways[@]}"; do
  port[$g]=$(free_port)
  read -r -a args <<<"${extra[$g]}"
  "$tokengated" --listen 127.0.0.1:"${port[$g]}" --upstream http://127.0.0.1:$origin \
    --introspection-url "http://127.0.0.1:$idp/introspect" --client-id bench --cache-ttl 300 \
    --jwt-header X-Jwt --jwt-secret-file "$work/jwt.key" --workers 2 --log-level error \
    "${args[@]}" 2>/dev/null & pids+=($!)
  pid[$g]=$!
  wait_port "${port[$g]}"
done
for round in $(seq "$ROUNDS"); do
  for shape in $SHAPES; do
    for t in "${targets[@]}"; do
      measure_shape "$t,$shape" "$shape" "${port[$t]}" "${pid[$t]:-}"
      echo "  round $round $shape $t: $r req/s" >&2
    done
  done
done
lines=$(wc -l < "$work/access.log")

echo
echo "Medians of $ROUNDS interleaved rounds of ${DURATION}s (hot token, HS256 JWT, 2 workers); ratios to nginx proxy_pass"
printf '%6s %-22s %10s %9s %9s %9s %12s\n' wrk target req/s p99_ms ratio p99_ratio us_cpu/req
for shape in $SHAPES; do
  base=$(median <<<"${rps[nginx-proxy_pass,$shape]}"); base99=$(median <<<"${p99[nginx-proxy_pass,$shape]}")
  for t in "${targets[@]}"; do
    key=$t,$shape
    r=$(median <<<"${rps[$key]}"); l=$(median <<<"${p99[$key]}")
    c=$([ -n "${cpu[$key]:-}" ] && median <<<"${cpu[$key]}" || echo -)
    printf '%6s %-22s %10.0f %9.3f %9.2f %9.2f %12s\n' "$shape" "$t" "$r" "$l" \
      "$(ratio "$r" "$base")" "$(ratio "$l" "$base99")" "$c"
  done
done
echo
echo "What a feature costs: requests/s and CPU per request with it on, relative to off"
for shape in $SHAPES; do
  for pair in "access log:tokengated:tokengated-log-off" "metrics:tokengated:tokengated-no-metrics" \
    "both:tokengated:tokengated-bare"; do
    IFS=: read -r what on off <<<"$pair"
    r_on=$(median <<<"${rps[$on,$shape]}"); r_off=$(median <<<"${rps[$off,$shape]}")
    c_on=$(median <<<"${cpu[$on,$shape]}"); c_off=$(median <<<"${cpu[$off,$shape]}")
    awk -v s="$shape" -v w="$what" -v a="$r_on" -v b="$r_off" -v c="$c_on" -v d="$c_off" \
      'BEGIN {printf "%6s %-11s req/s %+6.1f %%   CPU/request %+6.1f %%\n", s, w, (a/b-1)*100, (c/d-1)*100}'
  done
done
echo "access log lines written by the default gateway: $lines"
