#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# installer_systemd: the generated tokengated.service passes `systemd-analyze verify` without a
# single warning (unknown keys are only warnings there), declares the Type= the build calls
# for, keeps its hardening (`systemd-analyze security --offline` exposure at most 2.0), and
# carries the settings the packages and README rely on.
#   systemd.sh UNIT DAEMON_BINARY notify|simple
set -euo pipefail
unit=$1 daemon=$2 type=$3
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze not installed"; exit 77; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# verify checks that ExecStart= names an executable: point it at the built daemon.
grep -q '^ExecStart=/usr/bin/tokengated ' "$unit" || fail "ExecStart= is not /usr/bin/tokengated"
sed "s|/usr/bin/tokengated|$daemon|g" "$unit" > "$work/tokengated.service"
(cd "$work" && timeout 30 systemd-analyze verify --man=no tokengated.service) > "$work/verify" 2>&1 ||
  { cat "$work/verify"; fail "systemd-analyze verify"; }
[ ! -s "$work/verify" ] || { cat "$work/verify"; fail "systemd-analyze verify printed warnings"; }

# --offline needs v250; older systemd-analyze cannot judge a unit file by itself.
if (cd "$work" && timeout 30 systemd-analyze security --offline=yes --threshold=20 \
      tokengated.service) > "$work/security" 2>&1; then
  grep "Overall exposure" "$work/security"
elif grep -q "unrecognized option" "$work/security"; then
  echo "note: systemd-analyze security --offline not supported here"
else
  cat "$work/security"; fail "exposure level above 2.0"
fi

expect() { grep -qx -- "$1" "$unit" || fail "missing line: $1"; }
expect "Type=$type"
expect "ExecReload=/bin/kill -HUP \$MAINPID"
expect "EnvironmentFile=-/etc/tokengate/tokengated.env"
expect "DynamicUser=yes"
expect "User=tokengate"
expect "CapabilityBoundingSet="
expect "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"
expect "SystemCallFilter=@system-service"
grep -q '^LoadCredential=client-secret:' "$unit" || fail "no LoadCredential= for the client secret"
# The packages install the unit but never enable it; enabling needs an [Install] target.
expect "WantedBy=multi-user.target"
echo "PASS: $unit"
