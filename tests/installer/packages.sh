#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# installer_packages: builds the .deb packages (daemon, and gui when the desktop app is built)
# and the .tar.gz with cpack from the built tree, then checks what a user gets:
#  - control data: Depends computed by dpkg-shlibdeps (versioned libc6 and Qt), conffiles,
#    maintainer scripts; the tarball's layout;
#  - dpkg unpacks the packages into an empty root with its own dpkg database (never the
#    system's): files and conffiles registered there;
#  - the maintainer scripts, run with stub commands in place of adduser, deluser, rm and
#    systemctl: postinst creates the system user and enables nothing, postrm purge removes it;
#  - as root: dpkg -i (Depends checked), reinstall, --remove and --purge in a throwaway chroot
#    (chroot.sh), with the real adduser and deluser;
#  - the unpacked tokengated: --version, --check-config on the unpacked example config, the
#    unpacked unit passes systemd-analyze verify,
#    and a demo-mode run passes one request with a token from the demo IdP, refuses one
#    without, and exits 0 on SIGTERM;
#  - lintian on every .deb: errors fail the test, other findings are printed.
#   packages.sh CPACK_COMMAND BUILD_DIR VERSION
set -euo pipefail
cpack=$1 build=$2 version=$3
for tool in dpkg dpkg-deb dpkg-shlibdeps curl; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done

work=$(mktemp -d)
daemon_pid=
cleanup() {
  [ -z "$daemon_pid" ] || kill -KILL "$daemon_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== [${SECONDS}s] $*"; }

step "cpack -G DEB;TGZ"
timeout 120 "$cpack" --config "$build/CPackConfig.cmake" -G "DEB;TGZ" -B "$work/pkg" \
  > "$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; fail "cpack"; }
deb=$work/pkg/tokengated_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || { ls "$work/pkg"; fail "no $deb"; }
debs=("$work"/pkg/*.deb)
echo "built: $(cd "$work/pkg" && ls -- *.deb *.tar.gz | tr '\n' ' ')"

step "control data of $(basename "$deb")"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for dep in 'adduser' 'libc6 (>= ' 'libqt6core6 (>= ' 'libqt6network6 (>= ' 'libssl3 (>= '; do
  [[ $depends == *"$dep"* ]] || fail "Depends lacks \"$dep\" (dpkg-shlibdeps not run?)"
done
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "Version is not $version"
dpkg-deb -e "$deb" "$work/control"
[ -x "$work/control/postinst" ] && [ -x "$work/control/postrm" ] || fail "maintainer scripts missing"
grep -qx /etc/tokengate/tokengated.env "$work/control/conffiles" || fail "tokengated.env not a conffile"
example=no
dpkg-deb -c "$deb" > "$work/deb.list"
if grep -q ' \./etc/tokengate/tokengate\.yml$' "$work/deb.list"; then
  example=yes
  grep -qx /etc/tokengate/tokengate.yml "$work/control/conffiles" || fail "tokengate.yml not a conffile"
fi
for gui_deb in "$work"/pkg/tokengate_*.deb; do
  [ -f "$gui_deb" ] || continue
  echo "gui Depends: $(dpkg-deb -f "$gui_deb" Depends)"
  for dep in 'libqt6widgets6 (>= ' 'qt6-qpa-plugins'; do
    [[ $(dpkg-deb -f "$gui_deb" Depends) == *"$dep"* ]] || fail "gui Depends lacks $dep"
  done
  dpkg-deb -c "$gui_deb" > "$work/gui.list"
  for f in usr/bin/tokengate usr/share/applications/io.tokengate.Tokengate.desktop \
           usr/share/metainfo/io.tokengate.Tokengate.metainfo.xml \
           usr/share/icons/hicolor/scalable/apps/io.tokengate.Tokengate.svg \
           usr/share/icons/hicolor/48x48/apps/io.tokengate.Tokengate.png; do
    grep -q " \./$f\$" "$work/gui.list" || fail "$(basename "$gui_deb") lacks /$f"
  done
done

step "tarball layout"
tgz=$work/pkg/tokengate-$version-Linux-daemon.tar.gz
tar -tzf "$tgz" > "$work/tgz.list"
for f in usr/bin/tokengated etc/tokengate/tokengated.env usr/lib/systemd/system/tokengated.service; do
  grep -qx "$f" "$work/tgz.list" || fail "tarball lacks $f"
done
# Unpacked over /, a top-level lib/ or bin/ directory would replace merged-/usr's symlinks.
! grep -Eq '^(lib|bin|sbin)/' "$work/tgz.list" || fail "tarball has top-level lib/, bin/ or sbin/"

step "dpkg --unpack into an empty root"
root=$work/root admindir=$work/root/var/lib/dpkg
mkdir -p "$admindir/info" "$admindir/updates"
touch "$admindir/status" "$admindir/available"
# --unpack, not --install: configuring would run postinst chrooted into a root without a
# shell; the scripts are checked with stubs below. Dependencies live on the host, not here.
timeout 60 dpkg --root="$root" --admindir="$admindir" --log="$work/dpkg.log" --force-not-root \
  --force-depends --no-triggers --unpack "${debs[@]}" > "$work/dpkg.out" 2>&1 ||
  { cat "$work/dpkg.out"; fail "dpkg --unpack"; }
status=$(dpkg-query --admindir="$admindir" -W -f '${Status}' tokengated)
[ "$status" = "install ok unpacked" ] || fail "dpkg status of tokengated: $status"
dpkg-query --admindir="$admindir" -W -f '${Conffiles}\n' tokengated | grep -q /etc/tokengate/tokengated.env ||
  fail "conffile not registered"
for f in /usr/bin/tokengated /usr/lib/systemd/system/tokengated.service \
         /usr/share/doc/tokengated/copyright /usr/share/man/man8/tokengated.8.gz; do
  [ -e "$root$f" ] || fail "$f not unpacked"
done
# Conffiles wait as .dpkg-new until dpkg configures the package.
[ -e "$root/etc/tokengate/tokengated.env.dpkg-new" ] || fail "tokengated.env not unpacked"
[ "$(dpkg-query --admindir="$admindir" -L tokengated | grep -c .)" -gt 10 ] || fail "file list short"

step "maintainer scripts with stub commands"
stubs=$work/stubs
mkdir "$stubs"
for cmd in adduser deluser delgroup userdel rm systemctl deb-systemd-helper deb-systemd-invoke; do
  printf '#!/bin/sh\necho "%s $*" >> "%s/calls"\n' "$cmd" "$work" > "$stubs/$cmd"
done
printf '#!/bin/sh\n[ -e "%s/user-exists" ]\n' "$work" > "$stubs/getent"
chmod +x "$stubs"/*
env -i PATH="$stubs:/usr/bin:/bin" /bin/sh "$work/control/postinst" configure || fail "postinst"
grep -q '^adduser --system .*tokengate$' "$work/calls" || { cat "$work/calls"; fail "postinst made no system user"; }
! grep -Eq '^(systemctl|deb-systemd-helper|deb-systemd-invoke)' "$work/calls" || fail "postinst enables the unit"
: > "$work/calls"
touch "$work/user-exists"
env -i PATH="$stubs:/usr/bin:/bin" /bin/sh "$work/control/postinst" configure || fail "postinst again"
! grep -q '^adduser' "$work/calls" || fail "postinst adds an existing user again"
env -i PATH="$stubs:/usr/bin:/bin" /bin/sh "$work/control/postrm" remove || fail "postrm remove"
! grep -q '^deluser' "$work/calls" || fail "postrm remove deletes the user"
env -i PATH="$stubs:/usr/bin:/bin" /bin/sh "$work/control/postrm" purge || fail "postrm purge"
grep -q '^deluser --system .*tokengate$' "$work/calls" || { cat "$work/calls"; fail "postrm purge kept the user"; }

step "dpkg -i, reinstall, --remove, --purge in a throwaway chroot"
# A chroot without debootstrap, in a mount namespace of its own: a tmpfs root with the host's
# /usr and dpkg database as read-only lower layers of overlays (writes land in $work) and a
# copy of /etc. dpkg checks Depends against the host's installed packages and runs the
# maintainer scripts chrooted, with the real adduser and deluser. Nothing reaches the host.
# Needs root and overlayfs; otherwise only the stubbed run above.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null &&
   unshare --mount --propagation private true 2>/dev/null; then
  chroot_rc=0
  env CR="$work/chroot" VERSION="$version" timeout 120 \
    unshare --mount --propagation private sh "$(dirname "$0")/chroot.sh" "${debs[@]}" \
    > "$work/chroot.out" 2>&1 || chroot_rc=$?
  if [ $chroot_rc = 77 ]; then
    echo "note: no overlayfs or merged /usr here: $(tail -1 "$work/chroot.out")"
  elif [ $chroot_rc != 0 ]; then
    cat "$work/chroot.out"; fail "dpkg in the chroot (exit $chroot_rc)"
  else
    grep '^chroot:' "$work/chroot.out"
  fi
else
  echo "note: not root or no mount namespace here: only the stubbed run above"
fi

step "unpacked tokengated"
tokengated=$root/usr/bin/tokengated
out=$(timeout 10 "$tokengated" --version)
[ "$out" = "tokengated $version" ] || fail "--version printed \"$out\""
echo "$out"
sed "s|/usr/bin/tokengated|$tokengated|g" "$root/usr/lib/systemd/system/tokengated.service" \
  > "$work/tokengated.service"
if command -v systemd-analyze >/dev/null; then
  (cd "$work" && timeout 30 systemd-analyze verify --man=no tokengated.service) > "$work/verify" 2>&1 &&
    [ ! -s "$work/verify" ] || { cat "$work/verify"; fail "systemd-analyze verify of the unpacked unit"; }
  echo "systemd-analyze verify: clean"
fi
if [ $example = yes ]; then
  config=$root/etc/tokengate/tokengate.yml.dpkg-new
  # The example names its secrets as env:NAME references: give each a dummy value.
  secrets=()
  for name in $(grep -oE 'env:[A-Za-z_][A-Za-z0-9_]*' "$config" | cut -d: -f2 | sort -u); do
    secrets+=("$name=example-$name")
  done
  (cd "$work" && env "${secrets[@]}" timeout 10 "$tokengated" --config "$config" --check-config) \
    > "$work/check.out" 2>&1 || { cat "$work/check.out"; fail "--check-config on the example config"; }
  echo "--check-config on /etc/tokengate/tokengate.yml: ok"
else
  fail "the package carries no example config for --check-config"
fi

step "demo mode: one request"
mkdir "$work/run"
# Port 0 everywhere: parallel tests must not collide (the admin option may not exist yet).
(cd "$work/run" && exec env TOKENGATE_LISTEN=127.0.0.1:0 TOKENGATE_ADMIN_LISTEN=127.0.0.1:0 \
   "$tokengated" --demo > "$work/demo.out" 2> "$work/demo.err") &
daemon_pid=$!
line=
for _ in $(seq 100); do
  line=$(grep -m1 "curl -i -H 'Authorization: Bearer " "$work/demo.err" || true)
  [ -z "$line" ] || break
  kill -0 "$daemon_pid" 2>/dev/null || { cat "$work/demo.err"; fail "tokengated --demo exited"; }
  sleep 0.1
done
[ -n "$line" ] || { cat "$work/demo.err"; fail "no demo token line within 10 s"; }
token=$(sed -E "s/.*Bearer ([^']+)'.*/\1/" <<< "$line")
url=$(awk '{print $NF}' <<< "$line")
code=$(curl -sS --max-time 10 -o "$work/body" -w '%{http_code}' -H "Authorization: Bearer $token" "$url")
[ "$code" = 200 ] || { cat "$work/body"; fail "request with the demo token: HTTP $code"; }
grep -q '/hello?name=world' "$work/body" || { cat "$work/body"; fail "echo upstream did not see the request"; }
code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "${url%%\?*}")
[ "$code" = 401 ] || fail "request without a token: HTTP $code"
echo "with the demo token: 200 from the echo upstream; without: 401"
kill -TERM "$daemon_pid"
rc=0
timeout 20 tail --pid="$daemon_pid" -f /dev/null || fail "tokengated still running 20 s after SIGTERM"
wait "$daemon_pid" || rc=$?
daemon_pid=
[ $rc = 0 ] || { cat "$work/demo.err"; fail "exit code $rc after SIGTERM"; }
echo "SIGTERM: exit 0"

if command -v lintian >/dev/null; then
  step "lintian"
  # Errors fail the test; warnings and the rest are printed for whoever reads the log.
  lintian_rc=0
  timeout 90 lintian --display-info --fail-on error "${debs[@]}" > "$work/lintian" 2>&1 ||
    lintian_rc=$?
  grep -v 'running with root privileges' "$work/lintian" || echo "lintian: no findings"
  [ $lintian_rc = 0 ] || fail "lintian found errors (exit $lintian_rc)"
else
  echo "note: lintian not installed"
fi
echo "PASS in ${SECONDS}s"
