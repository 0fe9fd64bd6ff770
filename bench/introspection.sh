#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Introspection benchmark (not a test): nginx serves the origin, plain proxy_pass for
# reference, and a mock IdP (a fixed RFC 7662 answer). In one run, interleaved over ROUNDS
# rounds: wrk against nginx proxy_pass, and against tokengated (1 and 2 workers, HS256 JWT on)
# with a distinct token on every request, so each request costs one introspection call.
# Prints req/s, p50, p99, the ratio to nginx proxy_pass and IdP calls per request.
#   bench/introspection.sh            (ROUNDS=3 DURATION=5 by default)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
build=${TOKENGATE_BUILD_DIR:-$root/build}

"$root/.ci/setup"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 --target tokengated >/dev/null
tokengated=$build/daemon/tokengated

work=$(mktemp -d /tmp/tokengate-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

free_port() {
  perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(Listen=>1,LocalAddr=>"127.0.0.1",LocalPort=>0)->sockport'
}
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; return 1; }

origin=$(free_port); proxy=$(free_port); idp=$(free_port); tg1=$(free_port); tg2=$(free_port)
mkdir -p "$work/www" "$work/tmp"
chmod 755 "$work" # nginx workers run as nobody when started by root
printf 'hello from the origin\n' > "$work/www/index.html"
head -c 32 /dev/urandom | base64 > "$work/jwt.key"

cat > "$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp;
  fastcgi_temp_path $work/tmp; uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$origin; root $work/www; }
  upstream origin { server 127.0.0.1:$origin; keepalive 64; }
  server { listen 127.0.0.1:$proxy;
           location / { proxy_pass http://origin; proxy_http_version 1.1;
                        proxy_set_header Connection ""; } }
  server { listen 127.0.0.1:$idp;
           location = /introspect {
             access_log $work/idp.log;
             default_type application/json;
             return 200 '{"active":true,"sub":"bench","client_id":"bench","scope":"read","exp":4102444800}';
           } }
}
CONF
nginx -c "$work/nginx.conf" -e "$work/error.log" -g 'daemon off;' & pids+=($!)
for w in 1 2; do
  port_var=tg$w
  "$tokengated" --listen 127.0.0.1:${!port_var} --upstream http://127.0.0.1:$origin \
    --introspection-url http://127.0.0.1:$idp/introspect --client-id bench \
    --jwt-header X-Jwt --jwt-secret-file "$work/jwt.key" --workers $w --access-log off \
    --log-level error 2>/dev/null & pids+=($!)
done
for p in $origin $proxy $idp $tg1 $tg2; do wait_port "$p"; done
for p in $tg1 $tg2; do # wrk does not check statuses; make sure they are 200s (and 401s without)
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer check' "http://127.0.0.1:$p/index.html")
  [ "$code" = 200 ] || { echo "tokengated on $p answers $code, not 200" >&2; exit 1; }
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p/index.html")
  [ "$code" = 401 ] || { echo "tokengated on $p answers $code without a token, not 401" >&2; exit 1; }
done

idp_calls() { [ -f "$work/idp.log" ] && wc -l < "$work/idp.log" || echo 0; }
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.3f", v}'; }

declare -A rps p50 p99 calls reqs
targets=(nginx-proxy_pass:$proxy tokengated-1w:$tg1 tokengated-2w:$tg2)
for round in $(seq "$ROUNDS"); do
  for t in "${targets[@]}"; do
    name=${t%%:*}; port=${t##*:}
    for c in 50 200; do
      script=(); [[ $name == tokengated-* ]] && script=(-s "$root/bench/distinct-tokens.lua")
      before=$(idp_calls)
      out=$(wrk -t2 -c$c -d${DURATION}s --latency "${script[@]}" "http://127.0.0.1:$port/index.html")
      if grep -q 'Non-2xx' <<<"$out"; then echo "$name: non-2xx answers:" >&2; echo "$out" >&2; exit 1; fi
      r=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
      l50=$(awk '$1=="50%" {print $2}' <<<"$out" | to_ms)
      l99=$(awk '$1=="99%" {print $2}' <<<"$out" | to_ms)
      rps[$name,$c]+="$r "; p50[$name,$c]+="$l50 "; p99[$name,$c]+="$l99 "
      calls[$name,$c]=$(( ${calls[$name,$c]:-0} + $(idp_calls) - before ))
      reqs[$name,$c]=$(( ${reqs[$name,$c]:-0} + $(awk '/requests in/ {print $1}' <<<"$out") ))
      echo "round $round $name c=$c: $r req/s p50 ${l50}ms p99 ${l99}ms" >&2
    done
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo
echo "Distinct token per request (each introspected; mock IdP = nginx return 200), median of"
echo "$ROUNDS interleaved rounds of ${DURATION}s (wrk -t2, loopback, 2 cores shared by all)"
printf '%-20s %5s %10s %9s %9s %10s %10s %14s\n' target conns req/s p50_ms p99_ms ratio_rps ratio_p99 idp_calls/req
for c in 50 200; do
  base_r=$(median <<<"${rps[nginx-proxy_pass,$c]}"); base_99=$(median <<<"${p99[nginx-proxy_pass,$c]}")
  for t in "${targets[@]}"; do
    name=${t%%:*}
    r=$(median <<<"${rps[$name,$c]}"); a=$(median <<<"${p50[$name,$c]}"); b=$(median <<<"${p99[$name,$c]}")
    printf '%-20s %5s %10.0f %9.3f %9.3f %10.2f %10.2f %14.3f\n' "$name" "$c" "$r" "$a" "$b" \
      "$(awk -v x="$r" -v y="$base_r" 'BEGIN{print x/y}')" "$(awk -v x="$b" -v y="$base_99" 'BEGIN{print x/y}')" \
      "$(awk -v n="${calls[$name,$c]}" -v q="${reqs[$name,$c]}" 'BEGIN{print (q ? n/q : 0)}')"
  done
done
