#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Takes the README's screenshots: the desktop app in demo mode with live sample traffic,
# under Xvfb, with fresh settings and a private keychain session (tests/gui/keychain-session.sh)
# so nothing of the user's own setup shows: the live log (resources/screenshot.png), then the
# test bench, the cache inspector, the settings, the routes editor and the endpoints
# (resources/screenshot-<page>.png).
# Bounded in time; stops what it starts.
# Usage: gui/screenshot.sh [output-folder]   (default resources/; needs a build in build/)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
app=${TOKENGATE_GUI:-$root/build/gui/tokengate}
dir=$(realpath -m "${1:-$root/resources}")
[ -x "$app" ] || { echo "screenshot: build the app first ($app)" >&2; exit 1; }
mkdir -p "$dir"
# 40 s of traffic fill the charts, 10 s the other pages; the window grabs itself
# (QWidget::grab) and quits.
for page in live bench cache settings routes endpoints; do
  out=$dir/screenshot-$page.png delay=10
  [ "$page" = live ] && out=$dir/screenshot.png delay=40
  "$root/tests/gui/keychain-session.sh" \
    timeout -k 5 120 xvfb-run -a -s "-screen 0 1400x900x24" \
    env QT_QPA_PLATFORM=xcb "$app" --demo --page "$page" --screenshot "$out" \
    --screenshot-delay "$delay"
  echo "screenshot: $out"
done
