#!/usr/bin/env bash
# What CORS and rate limits cost (not a test): one route, hot cached token, HS256 JWT, access
# log and metrics on, 2 workers, every request from an allowed Origin, in one run against
# nginx proxy_pass, interleaved over ROUNDS rounds:
#   route        the route alone
#   cors         with cors (one allowed origin, credentials)
#   rate-limits  with two limits by subject that are never hit (10^6/s, 10^8/h)
#   both         cors and the limits
#   redis-limits the limits counted in Redis (cache.redis set, a local redis-server): one
#                round trip per request; redis-server's CPU per request is printed apart
# Prints requests/s, p99, ratios to nginx and CPU per request, then each feature against the
# route alone.
#   bench/policies.sh      (SHAPES="1x50 2x64" ROUNDS=3 DURATION=5)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
SHAPES=${SHAPES:-1x50 2x64}
bench_build tokengated
start_nginx
head -c 32 /dev/urandom | base64 > "$work/jwt.key"
bench_headers=('Origin: https://app.test')
cors='    cors: {allow_origins: ["https://app.test"], allow_credentials: true}'
limits='    rate_limits: ["1000000/s by subject", "100000000/h by subject"]'
redis=$(free_port)
redis-server --port "$redis" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
  --logfile "$work/redis.log" & pids+=($!)
redis_pid=$!
wait_port "$redis"
declare -A pid port policy admin extra rcpu
policy[route]=""
policy[cors]="$cors"
policy[rate-limits]="$limits"
policy[both]="$cors"$'\n'"$limits"
policy[redis-limits]="$limits"
extra[redis-limits]="--redis-url redis://127.0.0.1:$redis"
gateways=(route cors rate-limits both redis-limits)
targets=(nginx-proxy_pass "${gateways[@]}")
port[nginx-proxy_pass]=$proxy
for g in "${gateways[@]}"; do
  port[$g]=$(free_port)
  admin[$g]=$(free_port)
  printf 'routes:\n  - path_prefix: /\n    upstream: http://127.0.0.1:%s\n%s\n' \
    "$origin" "${policy[$g]}" > "$work/$g.yml"
  "$tokengated" --config "$work/$g.yml" --listen 127.0.0.1:"${port[$g]}" \
    --introspection-url "http://127.0.0.1:$idp/introspect" --client-id bench --cache-ttl 300 \
    --jwt-header X-Jwt --jwt-secret-file "$work/jwt.key" --workers 2 --log-level error \
    --access-log "$work/$g.log" --admin-listen 127.0.0.1:"${admin[$g]}" ${extra[$g]:-} \
    2>"$work/$g.err" &
  pids+=($!)
  pid[$g]=$!
  wait_port "${port[$g]}" || { cat "$work/$g.err" >&2; exit 1; }
done
# The policies are on: a preflight is answered, a refused origin is refused.
pre=$(curl -s -o /dev/null -w '%{http_code}' -X OPTIONS -H 'Origin: https://app.test' \
  -H 'Access-Control-Request-Method: PUT' "http://127.0.0.1:${port[both]}/index.html")
[ "$pre" = 204 ] || { echo "preflight answered $pre, not 204" >&2; exit 1; }
curl -s -D - -o /dev/null -H 'Authorization: Bearer hot' -H 'Origin: https://app.test' \
  "http://127.0.0.1:${port[both]}/index.html" | grep -qi '^RateLimit-Policy:' ||
  { echo "no RateLimit-Policy field" >&2; exit 1; }
# Measured only once every worker counts in Redis (the first checks wait for the connection).
for _ in $(seq 100); do
  curl -s "http://127.0.0.1:${admin[redis-limits]}/metrics" | grep -q '^tokengate_rate_limit_shared 1$' && break
  sleep 0.1
done
for round in $(seq "$ROUNDS"); do
  for shape in $SHAPES; do
    for t in "${targets[@]}"; do
      redis_before=$(ticks "$redis_pid")
      measure_shape "$t,$shape" "$shape" "${port[$t]}" "${pid[$t]:-}"
      if [ "$t" = redis-limits ]; then # redis-server's CPU per request, reported beside
        rcpu[$shape]+="$(awk -v t=$(( $(ticks "$redis_pid") - redis_before )) -v hz="$hz" \
          -v r="$r" -v d="$DURATION" 'BEGIN {printf "%.1f", t / hz * 1e6 / (r * d)}') "
      fi
      echo "  round $round $shape $t: $r req/s" >&2
    done
  done
done
# The shared limits were judged in Redis, never by the local fallback.
metrics=$(curl -s "http://127.0.0.1:${admin[redis-limits]}/metrics")
grep -q '^tokengate_rate_limit_checks_total{judged_by="local_fallback"} 0$' <<<"$metrics" &&
  grep -q '^tokengate_rate_limit_shared 1$' <<<"$metrics" ||
  { echo "rate limits were not all judged in Redis:" >&2; grep rate_limit <<<"$metrics" >&2; exit 1; }

echo
echo "Medians of $ROUNDS interleaved rounds of ${DURATION}s (hot token, HS256 JWT, access log and metrics on, 2 workers); ratios to nginx proxy_pass"
printf '%6s %-18s %10s %9s %9s %9s %12s\n' wrk target req/s p99_ms ratio p99_ratio us_cpu/req
for shape in $SHAPES; do
  base=$(median <<<"${rps[nginx-proxy_pass,$shape]}"); base99=$(median <<<"${p99[nginx-proxy_pass,$shape]}")
  for t in "${targets[@]}"; do
    key=$t,$shape
    r=$(median <<<"${rps[$key]}"); l=$(median <<<"${p99[$key]}")
    c=$([ -n "${cpu[$key]:-}" ] && median <<<"${cpu[$key]}" || echo -)
    printf '%6s %-18s %10.0f %9.3f %9.2f %9.2f %12s\n' "$shape" "$t" "$r" "$l" \
      "$(ratio "$r" "$base")" "$(ratio "$l" "$base99")" "$c"
  done
done
echo
echo "Each against the route alone (targets: both >= 0.95x, redis-limits >= 0.7x)"
for shape in $SHAPES; do
  r_off=$(median <<<"${rps[route,$shape]}"); c_off=$(median <<<"${cpu[route,$shape]}")
  for g in cors rate-limits both redis-limits; do
    r_on=$(median <<<"${rps[$g,$shape]}"); c_on=$(median <<<"${cpu[$g,$shape]}")
    awk -v s="$shape" -v w="$g" -v a="$r_on" -v b="$r_off" -v c="$c_on" -v d="$c_off" \
      'BEGIN {printf "%6s %-12s req/s %.3fx   CPU/request %+6.1f %%\n", s, w, a/b, (c/d-1)*100}'
  done
  echo "$shape redis-server CPU per request: $(median <<<"${rcpu[$shape]}") us"
done
