#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Idle keep-alive connections (not a test): throughput while N idle client connections stay
# open to each target (bench/idleclients.py), for nginx proxy_pass and tokengated (cached
# hot token, HS256 JWT, 2 workers, access log to a file, metrics) on each event dispatcher. Prints, per idle
# count and wrk shape, requests/s, p99, the ratio to nginx in the same run and the gateway's
# CPU time per request (user + sys from /proc, which barely moves on a shared machine), and how
# much the gateway's RSS grew per idle connection.
#   bench/idle.sh          (IDLE="0 1000 4000" DISPATCHERS="epoll qt" ROUNDS=3 DURATION=5)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
IDLE=${IDLE:-0 1000 4000}
DISPATCHERS=${DISPATCHERS:-epoll qt}
SHAPES=${SHAPES:-1x50 2x64} # wrk threads x connections
export NGINX_WORKER_CONNECTIONS=20000
bench_build tokengated
start_nginx
head -c 32 /dev/urandom | base64 > "$work/jwt.key"
declare -A pid port
targets=(nginx-proxy_pass)
port[nginx-proxy_pass]=$proxy
for d in $DISPATCHERS; do
  name=tokengated-$d
  port[$name]=$(free_port)
  "$tokengated" --listen 127.0.0.1:"${port[$name]}" --upstream http://127.0.0.1:$origin \
    --introspection-url "http://127.0.0.1:$idp/introspect" --client-id bench --cache-ttl 300 \
    --jwt-header X-Jwt --jwt-secret-file "$work/jwt.key" --workers 2 --access-log "$work/access-$d.log" \
    --max-connections 1000000 --max-connections-per-peer 1000000 --event-dispatcher "$d" \
    --log-level error 2>/dev/null & pids+=($!)
  pid[$name]=$!
  targets+=("$name")
  wait_port "${port[$name]}"
done
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
declare -A rss_per_idle
for n in $IDLE; do
  # One holder per target: 10,000 connections each stay inside one process's fd limit.
  holders=()
  declare -A rss_before=()
  for t in "${targets[@]}"; do
    [ -n "${pid[$t]:-}" ] && rss_before[$t]=$(rss_kib "${pid[$t]}")
    ready=$work/idle-$n-$t.ready
    python3 "$root/bench/idleclients.py" "$n" "$ready" "${port[$t]}" \
      --header 'Authorization: Bearer hot' & holders+=($!); pids+=($!)
    while [ ! -e "$ready" ]; do kill -0 "${holders[-1]}"; sleep 0.2; done
    if [ -n "${pid[$t]:-}" ] && [ "$n" -gt 0 ]; then
      rss_per_idle[$t,$n]=$(awk -v a="${rss_before[$t]}" -v b="$(rss_kib "${pid[$t]}")" -v n="$n" \
        'BEGIN {printf "%.2f", (b - a) / n}')
    fi
  done
  echo "$n idle connections open to each target" >&2
  for round in $(seq "$ROUNDS"); do
    for shape in $SHAPES; do
      for t in "${targets[@]}"; do
        measure_shape "$t,$n,$shape" "$shape" "${port[$t]}" "${pid[$t]:-}"
        echo "  idle=$n $shape $t: $r req/s" >&2
      done
    done
  done
  kill "${holders[@]}"; wait "${holders[@]}" 2>/dev/null || true
done

echo
for k in "${!rss_per_idle[@]}"; do
  echo "${k%,*}: RSS grew ${rss_per_idle[$k]} KiB per idle connection with ${k#*,} open (user space; the kernel's socket buffers are not in RSS)"
done
echo "Medians of $ROUNDS interleaved rounds of ${DURATION}s; ratios to nginx proxy_pass at the same idle count and shape"
printf '%6s %6s %-22s %10s %9s %9s %12s\n' idle wrk target req/s p99_ms ratio us_cpu/req
for n in $IDLE; do
  for shape in $SHAPES; do
    base=$(median <<<"${rps[nginx-proxy_pass,$n,$shape]}")
    for t in "${targets[@]}"; do
      key=$t,$n,$shape
      r=$(median <<<"${rps[$key]}")
      c=$([ -n "${cpu[$key]:-}" ] && median <<<"${cpu[$key]}" || echo -)
      printf '%6s %6s %-22s %10.0f %9.3f %9.2f %12s\n' "$n" "$shape" "$t" "$r" \
        "$(median <<<"${p99[$key]}")" "$(ratio "$r" "$base")" "$c"
    done
  done
done
