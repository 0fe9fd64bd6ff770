#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# CPU time per request (user + sys of each gateway process, from /proc) of two tokengated
# binaries under the same load: one hot cached token, HS256 JWT, 2 workers, no routes.
# Unlike requests/s it barely moves when other jobs share the machine, so it shows whether
# a change made the hot path dearer.
#   bench/cpupercall.sh BASELINE_TOKENGATED [CANDIDATE_TOKENGATED]   (ROUNDS=4 DURATION=3)
# BASELINE_ARGS / CANDIDATE_ARGS add options to one side ("--access-log @WORK@/access.log":
# @WORK@ is the run's scratch folder), so one binary can be compared with a feature on and off.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
baseline=${1:?usage: bench/cpupercall.sh BASELINE_TOKENGATED [CANDIDATE_TOKENGATED]}
candidate=${2:-$build/daemon/tokengated}
start_nginx
head -c 32 /dev/urandom | base64 > "$work/jwt.key"
declare -A pid port
gateway() { # NAME BINARY EXTRA_ARGS
  port[$1]=$(free_port)
  local extra
  read -r -a extra <<<"${3//@WORK@/$work}"
  "$2" --listen 127.0.0.1:"${port[$1]}" --upstream http://127.0.0.1:$origin \
    --introspection-url "http://127.0.0.1:$idp/introspect" --client-id bench --cache-ttl 300 \
    --jwt-header X-Jwt --jwt-secret-file "$work/jwt.key" --workers 2 --access-log off \
    --log-level error "${extra[@]}" 2>/dev/null & pids+=($!) # admin listener: lib.sh
  pid[$1]=$!
  wait_port "${port[$1]}"
}
gateway baseline "$baseline" "${BASELINE_ARGS:-}"
gateway candidate "$candidate" "${CANDIDATE_ARGS:-}"
declare -A us
for round in $(seq "$ROUNDS"); do
  for n in baseline candidate; do
    t0=$(ticks "${pid[$n]}")
    out=$(wrk -t1 -c20 -d"${DURATION}"s -H 'Authorization: Bearer hot' \
      "http://127.0.0.1:${port[$n]}/index.html")
    t1=$(ticks "${pid[$n]}")
    r=$(awk '/requests in/ {print $1}' <<<"$out")
    v=$(awk -v t=$((t1 - t0)) -v r="$r" -v hz="$hz" 'BEGIN {printf "%.1f", t / hz * 1e6 / r}')
    us[$n]+="$v "
    echo "  round $round $n: $v us CPU/request ($r requests)" >&2
  done
done
for n in baseline candidate; do
  echo "$n: median $(median <<<"${us[$n]}") us CPU per request (${us[$n]% })"
done
