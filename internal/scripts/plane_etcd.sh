#!/usr/bin/env bash
# This management node's member of the plane's etcd cluster (docs/ha.md), from the
# distribution's etcd-server: /etc/default/etcd, which its unit reads, names the member
# and every peer; etcd restarts when it changes. The step then waits until the member
# answers healthy, which needs a majority of the members: the other nodes' steps run at
# the same time.
#   ETCD_ENV='ETCD_NAME="bai-m1"...' ETCD_CLIENT=http://127.0.0.1:8120 plane_etcd.sh
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${ETCD_ENV:?}" "${ETCD_CLIENT:?}"
export DEBIAN_FRONTEND=noninteractive
file=/etc/default/etcd
changed=no
healthy() { ETCDCTL_API=3 etcdctl --endpoints="$ETCD_CLIENT" --command-timeout=3s endpoint health >/dev/null 2>&1; }
if [ "${BAI_CHECK:-}" = 1 ]; then
	command -v etcd >/dev/null || { echo "drift: etcd-server is not installed"; exit 0; }
	cmp -s "$file" <(printf '%s\n' "${ETCD_ENV%$'\n'}") || echo "drift: $file differs"
	systemctl is-active --quiet etcd || echo "drift: etcd is not running"
	healthy || echo "drift: the etcd member at $ETCD_CLIENT is not healthy"
	exit 0
fi
if ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; then
	apt_get update -qq >/dev/null
	apt_get install -y -qq --no-install-recommends etcd-server etcd-client >/dev/null
	changed=yes
fi
if ! cmp -s "$file" <(printf '%s\n' "${ETCD_ENV%$'\n'}"); then
	printf '%s\n' "${ETCD_ENV%$'\n'}" >"$file"
	changed=yes
fi
systemctl enable --quiet etcd
# Not waited for by systemctl: a member's start completes once a majority runs.
if [ "$changed" = yes ] || ! systemctl is-active --quiet etcd; then
	systemctl restart --no-block etcd
fi
# The other members' steps start when their hosts are ready, which may be minutes apart.
for _ in $(seq 300); do
	healthy && { echo "plane-etcd: member healthy at $ETCD_CLIENT changed=$changed"; exit 0; }
	sleep 2
done
echo "plane-etcd: the member at $ETCD_CLIENT is not healthy after 600s (a majority of the plane's members must run); its last log lines:" >&2
journalctl -u etcd -n 15 --no-pager 2>&1 | sed 's/^/  /' >&2
exit 1
