#!/usr/bin/env bash
# What every user needs from Backend.AI 26.9 on, where creating a vfolder, listing
# invitations, starting a session in a project and most other actions are checked
# against the entity graph and RBAC roles, and `mgr schema oneshot` seeds neither:
#  1. a graph node for every row the stack's fixtures inserted (domains, projects,
#     users, ...), as `mgr fixture populate` gives the rows it writes: a populate of those
#     tables with no rows provisions the whole tables (provision_fixture_entities in
#     ai/backend/manager/models/virtual_entity/fixture.py);
#  2. each user's edges to its domain, to the projects association_groups_users names and
#     to its personal project (a project's roster edge capped to READ), the edges
#     Backend.AI's own example users carry (fixtures/manager/example-users.json of 26.9;
#     the personal one as its migration dafe06a6c763 writes it);
#  3. the release's role presets (backend.ai-install's fixtures/example-role-presets.json,
#     from the same index as the packages) and `mgr permissions provision`, which gives
#     every domain, project and user the preset roles it lacks, as Backend.AI's installer
#     does after its fixtures (src/ai/backend/install/context.py, load_fixtures).
# Each leaves what is there alone, so running it again changes nothing; the step runs
# again when the fixtures or the release change (new users get their roles).
#   MANAGER_DIR=/home/bai/manager BAI_USER=bai VERSION=26.9.6 DB_CONTAINER=backendai-half-db \
#   DB_NAME=backend [INDEX_URL=...] roles.sh
# A refresh reads back parts 1 and 2: that each row of those tables has its graph node,
# and that each user has those edges. Not part 3, the preset roles: which roles a scope
# lacks is `mgr permissions provision`'s own reckoning (the presets' templates and
# auto-assigned grants), which it has no way to only report, and the presets themselves
# come from a download, which a check does not make.
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${MANAGER_DIR:?}" "${BAI_USER:?}" "${VERSION:?}" "${DB_CONTAINER:?}" "${DB_NAME:?}"
mgr() { # backend.ai mgr ARGS..., as the account; a failure shows its last lines
	local out
	if ! out=$(as_bai .venv/bin/backend.ai mgr "$@" 2>&1); then
		echo "roles: backend.ai mgr $* failed:" >&2
		printf '%s\n' "$out" | tail -n 15 >&2
		exit 1
	fi
}
psql() { docker exec -i "$DB_CONTAINER" psql -q -t -A -v ON_ERROR_STOP=1 -U postgres -d "$DB_NAME"; }
# The tables of the fixtures' rows, each as table:entity type:id column, as the manager
# declares them (FIXTURE_ENTITY_SPECS in ai/backend/manager/models/virtual_entity/fixture.py).
graph_tables="domains:domain:id groups:project:id users:user:uuid scaling_groups:resource_group:id
	container_registries:container_registry:id resource_presets:resource_preset:id
	resource_slot_types:resource_slot_type:uuid user_resource_policies:user_resource_policy:uuid
	keypair_resource_policies:keypair_resource_policy:uuid project_resource_policies:project_resource_policy:uuid"
# The users' edges, each as a query of the rows to insert that are missing; they decide
# both what a run writes and what a check reports.
domain_members="SELECT d.id AS virtual_entity_id, u.id AS member_entity_id FROM users x
	JOIN virtual_entities u ON u.entity_type = 'user' AND u.entity_id = x.uuid
	JOIN virtual_entities d ON d.entity_type = 'domain' AND d.entity_id = x.domain_id
	WHERE NOT EXISTS (SELECT FROM entity_memberships m WHERE m.virtual_entity_id = d.id AND m.member_entity_id = u.id)"
domain_scopes="SELECT u.id AS virtual_entity_id, d.id AS scope_entity_id FROM users x
	JOIN virtual_entities u ON u.entity_type = 'user' AND u.entity_id = x.uuid
	JOIN virtual_entities d ON d.entity_type = 'domain' AND d.entity_id = x.domain_id
	WHERE NOT EXISTS (SELECT FROM scope_bindings b WHERE b.virtual_entity_id = u.id AND b.scope_entity_id = d.id)"
project_members="SELECT DISTINCT p.id AS virtual_entity_id, u.id AS member_entity_id FROM (
		SELECT a.group_id, a.user_id FROM association_groups_users a
		UNION ALL
		SELECT g.id, g.creator_id FROM groups g WHERE g.type = 'personal') r
	JOIN virtual_entities p ON p.entity_type = 'project' AND p.entity_id = r.group_id
	JOIN virtual_entities u ON u.entity_type = 'user' AND u.entity_id = r.user_id
	WHERE NOT EXISTS (SELECT FROM entity_memberships m WHERE m.virtual_entity_id = p.id AND m.member_entity_id = u.id)"
uncapped="SELECT m.id AS membership_id FROM entity_memberships m
	JOIN virtual_entities p ON p.id = m.virtual_entity_id AND p.entity_type = 'project'
	JOIN virtual_entities u ON u.id = m.member_entity_id AND u.entity_type = 'user'
	WHERE m.capped AND NOT EXISTS (SELECT FROM entity_membership_caps c WHERE c.membership_id = m.id AND c.permission = 1)"

# BAI_CHECK=1: nothing is written, downloaded or provisioned; rows without their graph
# node and missing edges are drift (counted), and so is a database that cannot be read.
if [ "${BAI_CHECK:-}" = 1 ]; then
	sql=""
	for spec in $graph_tables; do
		IFS=: read -r table type column <<<"$spec"
		sql+="SELECT 'drift: ' || count(*) || ' rows of $table have no graph node' FROM $table t
	WHERE NOT EXISTS (SELECT FROM virtual_entities v WHERE v.entity_type = '$type' AND v.entity_id = t.$column) HAVING count(*) > 0;
"
	done
	read_drift "the graph of $DB_NAME" psql <<SQL
$sql
SELECT 'drift: ' || count(*) || ' users are not members of their domains' FROM ($domain_members) e HAVING count(*) > 0;
SELECT 'drift: ' || count(*) || ' users are not bound to their domains' FROM ($domain_scopes) e HAVING count(*) > 0;
SELECT 'drift: ' || count(*) || ' users are not members of their projects' FROM ($project_members) e HAVING count(*) > 0;
SELECT 'drift: ' || count(*) || ' users'' project memberships are not capped to READ' FROM ($uncapped) e HAVING count(*) > 0;
SQL
	exit 0
fi

cd "$MANAGER_DIR"
index_args=()
[ -n "${INDEX_URL:-}" ] && index_args=(--index-url "$INDEX_URL")
tmp=$(mktemp -d)
chown "$BAI_USER" "$tmp"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
# The role presets' wheel downloads while the graph is populated.
as_bai flock /run/lock/backendai-pip.lock .venv/bin/python -m pip download --quiet --disable-pip-version-check --no-deps \
	--only-binary=:all: -d "$tmp/wheel" "${index_args[@]}" "backend.ai-install==$VERSION" >"$tmp/download.log" 2>&1 &
download=$!
nodes=$tmp/graph-nodes.json
sep=""
{
	printf '{'
	for spec in $graph_tables; do
		printf '%s"%s": []' "$sep" "${spec%%:*}"
		sep=", "
	done
	printf '}\n'
} >"$nodes"
chown "$BAI_USER" "$nodes"
mgr fixture populate "$nodes"
if ! out=$(psql 2>&1 <<SQL
INSERT INTO entity_memberships (virtual_entity_id, member_entity_id, capped)
SELECT e.virtual_entity_id, e.member_entity_id, FALSE FROM ($domain_members) e
ON CONFLICT (virtual_entity_id, member_entity_id) DO NOTHING;
INSERT INTO scope_bindings (virtual_entity_id, scope_entity_id)
SELECT e.virtual_entity_id, e.scope_entity_id FROM ($domain_scopes) e
ON CONFLICT DO NOTHING;
INSERT INTO entity_memberships (virtual_entity_id, member_entity_id, capped)
SELECT e.virtual_entity_id, e.member_entity_id, TRUE FROM ($project_members) e
ON CONFLICT (virtual_entity_id, member_entity_id) DO NOTHING;
INSERT INTO entity_membership_caps (membership_id, permission, all_fields)
SELECT e.membership_id, 1, TRUE FROM ($uncapped) e
ON CONFLICT (membership_id, permission) DO NOTHING;
SQL
); then
	echo "roles: the users' edges to their domains and projects:" >&2
	printf '%s\n' "$out" | tail -n 15 >&2
	exit 1
fi
if ! wait "$download"; then
	echo "roles: downloading backend.ai-install==$VERSION (its role presets) failed:" >&2
	tail -n 15 "$tmp/download.log" >&2
	exit 1
fi
presets=$tmp/example-role-presets.json
as_bai .venv/bin/python - "$tmp"/wheel/*.whl "$presets" <<'PY'
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z, open(out, "wb") as f:
    f.write(z.read("ai/backend/install/fixtures/example-role-presets.json"))
PY
mgr fixture populate "$presets"
mgr permissions provision
echo "roles: every entity in the graph, every user in its domain and projects, Backend.AI $VERSION's role presets loaded and provisioned changed=yes"
