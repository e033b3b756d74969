#!/usr/bin/env bash
# This management node's PostgreSQL under Patroni, and HAProxy in front of the primary
# (docs/ha.md): Patroni's configuration is in place (its own step); Patroni starts, or
# reloads it when it changed (PATRONI_SHA256). The first node to take the leader lock in
# etcd makes the cluster, the others copy it and stream from it. HAProxy's
# configuration is written, and HAProxy reloaded, when it differs. The step waits until
# this node's PostgreSQL runs (as the primary or a streaming replica) and the database
# answers through HAProxy; the database DB_NAME is made there when it is missing. The
# superuser's password goes into root's ~/.pgpass, for the steps that run psql here.
#   HAPROXY_CONF=... PATRONI_SHA256=... PATRONI_API=http://127.0.0.1:8008 DB_PORT=8100 DB_NAME=backend \
#   DB_PASSWORD=... plane_postgres.sh   (the password as it is: secret)
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${HAPROXY_CONF:?}" "${PATRONI_SHA256:?}" "${PATRONI_API:?}" "${DB_PORT:?}" "${DB_NAME:?}" "${DB_PASSWORD:?}"
haproxy_cfg=/etc/haproxy/haproxy.cfg record=/etc/patroni/.backendai-applied
changed=no
# This node's member as Patroni reports it: "<role> <state>", a replica's state its
# replication's ("streaming") where Patroni reports it.
member() { curl -fsS -m 3 "$PATRONI_API/patroni" 2>/dev/null | python3 -c 'import json,sys; m=json.load(sys.stdin); print(m.get("role",""), m.get("replication_state") or m.get("state",""))' 2>/dev/null || true; }
pgpass="127.0.0.1:$DB_PORT:*:postgres:$(sed 's/[\\:]/\\&/g' <<<"$DB_PASSWORD")"
db() { PGCONNECT_TIMEOUT=3 psql -h 127.0.0.1 -p "$DB_PORT" -U postgres -d postgres -qtAX -v ON_ERROR_STOP=1 "$@"; }
if [ "${BAI_CHECK:-}" = 1 ]; then
	cmp -s "$haproxy_cfg" <(printf '%s\n' "${HAPROXY_CONF%$'\n'}") || echo "drift: $haproxy_cfg differs"
	[ "$(cat "$record" 2>/dev/null)" = "$PATRONI_SHA256" ] || echo "drift: Patroni runs other settings than its configuration's"
	for unit in patroni haproxy; do
		systemctl is-active --quiet "$unit" || echo "drift: $unit is not running"
	done
	[ "$(cat /root/.pgpass 2>/dev/null)" = "$pgpass" ] || echo "drift: /root/.pgpass differs"
	[ -n "$(db -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" 2>/dev/null)" ] || echo "drift: the database $DB_NAME is missing (or no primary answers on 127.0.0.1:$DB_PORT)"
	case "$(member)" in "primary running" | "master running" | "replica streaming" | "replica running") ;; *) echo "drift: this node's PostgreSQL is not running as the primary or a streaming replica ($(member))" ;; esac
	exit 0
fi
umask 077
if [ "$(cat /root/.pgpass 2>/dev/null)" != "$pgpass" ]; then
	printf '%s\n' "$pgpass" >/root/.pgpass
fi
if ! cmp -s "$haproxy_cfg" <(printf '%s\n' "${HAPROXY_CONF%$'\n'}"); then
	printf '%s\n' "${HAPROXY_CONF%$'\n'}" >"$haproxy_cfg.new"
	chmod 0644 "$haproxy_cfg.new"
	haproxy -c -q -f "$haproxy_cfg.new" || { echo "plane-postgres: HAProxy refuses the configuration" >&2; exit 1; }
	mv "$haproxy_cfg.new" "$haproxy_cfg"
	systemctl reload-or-restart haproxy
	changed=yes
fi
systemctl enable --quiet patroni haproxy
systemctl is-active --quiet haproxy || { systemctl restart haproxy; changed=yes; }
if ! systemctl is-active --quiet patroni; then
	systemctl restart patroni
	changed=yes
elif [ "$(cat "$record" 2>/dev/null)" != "$PATRONI_SHA256" ]; then
	systemctl reload patroni
	changed=yes
fi
echo "$PATRONI_SHA256" >"$record"
# A first start: the leader runs initdb, a replica copies the leader (pg_basebackup).
state=""
for _ in $(seq 150); do
	state=$(member)
	case "$state" in "primary running" | "master running" | "replica streaming" | "replica running") break ;; esac
	sleep 2
done
case "$state" in "primary running" | "master running" | "replica streaming" | "replica running") ;; *)
	echo "plane-postgres: this node's PostgreSQL is not running as the primary or a streaming replica after 300s (Patroni: ${state:-no answer}); Patroni's last log lines:" >&2
	journalctl -u patroni -n 15 --no-pager 2>&1 | sed 's/^/  /' >&2
	exit 1
	;;
esac
for _ in $(seq 60); do
	db -c 'SELECT 1' >/dev/null 2>&1 && break
	sleep 2
done
db -c 'SELECT 1' >/dev/null || { echo "plane-postgres: no primary answers through HAProxy on 127.0.0.1:$DB_PORT after 120s" >&2; exit 1; }
if [ -z "$(db -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" ]; then
	# Every node's step may get here at once: one of them makes it.
	db -c "CREATE DATABASE \"$DB_NAME\"" >/dev/null 2>&1 || [ -n "$(db -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" ] ||
		{ echo "plane-postgres: the database $DB_NAME could not be made" >&2; exit 1; }
	changed=yes
fi
echo "plane-postgres: this node's PostgreSQL $state, the primary answers on 127.0.0.1:$DB_PORT changed=$changed"
