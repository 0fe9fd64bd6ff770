#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# installer_appstream: the desktop app's AppStream metainfo (as configured, with the version)
# and desktop file pass their validators, and agree on the application id and icon name.
#   appstream.sh METAINFO DESKTOP_FILE
set -euo pipefail
metainfo=$1 desktop=$2
command -v appstreamcli >/dev/null || { echo "SKIP: appstreamcli not installed"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# appstreamcli wants the file name to match the id.
timeout 60 appstreamcli validate --no-net --explain "$metainfo" || fail "appstreamcli validate"
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$desktop" || fail "desktop-file-validate"
else
  echo "note: desktop-file-validate not installed; lintian checks the desktop file"
fi
id=$(basename "$metainfo" .metainfo.xml)
grep -q "<id>$id</id>" "$metainfo" || fail "metainfo id is not $id"
grep -q "<launchable type=\"desktop-id\">$(basename "$desktop")</launchable>" "$metainfo" ||
  fail "launchable is not $(basename "$desktop")"
grep -qx "Icon=$id" "$desktop" || fail "desktop file icon is not $id"
grep -q '@PROJECT_VERSION@' "$metainfo" && fail "version not filled in"
echo "PASS"
