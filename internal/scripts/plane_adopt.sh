#!/usr/bin/env bash
# Growing one management node to a plane of several (docs/ha.md): the single node's data
# moves from its halfstack's containers into the plane. On the node that runs the
# halfstack (the first of the manager role), before the plane's etcd, Valkey and
# PostgreSQL take the halfstack's ports: the manager stops (no writes after the copy),
# the database is dumped (pg_dump in the halfstack's PostgreSQL) and etcd's Backend.AI
# keys (/sorna/) are read (etcd's JSON gateway) into DUMP_DIR, root's alone; then the
# halfstack's containers stop, and stay stopped (their volumes are kept: the dump's
# source, untouched). plane_restore.sh puts both into the plane. Any other node of the
# cluster that runs a halfstack is refused: it would be left out. A node without one
# changes nothing (a new plane, or one grown already). A copy is taken again whenever the
# halfstack's database runs (it is the data's source then); an earlier copy is used only
# once the halfstack is stopped, as this step left it.
#   FIRST=yes|no NODE=bai-m1 DUMP_DIR=/var/lib/backendai-infra/plane-growth DB_NAME=backend \
#   DB_CONTAINER=backendai-half-db REDIS_CONTAINER=... ETCD_CONTAINER=... ETCD_PORT=8120 \
#   DB_PASSWORD=... plane_adopt.sh   (the password as it is: secret)
# A refresh does not read this step back (it moves data once; what it made is DUMP_DIR).
set -euo pipefail
: "${FIRST:?}" "${NODE:?}" "${DUMP_DIR:?}" "${DB_NAME:?}" "${DB_CONTAINER:?}" "${REDIS_CONTAINER:?}" "${ETCD_CONTAINER:?}" "${ETCD_PORT:?}" "${DB_PASSWORD:?}"
containers=("$DB_CONTAINER" "$REDIS_CONTAINER" "$ETCD_CONTAINER")
exists() { command -v docker >/dev/null && docker inspect --type container "$1" >/dev/null 2>&1; }
# Docker that does not answer cannot say whether the node runs a halfstack.
if command -v docker >/dev/null && ! timeout 30 docker info >/dev/null 2>&1; then
	echo "plane-adopt: Docker does not answer on $NODE: whether it runs a single management node's halfstack is unknown" >&2
	exit 1
fi
if ! exists "$DB_CONTAINER"; then
	echo "plane-adopt: $NODE runs no halfstack changed=no"
	exit 0
fi
if [ "$FIRST" != yes ]; then
	echo "plane-adopt: $NODE runs a single management node's halfstack ($DB_CONTAINER): its database and etcd move into the plane only from the first node of the manager role in nodes; give $NODE the manager role and list it first, or move its data yourself" >&2
	exit 1
fi
changed=no
umask 077
mkdir -p "$DUMP_DIR"
running() { [ "$(docker inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; }
if running "$DB_CONTAINER" || [ ! -s "$DUMP_DIR/$DB_NAME.sql" ] || [ ! -s "$DUMP_DIR/etcd.json" ]; then
	for c in "$DB_CONTAINER" "$ETCD_CONTAINER"; do
		running "$c" || docker start "$c" >/dev/null
	done
	for _ in $(seq 60); do
		docker exec "$DB_CONTAINER" pg_isready -q -h 127.0.0.1 -U postgres 2>/dev/null &&
			curl -fsS -m 3 -X POST "http://127.0.0.1:$ETCD_PORT/v3/kv/range" -d '{"key": "AA=="}' >/dev/null 2>&1 && break
		sleep 2
	done
	# The manager writes the database; the webserver and the storage proxy restart later
	# with the plane's files (their steps), as does the manager.
	systemctl stop backendai-manager.service 2>/dev/null || true
	# Plain SQL: PostgreSQL of any later major version takes it.
	PGPASSWORD=$DB_PASSWORD docker exec -e PGPASSWORD "$DB_CONTAINER" pg_dump -h 127.0.0.1 -U postgres -d "$DB_NAME" --no-owner --no-privileges \
		>"$DUMP_DIR/$DB_NAME.sql.new" || { echo "plane-adopt: pg_dump of $DB_NAME in $DB_CONTAINER on $NODE failed" >&2; exit 1; }
	# Every key under /sorna/ (Backend.AI's), base64 as etcd's gateway gives them.
	curl -fsS -m 30 -X POST "http://127.0.0.1:$ETCD_PORT/v3/kv/range" \
		-d "{\"key\": \"$(printf /sorna/ | base64)\", \"range_end\": \"$(printf /sorna0 | base64)\"}" >"$DUMP_DIR/etcd.json.new" ||
		{ echo "plane-adopt: reading etcd's /sorna/ keys from $ETCD_CONTAINER on $NODE (127.0.0.1:$ETCD_PORT) failed" >&2; exit 1; }
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$DUMP_DIR/etcd.json.new" ||
		{ echo "plane-adopt: etcd's answer on $NODE is not JSON" >&2; exit 1; }
	mv "$DUMP_DIR/$DB_NAME.sql.new" "$DUMP_DIR/$DB_NAME.sql"
	mv "$DUMP_DIR/etcd.json.new" "$DUMP_DIR/etcd.json"
	changed=yes
fi
# The plane's services take the ports; the containers never start again by themselves.
for c in "${containers[@]}"; do
	exists "$c" || continue
	docker update --restart=no "$c" >/dev/null
	if running "$c"; then
		docker stop -t 30 "$c" >/dev/null
		changed=yes
	fi
done
keys=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1])).get("kvs", [])))' "$DUMP_DIR/etcd.json")
echo "plane-adopt: $NODE's halfstack copied to $DUMP_DIR ($(stat -c %s "$DUMP_DIR/$DB_NAME.sql") bytes of SQL, $keys etcd keys) and stopped changed=$changed"
