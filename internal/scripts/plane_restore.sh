#!/usr/bin/env bash
# Growing one management node to a plane (docs/ha.md): what plane_adopt.sh copied from
# the single node's halfstack into DUMP_DIR goes into the plane, on the first node once
# its etcd member, Patroni's primary and HAProxy answer, before the plane's own etcd keys,
# schema and fixtures. etcd's keys are put once (a record beside the copy says so), but
# for those that lived under a lease (registrations that expire); the database is loaded,
# in one transaction, only into an empty one, and a record says so: a database with
# tables and no record is refused. Without a copy (a new plane) it changes nothing. psql
# reads the password from root's ~/.pgpass (plane_postgres.sh writes it).
#   DUMP_DIR=/var/lib/backendai-infra/plane-growth DB_PORT=8100 DB_NAME=backend \
#   ETCD_CLIENT=http://127.0.0.1:8120 plane_restore.sh
# A refresh does not read this step back (it moves data once).
set -euo pipefail
: "${DUMP_DIR:?}" "${DB_PORT:?}" "${DB_NAME:?}" "${ETCD_CLIENT:?}"
umask 077
sql=$DUMP_DIR/$DB_NAME.sql keys=$DUMP_DIR/etcd.json record=$DUMP_DIR/etcd.restored loaded=$DUMP_DIR/$DB_NAME.restored
if [ ! -s "$sql" ] || [ ! -s "$keys" ]; then
	echo "plane-restore: nothing copied from a halfstack changed=no"
	exit 0
fi
changed=no
sum=$(sha256sum <"$keys" | cut -d' ' -f1)
if [ "$(cat "$record" 2>/dev/null)" != "$sum" ]; then
	python3 - "$ETCD_CLIENT" "$keys" <<'EOF'
import json, sys, urllib.request
url, path = sys.argv[1], sys.argv[2]
for kv in json.load(open(path)).get("kvs", []):
    if int(kv.get("lease") or 0):  # etcd's JSON gives int64s as strings, and omits zeros
        continue
    body = json.dumps({"key": kv["key"], "value": kv.get("value", "")}).encode()
    urllib.request.urlopen(urllib.request.Request(url + "/v3/kv/put", data=body, method="POST"), timeout=10).read()
EOF
	echo "$sum" >"$record"
	changed=yes
fi
db() { PGCONNECT_TIMEOUT=5 psql -h 127.0.0.1 -p "$DB_PORT" -U postgres -d "$DB_NAME" -qtAX -v ON_ERROR_STOP=1 "$@"; }
tables=$(db -c "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
if [ "$tables" = 0 ]; then
	# The log's first error alone, cut short: psql's context lines quote rows.
	db --single-transaction -f "$sql" >/dev/null 2>"$DUMP_DIR/restore.log" ||
		{ echo "plane-restore: loading $sql into $DB_NAME failed (all of it in $DUMP_DIR/restore.log): $(grep -m1 'ERROR:' "$DUMP_DIR/restore.log" | cut -c1-160)" >&2; exit 1; }
	sha256sum <"$sql" | cut -d' ' -f1 >"$loaded"
	changed=yes
elif [ ! -s "$loaded" ]; then
	echo "plane-restore: the plane's database $DB_NAME has $tables tables, none of them loaded from $sql: the copy of the single management node's database is not put over them; move its data yourself" >&2
	exit 1
fi
echo "plane-restore: the database $DB_NAME has $(db -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") tables, etcd the copied keys changed=$changed"
