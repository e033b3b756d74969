#!/usr/bin/env bash
# Before an upgrade installs anything: the release's migrations must contain the revision
# the database is at. A release can lack one that an older release of another line has
# (26.4.11's backport e1b7f3d20a94 is in 26.8.4 and 26.9.0, not in 26.8.3); installing
# it would leave every venv at a release that cannot run against the database. This reads
# the database's revision with the installed manager's alembic and looks for it among the
# migrations in the new release's manager wheel, downloaded from INDEX_URL or else the
# index pip is configured with. Nothing to check on a node without a manager yet, or when
# the manager already is the release.
#   MANAGER_DIR=/home/bai/manager BAI_USER=bai VERSION=26.8.3 [INDEX_URL=...] schema_preflight.sh
# A refresh does not read this step back (it checks the database before the schema changes).
set -euo pipefail
: "${MANAGER_DIR:?}" "${BAI_USER:?}" "${VERSION:?}"
venv=$MANAGER_DIR/.venv
if [ ! -x "$venv/bin/python" ] || [ ! -f "$MANAGER_DIR/alembic.ini" ]; then
	echo "schema preflight: no manager installed yet, nothing to check for Backend.AI $VERSION"
	exit 0
fi
installed=$(as_bai "$venv/bin/python" -m pip show backend.ai-manager 2>/dev/null | sed -n 's/^Version: //p' || true)
if [ "$installed" = "$VERSION" ]; then
	echo "schema preflight: the manager is Backend.AI $VERSION already"
	exit 0
fi
revision=$(cd "$MANAGER_DIR" && as_bai "$venv/bin/python" -m alembic -c alembic.ini current 2>/dev/null | awk 'NF { r = $1 } END { print r }' || true)
if [ -z "$revision" ]; then
	echo "schema preflight: the database has no revision to check (Backend.AI $installed installed)"
	exit 0
fi
index_args=()
[ -n "${INDEX_URL:-}" ] && index_args=(--index-url "$INDEX_URL")
tmp=$(mktemp -d)
chown "$BAI_USER" "$tmp"
trap 'rm -rf "$tmp"' EXIT
if ! out=$(as_bai flock /run/lock/backendai-pip.lock "$venv/bin/python" -m pip download --quiet --disable-pip-version-check --no-deps \
	--only-binary=:all: -d "$tmp" "${index_args[@]}" "backend.ai-manager==$VERSION" 2>&1); then
	echo "schema preflight: downloading backend.ai-manager==$VERSION failed:" >&2
	printf '%s\n' "$out" | tail -n 15 >&2
	exit 1
fi
if ! "$venv/bin/python" - "$revision" "$tmp"/*.whl <<'EOF'; then
import sys, zipfile
revision, wheel = sys.argv[1], sys.argv[2]
prefix = "ai/backend/manager/models/alembic/versions/" + revision + "_"
sys.exit(0 if any(n.startswith(prefix) for n in zipfile.ZipFile(wheel).namelist()) else 1)
EOF
	echo "schema: the database is at revision $revision, which Backend.AI $VERSION's migrations do not contain: it was migrated by a newer release (a migration backported to a later release of another line). Choose a release that contains it; nothing was installed, the cluster still runs Backend.AI $installed." >&2
	exit 1
fi
echo "schema preflight: Backend.AI $VERSION migrates the database from revision $revision (Backend.AI $installed installed)"
