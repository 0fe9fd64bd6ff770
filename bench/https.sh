#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# HTTPS on the client side (not a test): nginx's HTTPS proxy_pass and tokengated's HTTPS
# listener (--auth none, access log and metrics on, 2 workers) in front of the same nginx
# origin, with the same certificate and cipher list, interleaved over ROUNDS rounds. Rows:
# keep-alive requests, and a new TLS connection per request (Connection: close: each is a
# full handshake), each with wrk at 1 and 2 threads; requests/s, p99, the ratio to nginx and
# CPU per request (user + sys from /proc: nginx's workers summed, the gateway's process).
# Then the gateway's RSS per idle TLS connection.
#   bench/https.sh          (KEY=ec|rsa ROUNDS=3 DURATION=5 IDLE=2000 MODES="keepalive handshake")
set -euo pipefail
source "$(dirname "$0")/lib.sh"
KEY=${KEY:-ec}
IDLE=${IDLE:-2000}
SHAPES=${SHAPES:-1x50 2x50}
export NGINX_WORKER_CONNECTIONS=20000
bench_build tokengated

case $KEY in
  ec) newkey=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
  rsa) newkey=(-newkey rsa:2048) ;;
  *) echo "KEY is ec or rsa" >&2; exit 2 ;;
esac
openssl req -x509 "${newkey[@]}" -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
  -keyout "$work/tls.key" -out "$work/tls.crt" 2>/dev/null
# The gateway's TLS 1.2 list (core/server/tlscredentials.cpp); TLS 1.3 suites are the same
# three by default on both.
ciphers=ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305

origin=$(free_port); proxy=$(free_port); nginx_tls=$(free_port); tg=$(free_port)
{ nginx_conf_head; cat <<CONF
  server { listen 127.0.0.1:$nginx_tls ssl;
           ssl_certificate $work/tls.crt; ssl_certificate_key $work/tls.key;
           ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers $ciphers;
           location / { proxy_pass http://origin; proxy_http_version 1.1;
                        proxy_set_header Connection ""; } }
}
CONF
} > "$work/nginx.conf"
nginx -c "$work/nginx.conf" -e "$work/error.log" -g 'daemon off;' & pids+=($!)
nginx_master=$!
"$tokengated" --plain-http false --tls-listen 127.0.0.1:$tg --tls-cert-file "$work/tls.crt" \
  --tls-key-file "$work/tls.key" --upstream http://127.0.0.1:$origin --auth none --workers 2 \
  --max-connections 1000000 --max-connections-per-peer 1000000 \
  --log-level error > "$work/access.log" 2>/dev/null & pids+=($!)
tg_pid=$!
for p in $origin $nginx_tls $tg; do wait_port "$p"; done
for p in $nginx_tls $tg; do
  code=$(curl -s --cacert "$work/tls.crt" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$p/index.html")
  [ "$code" = 200 ] || { echo "port $p answers $code, not 200" >&2; exit 1; }
done

nginx_ticks() { local t=0 p; for p in $(pgrep -P "$nginx_master"); do t=$((t + $(ticks "$p"))); done; echo $t; }
declare -A port=([nginx-https]=$nginx_tls [tokengated-https]=$tg)
read -ra modes <<<"${MODES:-keepalive handshake}"
for round in $(seq "$ROUNDS"); do
  for mode in "${modes[@]}"; do
    for shape in $SHAPES; do
      for t in nginx-https tokengated-https; do
        extra=(); [ "$mode" = handshake ] && extra=(-H 'Connection: close')
        if [ "$t" = nginx-https ]; then before=$(nginx_ticks); else before=$(ticks "$tg_pid"); fi
        out=$(wrk -t"${shape%x*}" -c"${shape#*x}" -d"${DURATION}"s --latency "${extra[@]}" \
          "https://127.0.0.1:${port[$t]}/index.html")
        if [ "$t" = nginx-https ]; then after=$(nginx_ticks); else after=$(ticks "$tg_pid"); fi
        if grep -q 'Non-2xx' <<<"$out"; then echo "$t: non-2xx answers:" >&2; echo "$out" >&2; exit 1; fi
        r=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
        n=$(awk '/requests in/ {print $1}' <<<"$out")
        key=$t,$mode,$shape
        rps[$key]+="$r "; p99[$key]+="$(awk '$1=="99%" {print $2}' <<<"$out" | to_ms) "
        cpu[$key]+="$(awk -v t=$((after - before)) -v hz="$hz" -v n="$n" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}') "
        echo "round $round $mode $shape $t: $r req/s" >&2
      done
    done
  done
done

echo
echo "HTTPS ($KEY key), median of $ROUNDS interleaved rounds of ${DURATION}s, loopback, 2 cores shared by all"
printf '%-18s %-10s %6s %10s %9s %7s %11s\n' target mode wrk req/s p99_ms ratio cpu_us/req
for mode in "${modes[@]}"; do
  for shape in $SHAPES; do
    base=$(median <<<"${rps[nginx-https,$mode,$shape]}")
    for t in nginx-https tokengated-https; do
      key=$t,$mode,$shape
      r=$(median <<<"${rps[$key]}")
      printf '%-18s %-10s %6s %10.0f %9.3f %7.2f %11s\n' "$t" "$mode" "$shape" "$r" \
        "$(median <<<"${p99[$key]}")" "$(ratio "$r" "$base")" "$(median <<<"${cpu[$key]}")"
    done
  done
done

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
before=$(rss_kib "$tg_pid")
ready=$work/idle.ready
python3 "$root/bench/idleclients.py" "$IDLE" "$ready" "$tg" --tls & holder=$!; pids+=($holder)
while [ ! -e "$ready" ]; do kill -0 "$holder"; sleep 0.2; done
after=$(rss_kib "$tg_pid")
kill "$holder"
echo
awk -v a="$before" -v b="$after" -v n="$IDLE" \
  'BEGIN {printf "tokengated RSS per idle TLS connection: %.1f KiB (%d connections, %.1f MiB in all)\n", (b - a) / n, n, (b - a) / 1024}'
