#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Soak under faults (not a test, not in CI): the real tokengated (2 workers, cache with stale
# grace, the Redis tier on a real redis-server, HS256 JWT) in front of nginx, for DURATION
# seconds of mixed traffic from bench/soak.py (hot, unique, inactive, revoked and malformed
# tokens, 4 MiB uploads and 8 MiB downloads, pipelining, clients leaving early) while the IdP
# (bench/soakidp.py) is up 5 s then down 5 s (refusing or hanging, in turn), Redis is
# restarted every REDIS_EVERY seconds and a SIGHUP reload (alternately a new JWT secret and a
# new cache setting) comes every RELOAD_EVERY seconds. Exits non-zero if any check fails:
#   wrongly allowed = 0  (a 2xx for an inactive or malformed token, or for a revoked one after
#                         the cache TTL + stale grace + 1 s), wrongly refused = 0 (a 401 for a
#                         valid token, IdP up or down), no other unexpected status, no request
#                         hung or dropped,
#   RSS after the warm-up (the first tenth, 20 s at least) grows by at most 10 %, open fds
#   once the clients are gone equal those at the start, no crash (alive throughout, exit 0 on
#   SIGTERM, no sanitizer report), every reload done.
#   bench/soak.sh   (DURATION=600 CLIENTS=24 RELOAD_EVERY=30 REDIS_EVERY=20 by default)
set -euo pipefail
DURATION=${DURATION:-600}
source "$(dirname "$0")/lib.sh"
CLIENTS=${CLIENTS:-24}
RELOAD_EVERY=${RELOAD_EVERY:-30}
REDIS_EVERY=${REDIS_EVERY:-20}
FLAP=5
TTL=3 GRACE=10 # the cache: a revoked token may pass for TTL + GRACE after its revocation
bench_build tokengated

origin=$(free_port) proxy=$(free_port) idp=$(free_port) redis=$(free_port) tg=$(free_port)
admin=$(free_port)
{ nginx_conf_head; echo "}"; } > "$work/nginx.conf"
head -c $((8 << 20)) /dev/urandom > "$work/www/big.bin"
nginx -c "$work/nginx.conf" -e "$work/error.log" -g 'daemon off;' & pids+=($!)

redis_pid=
start_redis() {
  redis-server --port "$redis" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
    --logfile "$work/redis.log" & redis_pid=$!; pids+=($!)
}
start_redis

# Traffic and the IdP's flapping start together at t0, once everything is up.
t0=$(($(date +%s) + 20))
python3 "$root/bench/soakidp.py" "$idp" "$t0" "$FLAP" > "$work/idp.log" & pids+=($!)
for p in $origin $redis $idp; do wait_port "$p"; done

head -c 32 /dev/urandom | base64 > "$work/jwt.key"
echo soak-secret > "$work/idp.secret"
write_config() { # NEGATIVE_TTL
  cat > "$work/soak.yml" <<YML
listen: "127.0.0.1:$tg"
workers: 2
log: { level: info, access_log: "off" }
upstream: { url: "http://127.0.0.1:$origin", idle_timeout: 2 }
introspection:
  - name: default
    url: "http://127.0.0.1:$idp/introspect"
    client_id: soak
    client_secret: "file:$work/idp.secret"
    timeout: 2
cache:
  { enabled: true, ttl: $TTL, negative_ttl: $1, stale_grace: $GRACE, max_entries: 1000,
    redis: { url: "redis://127.0.0.1:$redis" } }
jwt: { header: X-User-Jwt, secret: "file:$work/jwt.key" }
YML
}
write_config 5
"$tokengated" --config "$work/soak.yml" --admin-listen "127.0.0.1:$admin" \
  2> "$work/tokengated.log" & gw=$!; pids+=($gw)
wait_port "$tg"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer v-check' "http://127.0.0.1:$tg/index.html")
[ "$code" = 200 ] || { echo "tokengated answers $code, not 200" >&2; cat "$work/tokengated.log" >&2; exit 1; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$gw/status"; }
fds() { find "/proc/$gw/fd" -mindepth 1 | wc -l; }
metrics() { curl -s "http://127.0.0.1:$admin/metrics"; }
metric() { awk -v m="$1" '$1 == m {s += $2} END {print s + 0}' <<<"$2"; }
redis_ready() { # every worker connected, evictions subscribed
  local m; m=$(metrics)
  (($(metric 'tokengate_redis_connections{state="up"}' "$m") == 2 &&
    $(metric tokengate_redis_subscribed "$m") == 1))
}
fd_kinds() { # what the open descriptors are, e.g. "12 socket"
  find "/proc/$gw/fd" -mindepth 1 -printf '%l\n' | sed 's/:\[[0-9]*\]$//' | sort | uniq -c
}
# The idle state to come back to: every worker connected to Redis, the IdP and upstream
# connections of the check above closed (idle timeout 2 s here).
for _ in $(seq 50); do redis_ready && break; sleep 0.1; done
sleep 3
fds_start=$(fds) rss_start=$(rss)
fd_kinds > "$work/fds.start"

echo "soak: ${DURATION}s, $CLIENTS clients; IdP flaps every ${FLAP}s, Redis restarts every" \
  "${REDIS_EVERY}s, SIGHUP every ${RELOAD_EVERY}s" >&2
PYTHONPATH="$root/bench" python3 "$root/bench/soak.py" "$tg" "$t0" "$FLAP" "$DURATION" \
  $((TTL + GRACE + 1)) "$CLIENTS" > "$work/report.json" & driver=$!; pids+=($driver)
reloads=0 redis_restarts=0 crashed=0
next_reload=$RELOAD_EVERY next_redis=$REDIS_EVERY redis_back=0 next_sample=0
: > "$work/rss.log" # "second RSS_kB" during the traffic, one a second
while ours "$driver"; do
  sleep 0.2
  ours "$gw" || { crashed=1; break; }
  t=$(($(date +%s) - t0))
  if ((t >= next_sample && t < DURATION)); then
    next_sample=$((t + 1)); echo "$t $(rss)" >> "$work/rss.log"
  fi
  if ((t >= next_reload)); then
    next_reload=$((next_reload + RELOAD_EVERY)) reloads=$((reloads + 1))
    if ((reloads % 2)); then head -c 32 /dev/urandom | base64 > "$work/jwt.key"
    else write_config $((5 - (reloads / 2) % 2)); fi # 4, 5, 4, ...: the cache is replaced
    kill -HUP "$gw"
  fi
  if ((t >= next_redis)); then # down for 2 s
    next_redis=$((next_redis + REDIS_EVERY)) redis_back=$((t + 2)) redis_restarts=$((redis_restarts + 1))
    if ours "$redis_pid"; then kill "$redis_pid"; wait "$redis_pid" || true; fi
  fi
  if ((redis_back && t >= redis_back)); then redis_back=0; start_redis; fi
done
wait "$driver" || true
if ((crashed)); then
  echo "FAIL: tokengated died during the soak" >&2; tail -50 "$work/tokengated.log" >&2; exit 1
fi
((redis_back == 0)) || start_redis
rss_idle=$(rss)
# Idle again: client connections gone, pooled IdP and upstream connections past their idle
# timeout, every worker back on Redis (reconnect backoff at most 2 s).
for _ in $(seq 60); do
  [ "$(fds)" = "$fds_start" ] && redis_ready && break
  sleep 0.5
done
fds_end=$(fds)
m=$(metrics)
fd_kinds > "$work/fds.end"
ss -tanpH | grep "pid=$gw," | awk '{print $1, $4, $5}' > "$work/sockets.end" || true
status=0
if ours "$gw"; then kill -TERM "$gw"; wait "$gw" || status=$?; else status=255; fi # died since

failed=0
check() { # NAME OK(0|1) DETAIL
  printf '  %-16s %-4s  %s\n' "$1" "$([ "$2" = 1 ] && echo ok || echo FAIL)" "$3"
  [ "$2" = 1 ] || failed=1
}
echo
echo "Soak: ${DURATION}s, $CLIENTS clients, $reloads SIGHUP reloads, $redis_restarts Redis" \
  "restarts, IdP up/down every ${FLAP}s (down: refusing, then hanging)"
python3 - "$work/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"requests: {r['requests']}; by status: " +
      ", ".join(f"{k}: {v}" for k, v in r["by_status"].items()))
print("by class and IdP phase at the request's start:")
for kind, phases in r["classes"].items():
    print(f"  {kind:19}" + " | ".join(
        f"{p} " + " ".join(f"{s}:{n}" for s, n in phases[p].items())
        for p in ("up", "refuse", "hang") if p in phases))
print("aborted clients: " + ", ".join(f"{k}: {v}" for k, v in r["aborted"].items()))
print("5xx by token class and reason: " +
      ", ".join(f"{k}: {v}" for k, v in r["refusals"].items()))
for k, v in r["examples"].items():
    print(f"{k} e.g.: " + "; ".join(v))
PY
echo "tokengated: stale answers $(metric tokengate_cache_stale_served_total "$m"), IdP" \
  "errors $(metric tokengate_idp_errors_total "$m"), answered by Redis" \
  "$(metric 'tokengate_token_checks_total{outcome="redis"}' "$m"), Redis connections up" \
  "$(metric 'tokengate_redis_connections{state="up"}' "$m")"
for p in wrongly_allowed wrongly_refused unexpected hung dropped; do
  n=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['problems'][sys.argv[2]])" \
    "$work/report.json" "$p")
  check "$p" "$((n == 0))" "$n"
done
# RSS: the median second of each window of a tenth of the run (warm-up, middle, end), so that
# a burst of large bodies in flight at one instant does not count as growth.
read -r rss_warm rss_mid rss_end < <(awk -v d="$DURATION" -v w="$((DURATION / 10 > 20 ? DURATION / 10 : 20))" '
  function median(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n ? a[int((n + 1) / 2)] : 0 }
  $1 >= w && $1 < w + d / 10 { a[++na] = $2 }
  $1 >= d / 2 - d / 20 && $1 < d / 2 + d / 20 { b[++nb] = $2 }
  $1 >= d - d / 10 { c[++nc] = $2 }
  END { print median(a, na), median(b, nb), median(c, nc) }' "$work/rss.log")
growth=$(awk -v w="$rss_warm" -v m="$rss_mid" -v e="$rss_end" 'BEGIN {x = (m > e ? m : e); printf "%.1f", w ? (x / w - 1) * 100 : 999}')
check "rss" "$(awk -v g="$growth" 'BEGIN {print (g <= 10)}')" \
  "start $rss_start kB, after warm-up $rss_warm kB, middle $rss_mid kB, end $rss_end kB\
 ($growth % over warm-up), idle after $rss_idle kB, peak $(sort -k2 -n "$work/rss.log" | tail -1 | cut -d' ' -f2) kB"
check "fds" "$((fds_end == fds_start))" "start $fds_start, end $fds_end"
if ((fds_end != fds_start)); then
  echo "    at the start:" $(cat "$work/fds.start"); echo "    at the end:" $(cat "$work/fds.end")
  echo "    TCP sockets at the end (origin $origin, IdP $idp, Redis $redis, admin $admin):"
  sed 's/^/      /' "$work/sockets.end"
fi
reports=$(grep -cE 'Sanitizer|runtime error:' "$work/tokengated.log" || true)
check "no crash" "$((status == 0 && reports == 0))" "exit $status on SIGTERM, $reports sanitizer reports"
done_=$(grep -c 'reload done' "$work/tokengated.log" || true)
check "reloads" "$((done_ == reloads))" "$reloads sent, $done_ done, $(grep -c 'reload refused' "$work/tokengated.log" || true) refused"
exit $failed
