#!/usr/bin/env bash
# The App Proxy coordinator's own database and role in the halfstack's PostgreSQL, as
# Backend.AI's installer makes them (src/ai/backend/install/context.py,
# install_appproxy_db): a login role with its password (set again on every run, so a
# changed secret takes), a database it owns, and its rights on the public schema, where
# its first migration creates the uuid-ossp extension. The password reaches psql as an
# environment variable of `docker exec` (-e NAME, no value on any command line).
#   DB_CONTAINER=backendai-half-db APPPROXY_DB=appproxy APPPROXY_USER=appproxy \
#   APPPROXY_DB_PASSWORD=... app_proxy_db.sh
# A refresh reads back the role (there, able to log in, its password: checked on the node
# against the role's stored verifier, never printed or sent), the database, and the
# role's rights on it and on its public schema (not who owns an existing database, which
# a run leaves as it is).
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${DB_CONTAINER:?}" "${APPPROXY_DB:?}" "${APPPROXY_USER:?}" "${APPPROXY_DB_PASSWORD:?}"
export APPPROXY_DB_PASSWORD
psql() { # database, SQL on stdin; the password goes along for \getenv, not for a check
	local password=(-e APPPROXY_DB_PASSWORD)
	[ "${BAI_CHECK:-}" != 1 ] || password=()
	docker exec -i "${password[@]}" "$DB_CONTAINER" psql -q -t -A -v ON_ERROR_STOP=1 -U postgres -d "$1" \
		-v role="$APPPROXY_USER" -v db="$APPPROXY_DB"
}

# BAI_CHECK=1: nothing is created, altered or granted; what a run would create or set
# (the role, its login, its password, the database, the rights) is drift, one line each,
# and so is a server that cannot be read.
if [ "${BAI_CHECK:-}" = 1 ]; then
	if ! out=$(psql postgres 2>&1 <<'SQL'
SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') AS has_role,
	EXISTS (SELECT FROM pg_database WHERE datname = :'db') AS has_db \gset
\if :has_role
SELECT 'drift: the role ' || :'role' || ' cannot log in' FROM pg_roles WHERE rolname = :'role' AND NOT rolcanlogin;
SELECT 'verifier ' || coalesce(rolpassword, '') FROM pg_authid WHERE rolname = :'role';
\else
SELECT 'drift: the role ' || :'role' || ' is missing';
\endif
\if :has_db
\if :has_role
SELECT 'drift: the role ' || :'role' || ' lacks ' || p || ' on the database ' || :'db'
	FROM unnest(ARRAY['CREATE', 'CONNECT', 'TEMPORARY']) p WHERE NOT has_database_privilege(:'role', :'db', p);
SELECT 'schema';
\endif
\else
SELECT 'drift: the database ' || :'db' || ' is missing';
\endif
SQL
	); then
		echo "drift: the roles and databases of $DB_CONTAINER could not be read (psql failed)"
		exit 0
	fi
	grep '^drift: ' <<<"$out" || true
	# The password against the role's SCRAM-SHA-256 (or md5) verifier, as PostgreSQL
	# checks a login, here on the node: the password as given, or as SASLprep (NFKC, in
	# short) makes it. Exit status 3: it does not match.
	if grep -q '^verifier ' <<<"$out"; then
		matched=0
		sed -n 's/^verifier //p' <<<"$out" | APPPROXY_USER=$APPPROXY_USER python3 -B -c '
import base64, hashlib, hmac, os, sys, unicodedata
verifier, user = sys.stdin.read().strip(), os.environb[b"APPPROXY_USER"]
given = os.environb[b"APPPROXY_DB_PASSWORD"]
try:
    candidates = {given, unicodedata.normalize("NFKC", given.decode()).encode()}
except UnicodeDecodeError:
    candidates = {given}
def matches(password):
    if verifier.startswith("SCRAM-SHA-256$"):
        iterations_salt, keys = verifier[len("SCRAM-SHA-256$"):].split("$")
        iterations, salt = iterations_salt.split(":")
        stored = base64.b64decode(keys.split(":")[0])
        salted = hashlib.pbkdf2_hmac("sha256", password, base64.b64decode(salt), int(iterations))
        client = hmac.new(salted, b"Client Key", "sha256").digest()
        return hmac.compare_digest(hashlib.sha256(client).digest(), stored)
    if verifier.startswith("md5"):
        return hmac.compare_digest(verifier, "md5" + hashlib.md5(password + user).hexdigest())
    return False
sys.exit(0 if any(matches(p) for p in candidates) else 3)
' 2>/dev/null || matched=$?
		case $matched in
		0) ;;
		3) echo "drift: the role $APPPROXY_USER's password differs from the App Proxy's" ;;
		*) echo "drift: the role $APPPROXY_USER's password could not be checked (python3 failed)" ;;
		esac
	fi
	if grep -qx schema <<<"$out"; then
		read_drift "the public schema of $APPPROXY_DB" psql "$APPPROXY_DB" <<'SQL'
SELECT 'drift: the role ' || :'role' || ' lacks ' || p || ' on the public schema of ' || :'db'
	FROM unnest(ARRAY['CREATE', 'USAGE']) p WHERE NOT has_schema_privilege(:'role', 'public', p);
SQL
	fi
	exit 0
fi

# psql's \getenv, which keeps the password off every command line, is PostgreSQL 15's.
major=$(docker exec "$DB_CONTAINER" psql --version | sed -n 's/^psql (PostgreSQL) \([0-9]*\).*/\1/p')
if [ -z "$major" ] || [ "$major" -lt 15 ]; then
	echo "app-proxy-db: $DB_CONTAINER has PostgreSQL ${major:-of an unknown version}; the App Proxy's role needs 15 or later (halfstack.images.postgres)" >&2
	exit 1
fi
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
