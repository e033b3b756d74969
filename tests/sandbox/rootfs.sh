#!/usr/bin/env bash
# Builds a Debian 13 (trixie) root file system as a tarball, for the images the sandbox
# imports (the hosts', the halfstack stand-in's, the kernel stand-in's): debootstrap's
# minbase with the packages given, from the Debian mirror this machine's apt uses
# (tools/debian-mirror.sh); then HOOK (a program, or a function the caller exported) run
# with the root as its argument; without apt's lists and downloaded packages.
#   rootfs.sh TARBALL PACKAGES [HOOK]    PACKAGES comma-separated
set -euo pipefail
tarball=${1:?usage: rootfs.sh TARBALL PACKAGES [HOOK]} packages=${2:?usage: rootfs.sh TARBALL PACKAGES [HOOK]} hook=${3:-}
mirror=$(bash "$(dirname "$0")/../../tools/debian-mirror.sh")
log() { printf 'rootfs: %s\n' "$*" >&2; }

command -v debootstrap >/dev/null || { log "debootstrap is missing: apt-get install debootstrap"; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir" "$dir.log"' EXIT
log "building $(basename "$tarball") with debootstrap (a few minutes)"
debootstrap --variant=minbase --include="$packages" trixie "$dir" "$mirror" >"$dir.log" 2>&1 ||
	{ log "debootstrap failed:"; tail -n 20 "$dir.log" >&2; exit 1; }
# A package's maintainer script may have started its server inside the chroot: those
# processes are ours, and end here.
for proc in /proc/[0-9]*; do
	[ "$(readlink "$proc/root" 2>/dev/null)" = "$dir" ] && kill "${proc#/proc/}" 2>/dev/null || true
done
[ -z "$hook" ] || "$hook" "$dir"
rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/archives/*.deb
chmod 0755 "$dir" # mktemp made it 0700: the image's root must be open to every user
mkdir -p "$(dirname "$tarball")"
tar -C "$dir" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
