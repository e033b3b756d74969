#!/bin/sh
# Entry point of the halfstack stand-in image (see standin.sh): behaves like the
# official postgres, valkey and etcd images for the commands the halfstack runs.
set -eu
case "${1:-}" in
postgres)
	# As the postgres image: initialize PGDATA once, with POSTGRES_PASSWORD for the
	# superuser and POSTGRES_DB created, then run the server as the postgres user.
	export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
	mkdir -p "$PGDATA" /run/postgresql
	chown postgres:postgres "$PGDATA" /run/postgresql
	chmod 700 "$PGDATA"
	as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
	if [ ! -s "$PGDATA/PG_VERSION" ]; then
		: "${POSTGRES_PASSWORD:?the postgres stand-in needs POSTGRES_PASSWORD}"
		pwfile=$(mktemp)
		printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
		chown postgres "$pwfile"
		as_pg initdb -D "$PGDATA" -U "${POSTGRES_USER:-postgres}" --pwfile="$pwfile" \
			--auth-local=trust --auth-host=scram-sha-256 >/dev/null
		rm -f "$pwfile"
		echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
		echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
		if [ -n "${POSTGRES_DB:-}" ] && [ "$POSTGRES_DB" != postgres ]; then
			as_pg pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
			as_pg psql -q -v ON_ERROR_STOP=1 -U "${POSTGRES_USER:-postgres}" -d postgres -c "CREATE DATABASE \"$POSTGRES_DB\""
			as_pg pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
		fi
	fi
	exec setpriv --reuid=postgres --regid=postgres --init-groups "$@"
	;;
valkey-server)
	# As the valkey image, which is built with protected mode off.
	exec "$@" --protected-mode no
	;;
*)
	exec "$@"
	;;
esac
