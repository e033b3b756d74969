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
tarball="$cache/halfstack-standin-trixie-3.tar"
log() { printf 'standin: %s\n' "$*" >&2; }

docker image inspect "$image" >/dev/null 2>&1 && exit 0
# The entry point; etcd where the official image has it; Debian's package made a
# PostgreSQL cluster, but the image initializes its own, like the official one.
prepare() {
	install -m 0755 "$entrypoint" "$1/usr/local/bin/standin-entrypoint"
	ln -sf /usr/bin/etcd "$1/usr/local/bin/etcd"
	rm -rf "$1"/var/lib/postgresql/*/main "$1"/etc/postgresql/*/main
	mkdir -p "$1/data"
	# What the halfstack never runs, and every push, pull and unpack of the image pays
	# for (half of its size): PostgreSQL's JIT, LLVM and the solver it links (PostgreSQL
	# runs without JIT when its provider is absent), translations, documentation.
	rm -rf "$1"/usr/lib/postgresql/*/lib/llvmjit* "$1"/usr/lib/postgresql/*/lib/bitcode \
		"$1"/usr/lib/*-linux-gnu/libLLVM* "$1"/usr/lib/*-linux-gnu/libz3.* \
		"$1"/usr/share/locale/* "$1"/usr/share/doc/* "$1"/usr/share/man/*
}
export entrypoint="$here/standin-entrypoint.sh"
export -f prepare
[ -s "$tarball" ] || bash "$here/../sandbox/rootfs.sh" "$tarball" postgresql,valkey-server,valkey-tools,etcd-server,etcd-client prepare
pgbin=$(tar -tf "$tarball" | sed -n 's|^\./usr/lib/postgresql/\([0-9]*\)/bin/postgres$|/usr/lib/postgresql/\1/bin|p' | head -n1)
[ -n "$pgbin" ] || { log "no postgres binary in $tarball"; exit 1; }
log "importing $image"
docker import -c "ENV PATH=$pgbin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
	-c 'WORKDIR /data' -c 'ENTRYPOINT ["/usr/local/bin/standin-entrypoint"]' "$tarball" "$image" >/dev/null
