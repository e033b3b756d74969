#!/usr/bin/env bash
# The App Proxy coordinator's schema: `alembic upgrade head` with its alembic.ini, as
# Backend.AI's scripts/install-dev.sh migrates it (its `schema oneshot` fails on 26.4
# and 26.8: coordinator/cli/dbschema.py's group takes an argument click does not give).
# It creates the tables on an empty database and migrates an existing one; the step
# runs again when the release or alembic-appproxy.ini changes.
#   COORDINATOR_DIR=/home/bai/app-proxy-coordinator BAI_USER=bai VERSION=26.8.3 app_proxy_schema.sh
# A refresh reads back the database's revision (`alembic current`, which changes nothing)
# and reports it unless it is the head: not the tables themselves.
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${COORDINATOR_DIR:?}" "${BAI_USER:?}" "${VERSION:?}"
alembic() { as_bai .venv/bin/python -m alembic -c alembic-appproxy.ini "$@"; }
# BAI_CHECK=1: nothing is migrated, and Python writes no bytecode caches; a database
# whose revision (the last line of `alembic current`, as a run reads it) is not the head,
# or cannot be read (no coordinator venv, no database), is drift. Only the revision's id
# is printed: alembic's messages may name the database's URL.
if [ "${BAI_CHECK:-}" = 1 ]; then
	export PYTHONDONTWRITEBYTECODE=1
	[ -x "$COORDINATOR_DIR/.venv/bin/python" ] || { echo "drift: $COORDINATOR_DIR/.venv is missing"; exit 0; }
	cd "$COORDINATOR_DIR"
	if ! current=$(alembic current 2>/dev/null | tail -n1); then
		echo "drift: the coordinator's database revision could not be read (alembic current failed)"
		exit 0
	fi
	case "$current" in
	*" (head)"*) ;;
	"") echo "drift: the coordinator's database has no revision, not alembic's head" ;;
	*)
		rev=${current%% *}
		[[ $rev =~ ^[0-9A-Za-z_]+$ ]] || rev="an unknown revision"
		echo "drift: the coordinator's database is at $rev, not alembic's head"
		;;
	esac
	exit 0
fi
cd "$COORDINATOR_DIR"
before=$(alembic current 2>/dev/null | tail -n1 || true)
if ! out=$(alembic upgrade head 2>&1); then
	echo "app-proxy-schema: alembic upgrade head failed:" >&2
	printf '%s\n' "$out" | tail -n 15 >&2
	exit 1
fi
if ! after=$(alembic current 2>&1 | tail -n1); then
	echo "app-proxy-schema: alembic current failed after the upgrade: $after" >&2
	exit 1
fi
changed=no
[ "$before" = "$after" ] || changed=yes
echo "app-proxy-schema: backend.ai-appproxy-coordinator $VERSION at ${after:-no revision} changed=$changed"
