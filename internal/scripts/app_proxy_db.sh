#!/usr/bin/env bash
# The App Proxy coordinator's own database and role in the halfstack's PostgreSQL, as
# Backend.AI's installer makes them (src/ai/backend/install/context.py,
# install_appproxy_db): a login role with its password (set again on every run, so a
# changed secret takes), a database it owns, and its rights on the public schema, where
# its first migration creates the uuid-ossp extension. The password reaches psql as an
# environment variable of `docker exec` (-e NAME, no value on any command line).
#   DB_CONTAINER=backendai-half-db APPPROXY_DB=appproxy APPPROXY_USER=appproxy \
#   APPPROXY_DB_PASSWORD=... app_proxy_db.sh
# A refresh does not read this step back yet: a hand change goes unnoticed until its inputs change.
set -euo pipefail
: "${DB_CONTAINER:?}" "${APPPROXY_DB:?}" "${APPPROXY_USER:?}" "${APPPROXY_DB_PASSWORD:?}"
export APPPROXY_DB_PASSWORD
# psql's \getenv, which keeps the password off every command line, is PostgreSQL 15's.
major=$(docker exec "$DB_CONTAINER" psql --version | sed -n 's/^psql (PostgreSQL) \([0-9]*\).*/\1/p')
if [ -z "$major" ] || [ "$major" -lt 15 ]; then
	echo "app-proxy-db: $DB_CONTAINER has PostgreSQL ${major:-of an unknown version}; the App Proxy's role needs 15 or later (halfstack.images.postgres)" >&2
	exit 1
fi
psql() { # database, SQL on stdin
	docker exec -i -e APPPROXY_DB_PASSWORD "$DB_CONTAINER" psql -q -t -A -v ON_ERROR_STOP=1 -U postgres -d "$1" \
		-v role="$APPPROXY_USER" -v db="$APPPROXY_DB"
}
if ! out=$(psql postgres 2>&1 <<'SQL'
SET log_min_error_statement = panic;
\getenv password APPPROXY_DB_PASSWORD
SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') AS new_role \gset
\if :new_role
CREATE ROLE :"role" WITH LOGIN PASSWORD :'password';
\else
ALTER ROLE :"role" WITH LOGIN PASSWORD :'password';
\endif
SELECT NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') AS new_db \gset
\if :new_db
CREATE DATABASE :"db" OWNER :"role";
\endif
GRANT ALL PRIVILEGES ON DATABASE :"db" TO :"role";
SELECT CASE WHEN :'new_role' OR :'new_db' THEN 'yes' ELSE 'no' END;
SQL
); then
	echo "app-proxy-db: making the role and database $APPPROXY_DB failed:" >&2
	printf '%s\n' "$out" | tail -n 15 >&2
	exit 1
fi
changed=$(printf '%s\n' "$out" | tail -n1)
if ! grants=$(psql "$APPPROXY_DB" 2>&1 <<<'GRANT ALL ON SCHEMA public TO :"role";'); then
	echo "app-proxy-db: granting $APPPROXY_USER the public schema of $APPPROXY_DB failed:" >&2
	printf '%s\n' "$grants" | tail -n 15 >&2
	exit 1
fi
echo "app-proxy-db: database $APPPROXY_DB owned by $APPPROXY_USER changed=$changed"
