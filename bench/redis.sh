#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Shared Redis cache tier benchmark (not a test). In one run, interleaved over ROUNDS rounds:
# nginx proxy_pass (no auth) for reference; tokengated (2 workers, cache on, HS256 JWT) with the
# Redis tier enabled and disabled, first with one hot token (the local tier answers: the Redis
# tier must cost nothing there), then with 1,000 tokens round-robin through a local cache of
# 16 entries, so that nearly every request misses locally and is answered by Redis (enabled)
# or by the mock IdP (disabled). Then IdP calls made by the Redis-enabled instance during the
# measured rounds (0 expected: Redis holds every answer after the warm-up).
#   bench/redis.sh            (ROUNDS=3 DURATION=5 by default)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_build tokengated
start_nginx
head -c 32 /dev/urandom | base64 > "$work/jwt.key"

redis=$(free_port)
redis-server --port "$redis" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
  --logfile "$work/redis.log" & pids+=($!)
wait_port "$redis"

gateway() { # PORT [options...]: tokengated with the cache on, IdP = the nginx mock
  local port=$1; shift
  "$tokengated" --listen 127.0.0.1:"$port" --upstream http://127.0.0.1:$origin \
    --introspection-url "http://127.0.0.1:$idp/introspect" --client-id bench --cache-ttl 300 \
    --jwt-header X-Jwt --jwt-secret-file "$work/jwt.key" --workers 2 --access-log off \
    --log-level error --admin-listen off "$@" 2>/dev/null & pids+=($!)
  wait_port "$port"
}
on=$(free_port); off=$(free_port); on_small=$(free_port); off_small=$(free_port)
gateway "$on" --redis-url "redis://127.0.0.1:$redis"
gateway "$off"
gateway "$on_small" --redis-url "redis://127.0.0.1:$redis" --cache-max-entries 16
gateway "$off_small" --cache-max-entries 16
for p in $on $off $on_small $off_small; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer hot' "http://127.0.0.1:$p/index.html")
  [ "$code" = 200 ] || { echo "tokengated on $p answers $code, not 200" >&2; exit 1; }
done
# Warm-up: the 1,000 answers go to Redis once (the small instance writes what it asks).
TOKENS=1000 wrk -t2 -c50 -d2s -s "$root/bench/tokens.lua" "http://127.0.0.1:$on_small/index.html" >/dev/null
sleep 0.5
keys=$(redis-cli -p "$redis" --raw DBSIZE)

calls_before=$(idp_calls)
calls_redis=0
for round in $(seq "$ROUNDS"); do
  echo "round $round" >&2
  for c in 50 200; do
    run_wrk nginx-proxy_pass "$proxy" $c
    run_wrk hot-redis-on "$on" $c -H 'Authorization: Bearer hot'
    run_wrk hot-redis-off "$off" $c -H 'Authorization: Bearer hot'
    before=$(idp_calls)
    TOKENS=1000 run_wrk 1000-tokens-redis "$on_small" $c -s "$root/bench/tokens.lua"
    calls_redis=$(( calls_redis + $(idp_calls) - before ))
    TOKENS=1000 run_wrk 1000-tokens-idp "$off_small" $c -s "$root/bench/tokens.lua"
  done
done
calls_all=$(( $(idp_calls) - calls_before ))

echo
echo "Shared Redis tier, median of $ROUNDS interleaved rounds of ${DURATION}s"
echo "(wrk -t2, loopback, 2 cores shared by all; tokengated 2 workers with HS256 JWT, TTL 300 s;"
echo " 1000-tokens-*: local cache of 16 entries, so Redis (on) or the mock IdP (off) answers)"
print_table nginx-proxy_pass hot-redis-on hot-redis-off 1000-tokens-redis 1000-tokens-idp
echo
for c in 50 200; do
  echo "c=$c: hot token, Redis tier on/off: $(ratio "$(median <<<"${rps[hot-redis-on,$c]}")" "$(median <<<"${rps[hot-redis-off,$c]}")");" \
    "local misses answered by Redis / by the IdP: $(ratio "$(median <<<"${rps[1000-tokens-redis,$c]}")" "$(median <<<"${rps[1000-tokens-idp,$c]}")")"
done
echo "Keys in Redis after the warm-up: $keys; IdP calls during the measured rounds:" \
  "$calls_redis with Redis, $(( calls_all - calls_redis )) without"
