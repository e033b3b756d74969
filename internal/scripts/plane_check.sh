#!/usr/bin/env bash
# The management plane works as a whole (docs/ha.md): every etcd member is healthy,
# the Sentinels know the master and every replica, every PostgreSQL replica streams
# from the primary, and every manager answers. A member still catching up gets up to
# 180s. It prints what it found, as JSON; it changes nothing.
#   ETCD_ENDPOINTS=http://10.0.0.1:8120,... SENTINEL=127.0.0.1:26379 SERVICE=backendai \
#   PATRONI_API=http://127.0.0.1:8008 MEMBERS=3 MANAGERS="http://10.0.0.1:8081 ..." plane_check.sh
# A refresh does not read this step back (it checks the plane; rerun it with `pulumi up --replace <its URN>`).
set -euo pipefail
: "${ETCD_ENDPOINTS:?}" "${SENTINEL:?}" "${SERVICE:?}" "${PATRONI_API:?}" "${MEMBERS:?}" "${MANAGERS:?}"
replicas=$((MEMBERS - 1))
etcd_healthy() { ETCDCTL_API=3 etcdctl --endpoints="$ETCD_ENDPOINTS" --command-timeout=3s endpoint health 2>&1 | grep -c 'is healthy' || true; }
sentinel() { valkey-cli -t 3 -h "${SENTINEL%:*}" -p "${SENTINEL##*:}" SENTINEL "$@" 2>/dev/null | paste -sd' ' || true; }
# "<name> <value>" pairs of SENTINEL MASTER, one field's value.
master_field() { sentinel MASTER "$SERVICE" | tr ' ' '\n' | sed -n "/^$1\$/{n;p;q}"; }
streaming() { curl -fsS -m 3 "$PATRONI_API/cluster" | python3 -c 'import json,sys; c=json.load(sys.stdin)["members"]; print(sum(1 for m in c if m["role"] != "leader" and m.get("state") == "streaming"), " ".join(m["name"] for m in c if m["role"] == "leader"))' 2>/dev/null || echo "0 none"; }
managers_up() {
	local n=0
	for url in $MANAGERS; do curl -fsS -m 5 "$url/" >/dev/null 2>&1 && n=$((n + 1)); done
	echo "$n"
}
ok() {
	etcd=$(etcd_healthy) slaves=$(master_field num-slaves) others=$(master_field num-other-sentinels)
	read -r pg_streaming pg_leader <<<"$(streaming)"
	up=$(managers_up)
	[ "$etcd" = "$MEMBERS" ] && [ "${slaves:-0}" = "$replicas" ] && [ "${others:-0}" = "$replicas" ] &&
		[ "$pg_streaming" = "$replicas" ] && [ "$up" = "$(wc -w <<<"$MANAGERS")" ]
}
passed=no
for _ in $(seq 60); do
	ok && { passed=yes; break; }
	sleep 3
done
master=$(sentinel get-master-addr-by-name "$SERVICE" | tr ' ' ':' || true)
printf '{"etcdHealthy": %s, "etcdMembers": %s, "redisMaster": "%s", "redisReplicas": %s, "sentinels": %s, "postgresLeader": "%s", "postgresStreaming": %s, "managersAnswering": %s, "managers": %s}\n' \
	"$etcd" "$MEMBERS" "$master" "${slaves:-0}" "$((${others:-0} + 1))" "$pg_leader" "$pg_streaming" "$up" "$(wc -w <<<"$MANAGERS")"
if [ "$passed" != yes ]; then
	echo "plane-check: after 180s: etcd $etcd of $MEMBERS members healthy; Sentinel: master $master with ${slaves:-0} of $replicas replicas, ${others:-0} of $replicas other Sentinels; PostgreSQL: leader $pg_leader, $pg_streaming of $replicas replicas streaming; $up of $(wc -w <<<"$MANAGERS") managers answering" >&2
	exit 1
fi
