#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Makes Tokengate.app self-contained: macdeployqt copies the Qt frameworks and plugins that
# the app and the daemon inside it (Contents/MacOS/tokengated) need, then the bundle is
# signed again (ad hoc unless CODESIGN_IDENTITY is set), since rewriting library paths
# invalidates signatures. Run by `cmake --install` / cpack on macOS; untested here.
#   installer/macos/deploy.sh /path/to/Tokengate.app
set -eu
app=${1:?usage: deploy.sh /path/to/Tokengate.app}
macdeployqt=${MACDEPLOYQT:-$(command -v macdeployqt || true)}
if [ -z "$macdeployqt" ] && [ -n "${QTDIR:-}" ]; then
  macdeployqt=$QTDIR/bin/macdeployqt
fi
[ -x "$macdeployqt" ] || { echo "deploy.sh: macdeployqt not found: set MACDEPLOYQT or QTDIR" >&2; exit 1; }
"$macdeployqt" "$app" -always-overwrite -executable="$app/Contents/MacOS/tokengated"
codesign --force --deep --sign "${CODESIGN_IDENTITY:--}" "$app"
