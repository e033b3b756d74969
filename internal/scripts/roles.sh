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
# A refresh does not read this step back yet: a hand change goes unnoticed until its inputs change.
set -euo pipefail
: "${MANAGER_DIR:?}" "${BAI_USER:?}" "${VERSION:?}" "${DB_CONTAINER:?}" "${DB_NAME:?}"
as_bai() { setpriv --reuid="$BAI_USER" --regid="$(id -g "$BAI_USER")" --init-groups env HOME="$(getent passwd "$BAI_USER" | cut -d: -f6)" "$@"; }
mgr() { # backend.ai mgr ARGS..., as the account; a failure shows its last lines
	local out
	if ! out=$(as_bai .venv/bin/backend.ai mgr "$@" 2>&1); then
		echo "roles: backend.ai mgr $* failed:" >&2
		printf '%s\n' "$out" | tail -n 15 >&2
		exit 1
	fi
}
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
echo '{"domains": [], "groups": [], "users": [], "scaling_groups": [], "container_registries": [], "resource_presets": [],
 "resource_slot_types": [], "user_resource_policies": [], "keypair_resource_policies": [], "project_resource_policies": []}' >"$nodes"
chown "$BAI_USER" "$nodes"
mgr fixture populate "$nodes"
if ! out=$(docker exec -i "$DB_CONTAINER" psql -q -v ON_ERROR_STOP=1 -U postgres -d "$DB_NAME" 2>&1 <<'SQL'
INSERT INTO entity_memberships (virtual_entity_id, member_entity_id, capped)
SELECT d.id, u.id, FALSE FROM users x
JOIN virtual_entities u ON u.entity_type = 'user' AND u.entity_id = x.uuid
JOIN virtual_entities d ON d.entity_type = 'domain' AND d.entity_id = x.domain_id
ON CONFLICT (virtual_entity_id, member_entity_id) DO NOTHING;
INSERT INTO scope_bindings (virtual_entity_id, scope_entity_id)
SELECT u.id, d.id FROM users x
JOIN virtual_entities u ON u.entity_type = 'user' AND u.entity_id = x.uuid
JOIN virtual_entities d ON d.entity_type = 'domain' AND d.entity_id = x.domain_id
ON CONFLICT DO NOTHING;
INSERT INTO entity_memberships (virtual_entity_id, member_entity_id, capped)
SELECT p.id, u.id, TRUE FROM association_groups_users a
JOIN virtual_entities p ON p.entity_type = 'project' AND p.entity_id = a.group_id
JOIN virtual_entities u ON u.entity_type = 'user' AND u.entity_id = a.user_id
ON CONFLICT (virtual_entity_id, member_entity_id) DO NOTHING;
INSERT INTO entity_memberships (virtual_entity_id, member_entity_id, capped)
SELECT p.id, u.id, TRUE FROM groups g
JOIN virtual_entities p ON p.entity_type = 'project' AND p.entity_id = g.id
JOIN virtual_entities u ON u.entity_type = 'user' AND u.entity_id = g.creator_id
WHERE g.type = 'personal'
ON CONFLICT (virtual_entity_id, member_entity_id) DO NOTHING;
INSERT INTO entity_membership_caps (membership_id, permission, all_fields)
SELECT m.id, 1, TRUE FROM entity_memberships m
JOIN virtual_entities p ON p.id = m.virtual_entity_id AND p.entity_type = 'project'
JOIN virtual_entities u ON u.id = m.member_entity_id AND u.entity_type = 'user'
WHERE m.capped
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
