#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Run by packages.sh inside `unshare --mount` (never on its own: it mounts over a directory
# tree of its own, $CR, and expects a private mount namespace). Installs the given .debs with
# dpkg into a throwaway root, reinstalls, removes and purges tokengated, checking each step.
# Exit 77: this machine cannot build the chroot (no overlayfs, /bin not a symlink).
#   CR=DIR VERSION=X.Y.Z chroot.sh PACKAGE.deb...
set -eu
r=$CR/root
say() { echo "chroot: $*"; }
die() { echo "FAIL in chroot: $*"; exit 1; }
mkdir -p "$r" "$CR/usr-upper" "$CR/usr-work" "$CR/dpkg-upper" "$CR/dpkg-work"
mount -t tmpfs tmpfs "$r" || { echo "cannot mount tmpfs"; exit 77; }
mkdir -p "$r/usr" "$r/etc" "$r/var/lib/dpkg" "$r/var/log" "$r/tmp" "$r/proc" "$r/dev" "$r/run"
mount -t overlay overlay -o "lowerdir=/usr,upperdir=$CR/usr-upper,workdir=$CR/usr-work" "$r/usr" ||
  { echo "cannot mount overlayfs"; exit 77; }
mount -t overlay overlay \
  -o "lowerdir=/var/lib/dpkg,upperdir=$CR/dpkg-upper,workdir=$CR/dpkg-work" "$r/var/lib/dpkg"
for d in bin sbin lib; do
  [ -L "/$d" ] || { echo "/$d is not a symlink (no merged /usr)"; exit 77; }
done
for d in bin sbin lib lib32 lib64 libx32; do
  if [ -L "/$d" ]; then ln -s "$(readlink "/$d")" "$r/$d"; fi
done
cp -a /etc/. "$r/etc/"
mount --bind /dev "$r/dev"
mount -t proc proc "$r/proc"

in_root() { chroot "$r" "$@"; }
dpkg_root() { dpkg --root="$r" --no-triggers "$@"; }
conffile=/etc/tokengate/tokengated.env

dpkg_root -i "$@" || die "dpkg -i"
[ "$(in_root dpkg-query -W -f '${Status}' tokengated)" = "install ok installed" ] || die "not installed"
in_root getent passwd tokengate | grep -q ':/nonexistent:' || die "no system user"
[ "$(in_root /usr/bin/tokengated --version)" = "tokengated $VERSION" ] || die "--version"
[ -f "$r$conffile" ] || die "$conffile missing"
say "dpkg -i: installed (Depends satisfied by the host's packages), user tokengate made, --version ok"

echo "# local edit" >> "$r$conffile"
dpkg_root -i "$@" || die "reinstall"
grep -q '^# local edit' "$r$conffile" || die "reinstall lost the edit of $conffile"
say "reinstall: the edited conffile kept, postinst fine with an existing user"

dpkg_root --remove tokengated || die "dpkg --remove"
[ ! -e "$r/usr/bin/tokengated" ] || die "binary left after --remove"
[ -f "$r$conffile" ] || die "--remove deleted $conffile"
in_root getent passwd tokengate >/dev/null || die "--remove deleted the user"
dpkg_root --purge tokengated || die "dpkg --purge"
[ ! -e "$r/etc/tokengate" ] || die "/etc/tokengate left after --purge"
if in_root getent passwd tokengate >/dev/null; then die "user left after --purge"; fi
say "--remove kept config and user; --purge removed both"
