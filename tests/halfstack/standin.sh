#!/usr/bin/env bash
# Builds the halfstack stand-in image: no registry is reachable from this machine, so
# the official postgres, valkey and etcd images cannot be pulled. This image is Debian 13
# with Debian's postgresql, valkey and etcd packages, and an entry point that runs the
# halfstack's commands the way the official images do. It stands in for all three.
#   standin.sh IMAGE    build IMAGE (cached as a tarball) unless Docker has it
set -euo pipefail
image=${1:?usage: standin.sh IMAGE}
here=$(cd "$(dirname "$0")" && pwd)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/backendai-infra"
tarball="$cache/halfstack-standin-trixie-2.tar"
log() { printf 'standin: %s\n' "$*" >&2; }

docker image inspect "$image" >/dev/null 2>&1 && exit 0
if [ ! -s "$tarball" ]; then
	command -v debootstrap >/dev/null || { log "debootstrap is missing: apt-get install debootstrap"; exit 1; }
	dir=$(mktemp -d)
	trap 'rm -rf "$dir"' EXIT
	log "building the stand-in root file system with debootstrap (a few minutes)"
	debootstrap --variant=minbase --include=postgresql,valkey-server,valkey-tools,etcd-server,etcd-client \
		trixie "$dir" "$(bash "$here/../../tools/debian-mirror.sh")" >"$dir.log" 2>&1 ||
		{ log "debootstrap failed; see $dir.log"; exit 1; }
	# A package's maintainer script may have started its server inside the chroot:
	# those processes are ours, and end here.
	for proc in /proc/[0-9]*; do
		[ "$(readlink "$proc/root" 2>/dev/null)" = "$dir" ] && kill "${proc#/proc/}" 2>/dev/null || true
	done
	install -m 0755 "$here/standin-entrypoint.sh" "$dir/usr/local/bin/standin-entrypoint"
	ln -sf /usr/bin/etcd "$dir/usr/local/bin/etcd"
	# Debian's package made a cluster; the image initializes its own, like the official one.
	rm -rf "$dir"/var/lib/postgresql/*/main "$dir"/etc/postgresql/*/main
	rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/archives/*.deb
	mkdir -p "$dir/data" "$cache"
	chmod 0755 "$dir" # mktemp made it 0700: the image root must be open to every user
	tar -C "$dir" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
	rm -f "$dir.log"
fi
pgbin=$(tar -tf "$tarball" | sed -n 's|^\./usr/lib/postgresql/\([0-9]*\)/bin/postgres$|/usr/lib/postgresql/\1/bin|p' | head -n1)
[ -n "$pgbin" ] || { log "no postgres binary in $tarball"; exit 1; }
log "importing $image"
docker import -c "ENV PATH=$pgbin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
	-c 'WORKDIR /data' -c 'ENTRYPOINT ["/usr/local/bin/standin-entrypoint"]' "$tarball" "$image" >/dev/null
