#!/usr/bin/env bash
# The database schema ("Populate the database with initial fixtures" in Backend.AI's
# docs/install/install-from-package/install-manager.rst at 26.8.1): `backend.ai mgr schema
# oneshot` creates the tables and stamps alembic's head on an empty database and leaves an
# existing one alone; `alembic upgrade head` then migrates an existing one to the
# installed release. Both read alembic.ini in the manager's directory. The step runs again
# when the release or alembic.ini changes; both commands are no-ops on a current schema.
#   MANAGER_DIR=/home/bai/manager BAI_USER=bai VERSION=26.8.1 schema.sh
# A refresh does not read this step back (it migrates the database, whose revision the manager's `schema show` reports).
set -euo pipefail
: "${MANAGER_DIR:?}" "${BAI_USER:?}" "${VERSION:?}"
cd "$MANAGER_DIR"
revision() { as_bai .venv/bin/python -m alembic -c alembic.ini current 2>/dev/null | tail -n1; }
before=$(revision || true)
if ! out=$(as_bai .venv/bin/backend.ai mgr schema oneshot 2>&1); then
	echo "schema: backend.ai mgr schema oneshot failed:" >&2
	printf '%s\n' "$out" | tail -n 15 >&2
	exit 1
fi
if ! out=$(as_bai .venv/bin/python -m alembic -c alembic.ini upgrade head 2>&1); then
	# A database at a revision this release's migrations lack was migrated by a newer
	# release: a migration backported to a later release of another line (26.4.11's
	# e1b7f3d20a94 is in 26.8.4 and 26.9, not in 26.8.3). Say so, naming both.
	unknown=$(sed -n "s/.*Can't locate revision identified by '\([^']*\)'.*/\1/p" <<<"$out" | head -n1)
	if [ -n "$unknown" ]; then
		echo "schema: the database is at revision $unknown, which Backend.AI $VERSION's migrations do not contain: it was migrated by a newer release (a migration backported to a later release of another line). Choose a release that contains it; the services still run the release they ran." >&2
		exit 1
	fi
	echo "schema: alembic upgrade head failed:" >&2
	printf '%s\n' "$out" | tail -n 15 >&2
	exit 1
fi
after=$(revision)
changed=no
[ "$before" = "$after" ] || changed=yes
echo "schema: backend.ai $VERSION at ${after:-no revision} changed=$changed"
