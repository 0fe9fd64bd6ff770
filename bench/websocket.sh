#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# WebSockets through tokengated (not a test). bench/wsbench (Qt WebSockets) is the echo
# upstream and the clients. In one run, interleaved over ROUNDS rounds, for each CONNS count:
# echo round trips of SIZE-byte binary messages straight to the echo server, and through
# tokengated (introspected token from the mock IdP, HS256 JWT, 2 workers, access log and
# metrics on), and through nginx as a WebSocket proxy (2 workers, the usual Upgrade map): what
# one more hop costs any proxy. Prints messages/s, the ratio to the direct run and each
# proxy's CPU per message. bench/relay (a bare epoll byte relay, 2 processes: no parsing, no
# log) is the fourth target: the lower bound of what one more hop costs. Then it opens
# IDLE_TUNNELS idle WebSockets through the gateway and prints how much its RSS grew per tunnel.
#   bench/websocket.sh   (CONNS="1 50" SIZE=64 ROUNDS=3 DURATION=5 IDLE_TUNNELS=10000)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
CONNS=${CONNS:-1 50}
SIZE=${SIZE:-64}
IDLE_TUNNELS=${IDLE_TUNNELS:-10000}
bench_build tokengated wsbench relay
ws=$build/bench/wsbench
# Each idle tunnel is two descriptors in the gateway.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fit=$(( ($(ulimit -n) - 500) / 2 ))
if ((IDLE_TUNNELS > fit)); then
  echo "note: the descriptor limit ($(ulimit -n)) allows $fit idle tunnels, not $IDLE_TUNNELS" >&2
  IDLE_TUNNELS=$fit
fi
start_nginx # for the mock IdP
"$ws" echo > "$work/echo.port" & pids+=($!)
for _ in $(seq 100); do [ -s "$work/echo.port" ] && break; sleep 0.05; done
echo_port=$(cat "$work/echo.port")
head -c 32 /dev/urandom | base64 > "$work/jwt.key"
gw=$(free_port)
"$tokengated" --listen 127.0.0.1:"$gw" --upstream "http://127.0.0.1:$echo_port" \
  --introspection-url "http://127.0.0.1:$idp/introspect" --client-id bench --cache-ttl 300 \
  --jwt-header X-Jwt --jwt-secret-file "$work/jwt.key" --workers 2 \
  --access-log "$work/access.log" --max-connections 1000000 --max-connections-per-peer 1000000 \
  --log-level error 2>"$work/gw.err" & pids+=($!)
gpid=$!
wait_port "$gw"
# nginx as the reference WebSocket proxy, to the same echo server.
ngx=$(free_port)
cat >"$work/nginx-ws.conf" <<CONF
worker_processes 2;
pid $work/nginx-ws.pid;
error_log $work/error-ws.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp;
  fastcgi_temp_path $work/tmp; uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
  server { listen 127.0.0.1:$ngx;
           location / { proxy_pass http://127.0.0.1:$echo_port; proxy_http_version 1.1;
                        proxy_set_header Upgrade \$http_upgrade;
                        proxy_set_header Connection \$connection_upgrade;
                        proxy_read_timeout 3600s; } }
}
CONF
nginx -c "$work/nginx-ws.conf" -e "$work/error-ws.log" -g 'daemon off;' & pids+=($!)
npid=$!
wait_port "$ngx"

# The bare relay: the cheapest one more hop can be.
rly=$(free_port)
"$build/bench/relay" "$rly" "$echo_port" 2 & pids+=($!)
rpid=$!
wait_port "$rly"

declare -A rate cpu
per_message() { # per_message TICKS MESSAGES_PER_S: microseconds of CPU per round trip
  awk -v t="$1" -v hz="$hz" -v r="$2" -v d="$DURATION" 'BEGIN {printf "%.1f", t / hz * 1e6 / (r * (d + 1))}'
}
tree_ticks() { # tree_ticks PID: the process and its children
  local t=0 p
  for p in $1 $(pgrep -P "$1"); do t=$((t + $(ticks "$p"))); done
  echo "$t"
}
through() { # through NAME PORT PID C [TOKEN]: one load through a proxy, its rate and CPU
  local before r
  before=$(tree_ticks "$3")
  r=$(TOKEN=${5:-} "$ws" load "ws://127.0.0.1:$2/echo" "$4" "$DURATION" "$SIZE" | awk '{print $2}')
  rate[$1,$4]+="$r "
  # The load runs DURATION + 1 s (warm-up); its messages are counted over DURATION.
  cpu[$1,$4]+="$(per_message "$(( $(tree_ticks "$3") - before ))" "$r") "
}
for round in $(seq "$ROUNDS"); do
  echo "round $round" >&2
  for c in $CONNS; do
    r=$("$ws" load "ws://127.0.0.1:$echo_port/echo" "$c" "$DURATION" "$SIZE" | awk '{print $2}')
    rate[direct,$c]+="$r "
    through tokengated "$gw" "$gpid" "$c" bench
    through nginx "$ngx" "$npid" "$c"
    through relay "$rly" "$rpid" "$c"
    echo "  c=$c direct ${rate[direct,$c]} through ${rate[tokengated,$c]} nginx ${rate[nginx,$c]} relay ${rate[relay,$c]}" >&2
  done
done

echo
echo "WebSocket echo round trips of $SIZE-byte messages, median of $ROUNDS interleaved rounds of ${DURATION}s"
echo "(loopback, 2 cores shared by the clients, the echo server and the proxy; gateway 2 workers, defaults on; nginx and relay 2 workers)"
printf '%-12s %6s %12s %9s %14s\n' target conns messages/s ratio cpu_us/message
for c in $CONNS; do
  d=$(median <<<"${rate[direct,$c]}")
  printf '%-12s %6s %12s %9s %14s\n' direct "$c" "$d" 1 -
  for name in tokengated nginx relay; do
    t=$(median <<<"${rate[$name,$c]}")
    printf '%-12s %6s %12s %9.2f %14s\n' "$name" "$c" "$t" "$(ratio "$t" "$d")" \
      "$(median <<<"${cpu[$name,$c]}")"
  done
done

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
mkfifo "$work/hold"
before=$(rss_kib "$gpid")
TOKEN=bench "$ws" idle "ws://127.0.0.1:$gw/idle" "$IDLE_TUNNELS" <"$work/hold" >"$work/idle.out" &
pids+=($!)
exec 3>"$work/hold"
for _ in $(seq 1200); do grep -q '^open' "$work/idle.out" && break; sleep 0.1; done
grep -q '^open' "$work/idle.out" || { echo "idle tunnels never all opened" >&2; exit 1; }
after=$(rss_kib "$gpid")
echo
awk -v n="$IDLE_TUNNELS" -v b="$before" -v a="$after" 'BEGIN {
  printf "%d idle tunnels: gateway RSS %.1f -> %.1f MiB, %.1f KiB per tunnel\n", n, b/1024, a/1024, (a-b)/n }'
exec 3>&-
