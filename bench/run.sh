#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Data-path benchmark (not a test): nginx as origin on loopback, then in one run, interleaved
# over ROUNDS rounds, wrk against nginx direct, nginx proxy_pass (upstream keepalive) and
# tokengated --auth none with 1 and 2 workers, at 50 and 200 connections. Then 1 GiB
# streamed each way through tokengated with its peak RSS, and new upstream connections per
# 1,000 requests. Prints a table; ratios are to nginx proxy_pass in the same run.
#   bench/run.sh            (ROUNDS=3 DURATION=5 by default)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
STREAM_BYTES=${STREAM_BYTES:-1073741824}
bench_build tokengated

origin=$(free_port); proxy=$(free_port); tg1=$(free_port); tg2=$(free_port); status=$(free_port); sink=$(free_port)
truncate -s "$STREAM_BYTES" "$work/www/big.bin"

{ nginx_conf_head; cat <<CONF
  server { listen 127.0.0.1:$status; location / { stub_status; } }
}
CONF
} > "$work/nginx.conf"
nginx -c "$work/nginx.conf" -e "$work/error.log" -g 'daemon off;' & pids+=($!)
"$tokengated" --listen 127.0.0.1:$tg1 --upstream http://127.0.0.1:$origin --auth none --workers 1 --access-log off 2>/dev/null & pids+=($!)
"$tokengated" --listen 127.0.0.1:$tg2 --upstream http://127.0.0.1:$origin --auth none --workers 2 --access-log off 2>/dev/null & pids+=($!)
perl "$root/bench/sink.pl" "$sink" & pids+=($!)
for p in $origin $proxy $tg1 $tg2 $status $sink; do wait_port "$p"; done
for p in $origin $proxy $tg1 $tg2; do # wrk does not check statuses; make sure they are 200s
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p/index.html")
  [ "$code" = 200 ] || { echo "port $p answers $code, not 200" >&2; exit 1; }
done

accepts() { curl -s "http://127.0.0.1:$status/" | awk 'NR==3 {print $1}'; }

targets=(nginx-direct:$origin nginx-proxy_pass:$proxy tokengated-1w:$tg1 tokengated-2w:$tg2)
tg_requests=0; tg_accepts_before=$(accepts)
for round in $(seq "$ROUNDS"); do
  for t in "${targets[@]}"; do
    name=${t%%:*}; port=${t##*:}
    for c in 50 200; do
      before=$(accepts)
      out=$(wrk -t2 -c$c -d${DURATION}s --latency "http://127.0.0.1:$port/index.html")
      r=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
      l50=$(awk '$1=="50%" {print $2}' <<<"$out" | to_ms)
      l99=$(awk '$1=="99%" {print $2}' <<<"$out" | to_ms)
      rps[$name,$c]+="$r "; p50[$name,$c]+="$l50 "; p99[$name,$c]+="$l99 "
      if [[ $name == tokengated-* ]]; then
        tg_requests=$((tg_requests + $(awk '/requests in/ {print $1}' <<<"$out")))
        # wrk's own connections to tokengated do not reach the origin; only ours do.
        tg_new_upstream=$(( ${tg_new_upstream:-0} + $(accepts) - before - 1 ))
      fi
      echo "round $round $name c=$c: $r req/s p50 ${l50}ms p99 ${l99}ms" >&2
    done
  done
done

echo
echo "Requests/s, median of $ROUNDS interleaved rounds of ${DURATION}s (wrk -t2, loopback, 2 cores shared by all)"
printf '%-20s %5s %12s %9s %9s %10s %10s\n' target conns req/s p50_ms p99_ms ratio_rps ratio_p99
for c in 50 200; do
  base_r=$(median <<<"${rps[nginx-proxy_pass,$c]}"); base_99=$(median <<<"${p99[nginx-proxy_pass,$c]}")
  for t in "${targets[@]}"; do
    name=${t%%:*}
    r=$(median <<<"${rps[$name,$c]}"); a=$(median <<<"${p50[$name,$c]}"); b=$(median <<<"${p99[$name,$c]}")
    printf '%-20s %5s %12.0f %9.3f %9.3f %10.2f %10.2f\n' "$name" "$c" "$r" "$a" "$b" \
      "$(awk -v x="$r" -v y="$base_r" 'BEGIN{print x/y}')" "$(awk -v x="$b" -v y="$base_99" 'BEGIN{print x/y}')"
  done
done
echo
awk -v n="${tg_new_upstream:-0}" -v r="$tg_requests" \
  'BEGIN {printf "tokengated new upstream connections: %d for %d requests (%.3f per 1,000)\n", n, r, (r ? 1000*n/r : 0)}'

# Streaming: fresh single-worker tokengated instances so VmHWM reflects only the transfer;
# the upload goes to bench/sink.pl, which reads every byte before answering.
stream=$(free_port)
"$tokengated" --listen 127.0.0.1:$stream --upstream http://127.0.0.1:$origin --auth none --workers 1 --access-log off 2>/dev/null & spid=$!; pids+=($spid)
wait_port "$stream"
down=$(curl -s -o /dev/null -w '%{size_download} %{speed_download}' "http://127.0.0.1:$stream/big.bin")
rss_down=$(awk '/VmHWM/ {print $2}' /proc/$spid/status)
# -T with a file sends Content-Length (a sparse file: nothing is read from disk).
sink_gw=$(free_port)
"$tokengated" --listen 127.0.0.1:$sink_gw --upstream http://127.0.0.1:$sink --auth none --workers 1 --access-log off 2>/dev/null & upid=$!; pids+=($upid)
wait_port "$sink_gw"
up=$(curl -s -o /dev/null -w '%{size_upload} %{speed_upload} %{http_code}' \
     -T "$work/www/big.bin" "http://127.0.0.1:$sink_gw/upload")
rss_up=$(awk '/VmHWM/ {print $2}' /proc/$upid/status)
echo
echo "Streaming through tokengated (1 worker):"
awk -v d="$down" -v r="$rss_down" 'BEGIN {split(d,a," "); printf "  response %d bytes at %.0f MB/s, peak RSS %.1f MiB\n", a[1], a[2]/1e6, r/1024}'
awk -v u="$up" -v r="$rss_up" 'BEGIN {split(u,a," "); printf "  upload   %d bytes at %.0f MB/s (status %s), peak RSS %.1f MiB\n", a[1], a[2]/1e6, a[3], r/1024}'
