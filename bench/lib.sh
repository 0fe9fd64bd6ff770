# SPDX-License-Identifier: Apache-2.0
# Shared by the bench scripts (sourced): build, scratch directory, ports, wrk output parsing.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
build=${TOKENGATE_BUILD_DIR:-$root/build}
# The product's default: metrics recorded, so the admin listener is on (a port of its own per
# gateway, as several run side by side). --admin-listen off turns metrics off too.
export TOKENGATE_ADMIN_LISTEN=${TOKENGATE_ADMIN_LISTEN:-127.0.0.1:0}

bench_build() { # builds the given targets in RelWithDebInfo
  "$root/.ci/setup"
  # TOKENGATED: a tokengated built elsewhere (e.g. build-asan/daemon/tokengated for a soak
  # under ASan), used as it is; the other targets are still built here.
  local targets=()
  for t in "$@"; do [ -n "${TOKENGATED:-}" ] && [ "$t" = tokengated ] || targets+=("$t"); done
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  ((${#targets[@]} == 0)) || cmake --build "$build" -j2 --target "${targets[@]}" >/dev/null
  tokengated=${TOKENGATED:-$build/daemon/tokengated}
}

work=$(mktemp -d /tmp/tokengate-bench.XXXXXX)
chmod 755 "$work" # nginx workers run as nobody when started by root
mkdir -p "$work/www" "$work/tmp"
printf 'hello from the origin\n' > "$work/www/index.html"
pids=()
# True while PID is a running child of this script: once a child has ended, its pid may be
# any other process's on a busy machine, and must not be signalled.
ours() { [ "$(ps -o ppid= -p "$1" 2>/dev/null | tr -d ' ')" = "$$" ]; }
cleanup() {
  local p
  for p in "${pids[@]}"; do
    if ours "$p"; then kill "$p" 2>/dev/null || true; fi
  done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { # asks the kernel for a free loopback port
  perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(Listen=>1,LocalAddr=>"127.0.0.1",LocalPort=>0)->sockport'
}
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; return 1; }
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.3f", v}'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v x="$1" -v y="$2" 'BEGIN{print (y ? x/y : 0)}'; }

# The start of an nginx.conf: the origin on $origin serving $work/www (POST /upload takes a
# body of any size and answers 200), and on $proxy a
# proxy_pass to it with upstream keepalive (the reference); the caller adds servers and "}".
nginx_conf_head() {
  cat <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections ${NGINX_WORKER_CONNECTIONS:-4096}; }
http {
  access_log off;
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp;
  fastcgi_temp_path $work/tmp; uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$origin; root $work/www;
           client_max_body_size 0; location = /upload { return 200 "stored\\n"; } }
  upstream origin { server 127.0.0.1:$origin; keepalive 64; }
  server { listen 127.0.0.1:$proxy;
           location / { proxy_pass http://origin; proxy_http_version 1.1;
                        proxy_set_header Connection ""; } }
CONF
}

# nginx: nginx_conf_head plus a mock IdP that answers a fixed active RFC 7662 JSON and logs
# each call to $work/idp.log.
start_nginx() {
  origin=$(free_port); proxy=$(free_port); idp=$(free_port)
  { nginx_conf_head; cat <<CONF
  server { listen 127.0.0.1:$idp;
           location = /introspect {
             access_log $work/idp.log;
             default_type application/json;
             return 200 '{"active":true,"sub":"bench","client_id":"bench","scope":"read","exp":4102444800}';
           } }
}
CONF
  } > "$work/nginx.conf"
  nginx -c "$work/nginx.conf" -e "$work/error.log" -g 'daemon off;' & pids+=($!)
  for p in $origin $proxy $idp; do wait_port "$p"; done
}
idp_calls() { [ -f "$work/idp.log" ] && wc -l < "$work/idp.log" || echo 0; }

# run_wrk NAME PORT CONNS [wrk args...]: one measurement, appended to rps/p50/p99[NAME,CONNS]
declare -A rps p50 p99 reqs
run_wrk() {
  local name=$1 port=$2 c=$3; shift 3
  local out r l50 l99
  out=$(wrk -t2 -c"$c" -d"${DURATION}"s --latency "$@" "http://127.0.0.1:$port/index.html")
  if grep -q 'Non-2xx' <<<"$out"; then echo "$name: non-2xx answers:" >&2; echo "$out" >&2; exit 1; fi
  r=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  l50=$(awk '$1=="50%" {print $2}' <<<"$out" | to_ms)
  l99=$(awk '$1=="99%" {print $2}' <<<"$out" | to_ms)
  rps[$name,$c]+="$r "; p50[$name,$c]+="$l50 "; p99[$name,$c]+="$l99 "
  reqs[$name,$c]=$(( ${reqs[$name,$c]:-0} + $(awk '/requests in/ {print $1}' <<<"$out") ))
  echo "  $name c=$c: $r req/s p50 ${l50}ms p99 ${l99}ms" >&2
}

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # user + sys CPU of a process
hz=$(getconf CLK_TCK)

# measure_shape KEY SHAPE PORT [PID]: one wrk run with the hot token at SHAPE (threads x
# connections); appends requests/s and p99 to rps/p99[KEY] and, given the gateway's PID, its
# CPU time per request (user + sys from /proc, which barely moves on a shared machine). Leaves
# this run's requests/s in r. Each of bench_headers goes along as one more request header.
declare -A cpu
bench_headers=()
measure_shape() {
  local key=$1 shape=$2 port=$3 pid=${4:-} before=0 out h extra=()
  [ -n "$pid" ] && before=$(ticks "$pid")
  for h in "${bench_headers[@]}"; do extra+=(-H "$h"); done
  out=$(wrk -t"${shape%x*}" -c"${shape#*x}" -d"${DURATION}"s --latency \
    -H 'Authorization: Bearer hot' "${extra[@]}" "http://127.0.0.1:$port/index.html")
  if grep -q 'Non-2xx' <<<"$out"; then echo "$key: non-2xx answers:" >&2; echo "$out" >&2; exit 1; fi
  r=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  rps[$key]+="$r "; p99[$key]+="$(awk '$1=="99%" {print $2}' <<<"$out" | to_ms) "
  if [ -n "$pid" ]; then
    cpu[$key]+="$(awk -v t=$(( $(ticks "$pid") - before )) -v hz="$hz" \
      -v r="$(awk '/requests in/ {print $1}' <<<"$out")" 'BEGIN {printf "%.1f", t / hz * 1e6 / r}') "
  fi
}

# print_table BASE NAME...: medians per name and connection count, ratios to BASE.
print_table() {
  local base=$1; shift
  printf '%-24s %5s %10s %9s %9s %10s %10s\n' target conns req/s p50_ms p99_ms ratio_rps ratio_p99
  for c in 50 200; do
    local base_r base_99
    base_r=$(median <<<"${rps[$base,$c]}"); base_99=$(median <<<"${p99[$base,$c]}")
    for name in "$base" "$@"; do
      local r a b
      r=$(median <<<"${rps[$name,$c]}"); a=$(median <<<"${p50[$name,$c]}"); b=$(median <<<"${p99[$name,$c]}")
      printf '%-24s %5s %10.0f %9.3f %9.3f %10.2f %10.2f\n' "$name" "$c" "$r" "$a" "$b" \
        "$(ratio "$r" "$base_r")" "$(ratio "$b" "$base_99")"
    done
  done
}
