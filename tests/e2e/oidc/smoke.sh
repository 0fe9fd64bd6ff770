#!/usr/bin/env bash
# Smoke test of the e2e OAuth 2.0 server (provider.mjs, oidc-provider):
#   (a) client_credentials token, (b) RFC 7662 introspection -> active:true,
#   (c) RFC 7009 revocation, (d) introspection again -> active:false,
#   plus: an unencoded or wrong secret is rejected, the provider exits on SIGTERM
#   and on EOF of its stdin.
# Loopback only; every wait is bounded. Exit 0 only if every check held.
# Env: NODE (default node), NPM (default npm), OIDC_PORT (default 0 = any).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
NODE="${NODE:-node}"
NPM="${NPM:-npm}"
CURL=(curl -sS --noproxy '*' --connect-timeout 5 --max-time 10)

fail() { echo "smoke: FAIL: $*" >&2; exit 1; }
say() { echo "smoke: $*"; }
now_ms() { date +%s%3N; }

if [[ ! -d node_modules ]]; then
  say "node_modules missing: npm ci"
  t0=$(now_ms)
  "$NPM" ci --no-audit --no-fund
  say "npm ci took $(( $(now_ms) - t0 )) ms"
fi

WORK="$(mktemp -d)"
PID=""
IN=""
OUT=""

stop_provider() { # $1 = pid; bounded: SIGTERM, up to 5 s, then SIGKILL
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  return 1
}

cleanup() {
  local rc=$?
  if [[ -n "$IN" ]]; then exec {IN}>&- 2>/dev/null || true; fi
  if [[ -n "$OUT" ]]; then exec {OUT}<&- 2>/dev/null || true; fi
  if [[ -n "$PID" ]]; then stop_provider "$PID" || true; wait "$PID" 2>/dev/null || true; fi
  if [[ $rc -ne 0 && -s "$WORK/stderr" ]]; then
    echo "---- provider stderr ----" >&2
    cat "$WORK/stderr" >&2
  fi
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_provider: starts provider.mjs with its stdin and stdout on FIFOs held
# by this shell; sets PID, IN (write end of its stdin), OUT, LINE.
start_provider() {
  rm -f "$WORK/in" "$WORK/out"
  mkfifo "$WORK/in" "$WORK/out"
  "$NODE" provider.mjs <"$WORK/in" >"$WORK/out" 2>>"$WORK/stderr" &
  PID=$!
  exec {IN}<>"$WORK/in"   # read-write open: never blocks
  exec {OUT}<>"$WORK/out"
  local t0 deadline
  t0=$(now_ms)
  deadline=$(( t0 + 20000 ))
  LINE=""
  until read -r -t 0.2 LINE <&"$OUT"; do
    kill -0 "$PID" 2>/dev/null || fail "provider exited before printing its JSON line"
    (( $(now_ms) < deadline )) || fail "provider printed nothing within 20 s"
  done
  STARTUP_MS=$(( $(now_ms) - t0 ))
}

# json_check JSON JS-EXPRESSION-ON-o [message]
json_check() {
  "$NODE" -e '
    let o;
    try { o = JSON.parse(process.argv[1]); } catch (e) { console.error("not JSON: " + process.argv[1]); process.exit(1); }
    if (!(new Function("o", "return (" + process.argv[2] + ");"))(o)) process.exit(1);
  ' "$1" "$2" || fail "${3:-check failed}: $2 on $1"
}
json_get() { "$NODE" -e 'const v = JSON.parse(process.argv[1])[process.argv[2]]; if (v === undefined) process.exit(1); process.stdout.write(String(v));' "$1" "$2"; }

# RFC 6749 section 2.3.1 / Appendix B: application/x-www-form-urlencoded
# (unreserved bytes kept, space -> '+', every other byte -> %XX).
form_urlencode() {
  local LC_ALL=C s=$1 out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [A-Za-z0-9._~-]) out+=$c ;;
      ' ') out+='+' ;;
      *) printf -v c '%%%02X' "'$c"; out+=$c ;;
    esac
  done
  printf '%s' "$out"
}

# post URL AUTH-HEADER BODY -> sets HTTP_CODE and BODY
post() {
  local url=$1 auth=$2 data=$3
  HTTP_CODE=$("${CURL[@]}" -o "$WORK/body" -w '%{http_code}' -X POST "$url" \
    -H "Authorization: $auth" \
    -H 'Content-Type: application/x-www-form-urlencoded' \
    -H 'Accept: application/json' \
    --data-raw "$data") || fail "curl to $url failed"
  BODY=$(cat "$WORK/body")
}

# ---------------------------------------------------------------- start
start_provider
say "provider up in ${STARTUP_MS} ms: $LINE"
json_check "$LINE" 'Object.keys(o).join() === "issuer,port,token_endpoint,introspection_endpoint,revocation_endpoint,client_id,client_secret"' "JSON line keys"
json_check "$LINE" 'Number.isInteger(o.port) && o.port > 0 && o.issuer === "http://127.0.0.1:" + o.port' "issuer/port"
json_check "$LINE" '[o.token_endpoint, o.introspection_endpoint, o.revocation_endpoint].every((u) => u.startsWith(o.issuer + "/"))' "endpoints on loopback issuer"
TOKEN_EP=$(json_get "$LINE" token_endpoint)
INTROSPECT_EP=$(json_get "$LINE" introspection_endpoint)
REVOKE_EP=$(json_get "$LINE" revocation_endpoint)
CLIENT_ID=$(json_get "$LINE" client_id)
CLIENT_SECRET=$(json_get "$LINE" client_secret)

# HTTP Basic per RFC 6749 2.3.1: base64(urlencode(id) ":" urlencode(secret))
BASIC="Basic $(printf '%s:%s' "$(form_urlencode "$CLIENT_ID")" "$(form_urlencode "$CLIENT_SECRET")" | base64 -w0)"

# ---------------------------------------------------------------- (a) token
post "$TOKEN_EP" "$BASIC" 'grant_type=client_credentials&scope=read+write'
[[ $HTTP_CODE == 200 ]] || fail "token: HTTP $HTTP_CODE: $BODY"
say "(a) token: $BODY"
json_check "$BODY" 'typeof o.access_token === "string" && o.token_type === "Bearer" && o.expires_in > 0 && o.expires_in <= 600 && o.scope === "read write"' "token response"
ACCESS_TOKEN=$(json_get "$BODY" access_token)
[[ $ACCESS_TOKEN != *.*.* ]] || fail "access token looks like a JWT, expected opaque: $ACCESS_TOKEN"
ENC_TOKEN=$(form_urlencode "$ACCESS_TOKEN")

# ---------------------------------------------------------------- (b) introspect
post "$INTROSPECT_EP" "$BASIC" "token=${ENC_TOKEN}&token_type_hint=access_token"
[[ $HTTP_CODE == 200 ]] || fail "introspection: HTTP $HTTP_CODE: $BODY"
say "(b) introspection: $BODY"
json_check "$BODY" 'o.active === true && o.scope === "read write" && o.client_id === "'"$CLIENT_ID"'" && Number.isInteger(o.exp) && o.exp > Date.now() / 1000 && o.token_type === "Bearer"' "active introspection"

# ---------------------------------------------------------------- wrong encoding is rejected
RAW_BASIC="Basic $(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 -w0)"
post "$INTROSPECT_EP" "$RAW_BASIC" "token=${ENC_TOKEN}"
[[ $HTTP_CODE == 400 ]] || fail "unencoded Basic credentials: expected 400, got HTTP $HTTP_CODE: $BODY"
json_check "$BODY" 'o.error === "invalid_request"' "unencoded Basic credentials"
say "(-) unencoded secret in Basic rejected: HTTP $HTTP_CODE $BODY"
WRONG_BASIC="Basic $(printf '%s:%s' "$(form_urlencode "$CLIENT_ID")" "$(form_urlencode "${CLIENT_SECRET}x")" | base64 -w0)"
post "$INTROSPECT_EP" "$WRONG_BASIC" "token=${ENC_TOKEN}"
[[ $HTTP_CODE == 401 ]] || fail "wrong secret: expected 401, got HTTP $HTTP_CODE: $BODY"
json_check "$BODY" 'o.error === "invalid_client"' "wrong secret"
say "(-) wrong secret rejected: HTTP $HTTP_CODE $BODY"

# ---------------------------------------------------------------- (c) revoke
post "$REVOKE_EP" "$BASIC" "token=${ENC_TOKEN}&token_type_hint=access_token"
[[ $HTTP_CODE == 200 ]] || fail "revocation: HTTP $HTTP_CODE: $BODY"
say "(c) revocation: HTTP $HTTP_CODE body='${BODY}'"

# ---------------------------------------------------------------- (d) introspect again
post "$INTROSPECT_EP" "$BASIC" "token=${ENC_TOKEN}&token_type_hint=access_token"
[[ $HTTP_CODE == 200 ]] || fail "introspection after revocation: HTTP $HTTP_CODE: $BODY"
say "(d) introspection after revocation: $BODY"
json_check "$BODY" 'o.active === false && Object.keys(o).length === 1' "inactive introspection"

# ---------------------------------------------------------------- shutdown: SIGTERM
t0=$(now_ms)
stop_provider "$PID" || fail "provider did not exit within 5 s of SIGTERM"
wait "$PID" 2>/dev/null || true
say "provider exited $(( $(now_ms) - t0 )) ms after SIGTERM"
exec {IN}>&- {OUT}<&-
IN="" OUT="" PID=""

# ---------------------------------------------------------------- shutdown: stdin EOF
start_provider
t0=$(now_ms)
exec {IN}>&-
IN=""
for ((i = 0; i < 50; i++)); do
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$PID" 2>/dev/null && fail "provider still running 5 s after its stdin closed"
wait "$PID" 2>/dev/null || true
say "provider (2nd instance, up in ${STARTUP_MS} ms) exited $(( $(now_ms) - t0 )) ms after its stdin closed"
exec {OUT}<&-
OUT="" PID=""

say "PASS"
