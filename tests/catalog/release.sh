#!/usr/bin/env bash
# Runs on a sandbox host: installs one Backend.AI release's real manager from the package
# index, lets its own `backend.ai mgr schema oneshot` create the schema in a fresh
# PostgreSQL database, and writes to /tmp/catalog/VERSION/:
#   schema.sql     pg_dump --schema-only of that database (the real schema)
#   catalog.json   its tables, columns, keys and enums, from PostgreSQL's catalog
#   loader.json    what Backend.AI's fixture loader does per column that the database
#                  cannot tell: password hashing, enum names or values, reference aliases
#   fixtures/      Backend.AI's own fixture files of the release (backend.ai-install)
#   VERSION=26.9.6 INDEX_URL=http://127.0.0.1:3141/index/ CATALOG_SQL=... release.sh
set -euo pipefail
: "${VERSION:?}" "${INDEX_URL:?}" "${CATALOG_SQL:?}"
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1
out=/tmp/catalog/$VERSION
rm -rf "$out" && mkdir -p "$out/fixtures"
if ! command -v pg_dump >/dev/null || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
	apt-get update -qq && apt-get install -y -qq postgresql python3-venv unzip >/dev/null
fi
cluster=$(ls /etc/postgresql)
pg_ctlcluster --skip-systemctl-redirect "$cluster" main status >/dev/null 2>&1 ||
	pg_ctlcluster --skip-systemctl-redirect "$cluster" main start
venv=/opt/catalog/$VERSION
[ -x "$venv/bin/backend.ai" ] || {
	python3 -m venv "$venv"
	"$venv/bin/pip" install -q --index-url "$INDEX_URL" "backend.ai-manager==$VERSION"
}
db=bai_$(tr -c 'a-z0-9\n' _ <<<"$VERSION")
su postgres -c "dropdb --if-exists $db && createdb $db"
su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'catalog'\""
cat >"$out/alembic.ini" <<INI
[alembic]
script_location = ai.backend.manager.models:alembic
sqlalchemy.url = postgresql+asyncpg://postgres:catalog@127.0.0.1:5432/$db
INI
(cd "$out" && "$venv/bin/backend.ai" mgr schema oneshot -f alembic.ini >oneshot.log 2>&1) ||
	{ tail -n 30 "$out/oneshot.log" >&2; exit 1; }
su postgres -c "pg_dump --schema-only --no-owner --no-privileges $db" >"$out/schema.sql"
su postgres -c "psql -X -At -d $db" <<<"$CATALOG_SQL" >"$out/catalog.json"
"$venv/bin/python" - >"$out/loader.json" <<'PY'
import enum, json
from sqlalchemy.dialects import postgresql
from ai.backend.manager.models.base import (
    FIXTURE_REFERENCE_SPECS, EnumType, EnumValueType, StrEnumType, ensure_all_tables_registered, metadata)
from ai.backend.manager.models.hasher.types import PasswordColumn
ensure_all_tables_registered()


def default_of(c):
    """The value SQLAlchemy gives a column a row leaves out (not the server's default)."""
    d = c.default
    if d is None:
        return None
    if getattr(d, "is_scalar", False):
        v = d.arg
        if isinstance(v, enum.Enum):
            return {"value": str(v.value), "name": v.name}
        if isinstance(v, bytes):
            return {"value": "\\x" + v.hex()}  # bytea's hex form
        try:
            json.dumps(v)
            return {"value": v}
        except TypeError:
            return {"value": str(v)}
    if getattr(d, "is_callable", False):
        name = getattr(d.arg, "__name__", "")
        if "uuid" in name:
            return {"func": "uuid"}
        if "now" in name:
            return {"func": "now"}
        # Another factory (an empty options object, say): its value as the column
        # stores it.
        try:
            v = d.arg(None)
            if hasattr(c.type, "process_bind_param"):
                v = c.type.process_bind_param(v, postgresql.dialect())
            json.dumps(v)
            return {"value": v}
        except Exception:
            return None
    return None


columns = {}
for table in metadata.tables.values():
    for c in table.columns:
        key = f"{table.name}.{c.name}"
        info = {}
        if isinstance(c.type, PasswordColumn):
            info["password"] = True
        elif isinstance(c.type, EnumType):
            info["enumNames"] = [m.name for m in c.type._enum_cls]
        elif isinstance(c.type, (StrEnumType, EnumValueType)):
            info["enumValues"] = [str(m.value) for m in c.type._enum_cls]
        if (default := default_of(c)) is not None:
            info["default"] = default
        if info:
            columns[key] = info
references = [
    {"table": t, "alias": s.fixture_alias_column, "column": s.fixture_fk_column, "lookupTable": s.lookup_table,
     "match": s.lookup_match_column, "referenced": s.lookup_referenced_column}
    for t, specs in FIXTURE_REFERENCE_SPECS.items() for s in specs]
print(json.dumps({"columns": columns, "references": references}, sort_keys=True, indent=1))
PY
dl=$(mktemp -d)
"$venv/bin/pip" download -q --no-deps --index-url "$INDEX_URL" -d "$dl" "backend.ai-install==$VERSION"
(cd "$dl" && unzip -q -o ./*.whl 'ai/backend/install/fixtures/*.json' && cp ai/backend/install/fixtures/*.json "$out/fixtures/")
rm -rf "$dl"
echo "catalog: Backend.AI $VERSION: $(grep -c '^CREATE TABLE' "$out/schema.sql") tables, $(ls "$out/fixtures" | wc -l) fixture files"
