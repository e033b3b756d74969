#!/usr/bin/env bash
# The packages of this management node's PostgreSQL under Patroni, and of HAProxy in
# front of the primary (docs/ha.md): the distribution's postgresql, patroni (with
# python3-etcd, which its etcd3 client needs) and haproxy. No "main" cluster is made:
# Patroni makes and runs the node's only one. The server's binaries are linked at
# /usr/local/lib/backendai-postgresql, where Patroni's configuration finds them
# whichever major version the distribution has.
#   plane_postgres_packages.sh
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
link=/usr/local/lib/backendai-postgresql
changed=no
missing() {
	for cmd in patroni haproxy psql; do command -v "$cmd" >/dev/null || return 0; done
	[ -x "$link/bin/postgres" ] || return 0
	return 1
}
if [ "${BAI_CHECK:-}" = 1 ]; then
	missing && echo "drift: PostgreSQL, Patroni or HAProxy is not installed"
	exit 0
fi
if missing; then
	mkdir -p /etc/postgresql-common/createcluster.d
	echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/backendai.conf
	apt_get update -qq >/dev/null
	apt_get install -y -qq --no-install-recommends postgresql patroni python3-etcd haproxy >/dev/null
	major=$(ls /usr/lib/postgresql | sort -n | tail -n1)
	ln -sfn "/usr/lib/postgresql/$major" "$link"
	changed=yes
fi
echo "plane-postgres-packages: PostgreSQL $(basename "$(readlink "$link")"), $(patroni --version 2>&1) changed=$changed"
