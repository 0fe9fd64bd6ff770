#!/usr/bin/env bash
# JWT access tokens validated by the gateway itself (not a test). jwtmint signs TOKENS distinct
# RS256 access tokens (RFC 9068) and their JWKS, which nginx serves; every request carries a
# token never sent before. In one run, interleaved over ROUNDS rounds, at each wrk shape
# (threads x connections), all with the same token script:
#   nginx-proxy_pass  the reference (the token is just a header to it)
#   jwt               validation: jwt (defaults on: cache, access log, metrics; HS256 JWT out)
#   introspect        the same tokens introspected by the mock IdP (nginx, a fixed answer)
# Prints requests/s, p99, the ratio to nginx, the gateway's CPU per request, the whole
# machine's CPU per request (wrk, nginx, the gateway) and the IdP calls (JWKS fetches for jwt,
# introspections for introspect). Then bench/jwtverify times validation alone, and the script
# prints the ceiling that sets: a proxy as cheap as nginx that validated each token too would
# use the machine's CPU per request of the nginx row plus the validation, so at best reach
# nginx_cpu / (nginx_cpu + validation) of nginx's rate.
#   bench/jwt.sh      (SHAPES="1x50 2x64" ROUNDS=3 DURATION=5 TOKENS=400000)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
SHAPES=${SHAPES:-1x50 2x64}
TOKENS=${TOKENS:-400000}
bench_build tokengated jwtmint jwtverify
start_nginx
echo "minting $TOKENS RS256 tokens..." >&2
"$build/bench/jwtmint" "$work" "$TOKENS" https://sso.bench api
cp "$work/jwks.json" "$work/www/jwks.json"
head -c 32 /dev/urandom | base64 > "$work/jwt.key"
declare -A pid port admin
common=(--jwt-header X-Jwt --jwt-secret-file "$work/jwt.key" --workers 2 --log-level error)
port[jwt]=$(free_port); admin[jwt]=$(free_port)
"$tokengated" --listen 127.0.0.1:"${port[jwt]}" --upstream "http://127.0.0.1:$origin" \
  --token-validation jwt --issuer https://sso.bench --token-audience api \
  --jwks-uri "http://127.0.0.1:$origin/jwks.json" "${common[@]}" \
  --access-log "$work/jwt.log" --admin-listen 127.0.0.1:"${admin[jwt]}" 2>"$work/jwt.err" &
pids+=($!); pid[jwt]=$!
port[introspect]=$(free_port); admin[introspect]=$(free_port)
"$tokengated" --listen 127.0.0.1:"${port[introspect]}" --upstream "http://127.0.0.1:$origin" \
  --introspection-url "http://127.0.0.1:$idp/introspect" --client-id bench "${common[@]}" \
  --access-log "$work/introspect.log" --admin-listen 127.0.0.1:"${admin[introspect]}" \
  2>"$work/introspect.err" &
pids+=($!); pid[introspect]=$!
for g in jwt introspect; do wait_port "${port[$g]}" || { cat "$work/$g.err" >&2; exit 1; }; done
# Validation is on: the first token passes, a forged one does not.
first=$(head -1 "$work/tokens.txt")
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $first" "http://127.0.0.1:${port[jwt]}/index.html")
[ "$code" = 200 ] || { echo "jwt gateway answers $code, not 200" >&2; cat "$work/jwt.err" >&2; exit 1; }
# One signature character changed, away from the end (whose spare bits may not change the bytes).
c=${first: -10:1}; [ "$c" = A ] && r=B || r=A
forged="${first:0:${#first}-10}$r${first: -9}"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $forged" "http://127.0.0.1:${port[jwt]}/index.html")
[ "$code" = 401 ] || { echo "a forged token answers $code, not 401" >&2; exit 1; }

metric() { curl -s "http://127.0.0.1:$1/metrics" | awk -v m="$2" 'index($0, m) == 1 {s += $NF} END {print s + 0}'; }
offset=1 # the check above used line 0
declare -A cpu calls done_reqs machine
machine_busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; } # all cores, no steal
run() { # run NAME SHAPE
  local name=$1 shape=$2 p before out n t=${2%x*}
  p=${port[$name]:-$proxy}
  [ -n "${pid[$name]:-}" ] && before=$(ticks "${pid[$name]}")
  local busy_before; busy_before=$(machine_busy)
  out=$(TOKEN_FILE="$work/tokens.txt" START=$offset THREADS=$t wrk -t"$t" -c"${shape#*x}" \
    -d"${DURATION}"s --latency -s "$root/bench/jwttokens.lua" "http://127.0.0.1:$p/index.html")
  if grep -q 'Non-2xx' <<<"$out"; then echo "$name: non-2xx answers:" >&2; echo "$out" >&2; exit 1; fi
  n=$(awk '/requests in/ {print $1}' <<<"$out")
  machine[$name,$shape]+="$(awk -v t=$(( $(machine_busy) - busy_before )) -v hz="$hz" -v r="$n" \
    'BEGIN {printf "%.1f", t / hz * 1e6 / r}') "
  [ -n "${pid[$name]:-}" ] && offset=$((offset + n + 1000)) # nginx ignores the token
  rps[$name,$shape]+="$(awk '/Requests\/sec/ {print $2}' <<<"$out") "
  p99[$name,$shape]+="$(awk '$1=="99%" {print $2}' <<<"$out" | to_ms) "
  done_reqs[$name,$shape]=$(( ${done_reqs[$name,$shape]:-0} + n ))
  if [ -n "${pid[$name]:-}" ]; then
    cpu[$name,$shape]+="$(awk -v t=$(( $(ticks "${pid[$name]}") - before )) -v hz="$hz" -v r="$n" \
      'BEGIN {printf "%.1f", t / hz * 1e6 / r}') "
  fi
  echo "  $name $shape: $(awk '/Requests\/sec/ {print $2}' <<<"$out") req/s" >&2
}
for round in $(seq "$ROUNDS"); do
  echo "round $round" >&2
  for shape in $SHAPES; do
    for name in nginx-proxy_pass jwt introspect; do run "$name" "$shape"; done
  done
done
((offset <= TOKENS)) || echo "note: $offset tokens were needed, $TOKENS minted: some were sent twice, long after the cache (100,000 entries by default) let them go: see the cache hits below" >&2

echo
echo "Distinct RS256 JWT per request, median of $ROUNDS interleaved rounds of ${DURATION}s"
echo "(loopback, 2 cores shared by wrk, nginx and the gateway; gateway 2 workers, defaults on)"
printf '%-18s %6s %10s %9s %10s %12s %16s\n' target shape req/s p99_ms ratio_rps cpu_us/req machine_us/req
for shape in $SHAPES; do
  base=$(median <<<"${rps[nginx-proxy_pass,$shape]}")
  for name in nginx-proxy_pass jwt introspect; do
    r=$(median <<<"${rps[$name,$shape]}")
    printf '%-18s %6s %10.0f %9.3f %10.2f %12s %16s\n' "$name" "$shape" "$r" \
      "$(median <<<"${p99[$name,$shape]}")" "$(ratio "$r" "$base")" \
      "$( [ -n "${cpu[$name,$shape]:-}" ] && median <<<"${cpu[$name,$shape]}" || echo -)" \
      "$(median <<<"${machine[$name,$shape]}")"
  done
done
verify=$("$build/bench/jwtverify" "$work" https://sso.bench api 20000 | awk '{print $(NF-3)}')
echo
echo "validation alone (bench/jwtverify, 20,000 tokens): $verify us per token"
for shape in $SHAPES; do
  awk -v m="$(median <<<"${machine[nginx-proxy_pass,$shape]}")" -v v="$verify" -v s="$shape" 'BEGIN {
    printf "%s: ceiling for any proxy that validates each token: %.2f of nginx (%.1f us of the machine per request, plus %.1f)\n", s, m / (m + v), m, v }'
done
echo
echo "jwt: $(metric "${admin[jwt]}" 'tokengate_jwks_fetches_total') JWKS fetches in all; the mock IdP answered $(idp_calls) introspections (the introspect row's)"
for g in jwt introspect; do
  echo "$g: $(metric "${admin[$g]}" 'tokengate_cache_hits_total') cache hits in all (each request judged afresh when 0)"
done
