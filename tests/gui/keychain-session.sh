#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs a command against a real Secret Service: a private D-Bus session (dbus-run-session)
# with gnome-keyring-daemon unlocked by a test password, HOME and XDG dirs in a temporary
# directory. Nothing touches the user's own keyring; everything started here is stopped.
# Usage: tests/gui/keychain-session.sh <command> [args...]   (bounded: 240 s)
set -euo pipefail

if [ -z "${TOKENGATE_KEYCHAIN_SESSION:-}" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp/home" "$tmp/run" "$tmp/config" "$tmp/data"
  chmod 700 "$tmp/run"
  status=0
  env HOME="$tmp/home" XDG_RUNTIME_DIR="$tmp/run" XDG_CONFIG_HOME="$tmp/config" \
    XDG_DATA_HOME="$tmp/data" TOKENGATE_KEYCHAIN_SESSION=1 \
    timeout -k 5 240 dbus-run-session -- "$0" "$@" || status=$?
  exit "$status"
fi

# Inside the private session. The daemon forks and claims its bus name a moment later;
# waiting for that keeps D-Bus activation from starting a second, locked one.
printf '%s' 'tokengate-test-password' |
  gnome-keyring-daemon --unlock --components=secrets >/dev/null
bus() { dbus-send --session --print-reply --dest=org.freedesktop.DBus / "$@"; }
for _ in $(seq 100); do
  bus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets | grep -q 'boolean true' && break
  sleep 0.1
done
keyring_pid=$(bus org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets |
  awk '/uint32/ { print $2 }')
stop_keyring() { kill "$keyring_pid" 2>/dev/null || true; }
trap stop_keyring EXIT
"$@"
