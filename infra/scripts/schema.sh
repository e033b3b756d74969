#!/usr/bin/env bash
# The database schema (seed 002 step 18): `backend.ai mgr schema oneshot` creates the
# tables and stamps alembic's head on an empty database and leaves an existing one
# alone; `alembic upgrade head` then migrates an existing one to the installed release.
# Both read alembic.ini in the manager's directory. The step runs again when the
# release or alembic.ini changes; both commands are no-ops on a current schema.
#   MANAGER_DIR=/home/bai/manager BAI_USER=bai VERSION=26.8.1 schema.sh
set -euo pipefail
: "${MANAGER_DIR:?}" "${BAI_USER:?}" "${VERSION:?}"
as_bai() { setpriv --reuid="$BAI_USER" --regid="$(id -g "$BAI_USER")" --init-groups env HOME="$(getent passwd "$BAI_USER" | cut -d: -f6)" "$@"; }
cd "$MANAGER_DIR"
revision() { as_bai .venv/bin/python -m alembic -c alembic.ini current 2>/dev/null | tail -n1; }
before=$(revision || true)
if ! out=$(as_bai .venv/bin/backend.ai mgr schema oneshot 2>&1); then
	echo "schema: backend.ai mgr schema oneshot failed:" >&2
	printf '%s\n' "$out" | tail -n 15 >&2
	exit 1
fi
if ! out=$(as_bai .venv/bin/python -m alembic -c alembic.ini upgrade head 2>&1); then
	echo "schema: alembic upgrade head failed:" >&2
	printf '%s\n' "$out" | tail -n 15 >&2
	exit 1
fi
after=$(revision)
changed=no
[ "$before" = "$after" ] || changed=yes
echo "schema: backend.ai $VERSION at ${after:-no revision} changed=$changed"
