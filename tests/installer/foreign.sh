#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# installer_foreign: nothing here can build for Windows or macOS, but their CMake logic can at
# least run. A stub project (the real installer/ and resources/, stub tokengated and tokengate
# targets) is configured with WIN32, then APPLE, forced on; the test checks the CPack settings
# and install steps that come out, and that the WiX patch and the plists are well-formed.
#   foreign.sh SOURCE_DIR
set -euo pipefail
src=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

for platform in WIN32 APPLE; do
  stub=$work/$platform/src
  mkdir -p "$stub/daemon" "$stub/gui"
  for f in installer resources LICENSE README.md; do ln -s "$src/$f" "$stub/$f"; done
  echo 'int main(void) { return 0; }' > "$stub/main.c"
  # UNIX stays on for APPLE, as on a Mac; Windows has neither.
  [ $platform = WIN32 ] && platform_vars='set(WIN32 1)
unset(UNIX)' || platform_vars='set(APPLE 1)'
  cat > "$stub/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.25)
project(Tokengate VERSION 0.1.0 LANGUAGES C DESCRIPTION "OAuth 2.0 token-introspection gateway")
$platform_vars
add_subdirectory(daemon)
add_subdirectory(gui)
add_subdirectory(installer)
CMAKE
  cat > "$stub/daemon/CMakeLists.txt" <<'CMAKE'
add_executable(tokengated ../main.c)
install(TARGETS tokengated RUNTIME DESTINATION bin COMPONENT daemon)
CMAKE
  echo 'add_executable(tokengate ../main.c)' > "$stub/gui/CMakeLists.txt"
  timeout 60 cmake -S "$stub" -B "$work/$platform/build" > "$work/$platform.log" 2>&1 ||
    { cat "$work/$platform.log"; fail "configure with $platform"; }
  ! grep -q 'CMake Warning' "$work/$platform.log" || { cat "$work/$platform.log"; fail "warnings with $platform"; }
done

has() { grep -qF -- "$2" "$work/$1/build/$3" || fail "$1: $3 lacks: $2"; }
has WIN32 'set(CPACK_GENERATOR "WIX")' CPackConfig.cmake
has WIN32 'set(CPACK_WIX_UPGRADE_GUID "6C95B1BF-7F69-4637-84E0-85E6246956B3")' CPackConfig.cmake
has WIN32 'set(CPACK_PACKAGE_EXECUTABLES "tokengate;Tokengate")' CPackConfig.cmake
has WIN32 'set(CPACK_COMPONENTS_ALL "daemon;gui;runtime")' CPackConfig.cmake
has WIN32 'installer/windows/service.wxs' CPackConfig.cmake
has WIN32 'LICENSE.txt' CPackConfig.cmake
has WIN32 'windows/deploy.ps1' installer/cmake_install.cmake
has APPLE 'set(CPACK_GENERATOR "DragNDrop")' CPackConfig.cmake
has APPLE 'set(CPACK_COMPONENTS_ALL "gui")' CPackConfig.cmake
has APPLE 'Tokengate.app/Contents/MacOS' installer/cmake_install.cmake
has APPLE 'macos/deploy.sh' installer/cmake_install.cmake
has APPLE 'io.tokengate.tokengated.plist' installer/cmake_install.cmake
# Neither leaks the Linux packaging.
for platform in WIN32 APPLE; do
  ! grep -q 'CPACK_DEBIAN_PACKAGE_SHLIBDEPS' "$work/$platform/build/CPackConfig.cmake" ||
    fail "$platform got the Linux settings"
done

if command -v xmllint >/dev/null; then
  xmllint --noout "$src/installer/windows/service.wxs" "$src/installer/macos/Info.plist.in" \
    "$src/installer/macos/io.tokengate.tokengated.plist" || fail "malformed XML"
fi
python3 -c 'import plistlib, sys; plistlib.load(open(sys.argv[1], "rb"))' \
  "$src/installer/macos/io.tokengate.tokengated.plist" || fail "launchd plist does not parse"
echo "PASS"
