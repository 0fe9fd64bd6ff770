#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# installer_rpm: builds the .rpm packages with cpack (skipped when rpmbuild is missing: Debian's
# "rpm" package provides it) and checks them with rpm itself: the automatic library
# requirements, the %post script that creates the system user, the config files marked
# %config(noreplace), and the file list.
#   rpm.sh CPACK_COMMAND BUILD_DIR VERSION
set -euo pipefail
cpack=$1 build=$2 version=$3
for tool in rpmbuild rpm; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
grep -Eq '^set\(CPACK_GENERATOR ".*RPM' "$build/CPackConfig.cmake" ||
  { echo "SKIP: RPM generator not configured (rpmbuild was missing at configure time)"; exit 77; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

timeout 120 "$cpack" --config "$build/CPackConfig.cmake" -G RPM -B "$work/pkg" \
  > "$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; fail "cpack -G RPM"; }
rpms=("$work"/pkg/tokengated-"$version"-*.rpm)
rpmfile=${rpms[0]}
[ -f "$rpmfile" ] || { ls "$work/pkg"; fail "no tokengated rpm"; }
echo "built: $(cd "$work/pkg" && ls -- *.rpm | tr '\n' ' ')"

rpm -qp --requires "$rpmfile" > "$work/requires"
for req in 'libQt6Core.so.6()(64bit)' 'libQt6Network.so.6()(64bit)' 'libcrypto.so.3()(64bit)'; do
  grep -qxF "$req" "$work/requires" || { cat "$work/requires"; fail "Requires lacks $req"; }
done
rpm -qp --scripts "$rpmfile" | grep -q 'useradd --system' || fail "%post does not create the user"
rpm -qp --configfiles "$rpmfile" | grep -qx /etc/tokengate/tokengated.env ||
  fail "tokengated.env is not %config"
rpm -qpl "$rpmfile" > "$work/files"
for f in /usr/bin/tokengated /usr/lib/systemd/system/tokengated.service; do
  grep -qx "$f" "$work/files" || { cat "$work/files"; fail "rpm lacks $f"; }
done
# Directories owned by the system (filesystem, systemd) must not be claimed by us.
! grep -Eqx '/usr|/usr/bin|/usr/lib|/usr/lib/systemd(/system)?|/etc|/usr/share(/doc|/man)?' \
  "$work/files" || fail "rpm owns system directories"
echo "PASS: $(rpm -qp --queryformat '%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}' "$rpmfile")"
