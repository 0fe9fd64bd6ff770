#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Takes the README's screenshot: the desktop app in demo mode with live sample traffic,
# under Xvfb, with fresh settings and a private keychain session (tests/gui/keychain-session.sh)
# so nothing of the user's own setup shows. Bounded in time; stops what it starts.
# Usage: gui/screenshot.sh [output.png]   (default resources/screenshot.png; needs a build in build/)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
app=${TOKENGATE_GUI:-$root/build/gui/tokengate}
out=$(realpath -m "${1:-$root/resources/screenshot.png}")
[ -x "$app" ] || { echo "screenshot: build the app first ($app)" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
# 40 s of traffic fill the charts; the window grabs itself (QWidget::grab) and quits.
"$root/tests/gui/keychain-session.sh" \
  timeout -k 5 120 xvfb-run -a -s "-screen 0 1400x900x24" \
  env QT_QPA_PLATFORM=xcb "$app" --demo --screenshot "$out" --screenshot-delay 40
echo "screenshot: $out"
