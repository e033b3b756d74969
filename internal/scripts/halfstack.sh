#!/usr/bin/env bash
# The halfstack's containers on this node's Docker engine, converged: the network and
# the named data volumes are created when missing; a container is (re)created only when
# its settings changed (their checksum is its label) or it is gone, then waited for
# until its health check passes. Volumes are never removed here.
#   HALFSTACK_NETWORK=backendai-half HALFSTACK_SERVICES="db redis etcd"
#   HALFSTACK_<svc>_NAME=... HALFSTACK_<svc>_IMAGE=... HALFSTACK_<svc>_VOLUME=...
#   HALFSTACK_<svc>_ARGS='<docker run arguments, shell-quoted>' HALFSTACK_<svc>_SHA=...
#   POSTGRES_PASSWORD=...   (secret; docker run takes it from this environment)
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${HALFSTACK_NETWORK:?}" "${HALFSTACK_SERVICES:?}"
changed=no
label=backendai-infra.settings

# BAI_CHECK=1: nothing is made or started; a network, volume or container that is
# missing, a container made from other settings, or one not running is drift.
if [ "${BAI_CHECK:-}" = 1 ]; then
	docker network inspect "$HALFSTACK_NETWORK" >/dev/null 2>&1 || echo "drift: the network $HALFSTACK_NETWORK is missing"
	for svc in $HALFSTACK_SERVICES; do
		name_var=HALFSTACK_${svc}_NAME volume_var=HALFSTACK_${svc}_VOLUME sha_var=HALFSTACK_${svc}_SHA
		name=${!name_var} volume=${!volume_var} sha=${!sha_var}
		docker volume inspect "$volume" >/dev/null 2>&1 || echo "drift: the volume $volume is missing"
		current=$(docker inspect -f "{{index .Config.Labels \"$label\"}} {{.State.Running}}" "$name" 2>/dev/null || true)
		case "$current" in
		"$sha true") ;;
		"") echo "drift: the container $name is missing" ;;
		"$sha "*) echo "drift: the container $name is not running" ;;
		*) echo "drift: the container $name was made from other settings" ;;
		esac
	done
	exit 0
fi
docker network inspect "$HALFSTACK_NETWORK" >/dev/null 2>&1 || {
	docker network create "$HALFSTACK_NETWORK" >/dev/null
	changed=yes
}
for svc in $HALFSTACK_SERVICES; do
	name_var=HALFSTACK_${svc}_NAME image_var=HALFSTACK_${svc}_IMAGE volume_var=HALFSTACK_${svc}_VOLUME
	args_var=HALFSTACK_${svc}_ARGS sha_var=HALFSTACK_${svc}_SHA
	name=${!name_var} image=${!image_var} volume=${!volume_var} sha=${!sha_var}
	docker volume inspect "$volume" >/dev/null 2>&1 || {
		docker volume create "$volume" >/dev/null
		changed=yes
	}
	current=$(docker inspect -f "{{index .Config.Labels \"$label\"}} {{.State.Running}}" "$name" 2>/dev/null || true)
	if [ "$current" = "$sha true" ]; then
		continue
	fi
	# Pulled only when the engine lacks it, as the Docker provider's RemoteImage does.
	docker image inspect "$image" >/dev/null 2>&1 || docker pull --quiet "$image" >/dev/null
	docker rm -f "$name" >/dev/null 2>&1 || true
	eval "args=(${!args_var})"
	docker run --label "$label=$sha" "${args[@]}" >/dev/null
	changed=yes
done
# Healthy before anything that needs them (etcd keys, the schema, fixtures) goes on.
for svc in $HALFSTACK_SERVICES; do
	name_var=HALFSTACK_${svc}_NAME
	name=${!name_var}
	for _ in $(seq 180); do
		status=$(docker inspect -f '{{.State.Health.Status}}' "$name")
		[ "$status" = healthy ] && continue 2
		sleep 1
	done
	echo "halfstack: $name is $status after 180s; its last log lines:" >&2
	docker logs --tail 20 "$name" 2>&1 | sed 's/^/  /' >&2
	exit 1
done
echo "halfstack: $HALFSTACK_SERVICES healthy changed=$changed"
