#!/usr/bin/env bash
# What every user needs on Backend.AI 26.4 and 26.8, where starting a session, listing
# vfolders and other actions are checked against the user's roles (CREATE on session in
# the user's own scope, ai/backend/manager/services/session/actions/create_from_params.py)
# and `mgr schema oneshot` and the fixtures give a user none. For each user without it,
# the rows the manager writes when it creates a user (repositories/user/db_source/
# db_source.py: RoleManager.create_system_role, then user_roles):
#  1. a system role "user-<uuid8>", bound to the user's scope (association_scopes_entities);
#  2. its permissions in that scope: the operations UserSystemRoleSpec.entity_operations()
#     of the installed release names (asked of the release's own code, so a release that
#     adds an entity type grants it), each with Permission.from_operation's bits;
#  3. the user's user_roles row;
# and every user's edges to its domain and to the projects association_groups_users
# names, as the manager's RBACEntityCreator and migration ce69b746304e write them.
# Users that have such a role are left alone, so running it again changes nothing.
#   MANAGER_DIR=/home/bai/manager BAI_USER=bai VERSION=26.8.3 DB_CONTAINER=backendai-half-db \
#   DB_NAME=backend user_roles.sh
# A refresh reads back that every user has its own role and its edges to its domain and
# projects (not the role's permissions: a user's existing role is left as it is).
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${MANAGER_DIR:?}" "${BAI_USER:?}" "${VERSION:?}" "${DB_CONTAINER:?}" "${DB_NAME:?}"
psql() { docker exec -i "$DB_CONTAINER" psql -q -t -A -v ON_ERROR_STOP=1 -U postgres -d "$DB_NAME"; }
# What the step writes, as queries of what is missing: the users without their own role
# (a permission in their own scope, through user_roles), and the users' edges to their
# domains and projects. They decide both what a run writes and what a check reports.
lacking_role="SELECT x.uuid FROM users x WHERE NOT EXISTS (
		SELECT 1 FROM user_roles ur JOIN permissions p ON p.role_id = ur.role_id
		WHERE ur.user_id = x.uuid AND p.scope_type = 'user' AND p.scope_id = x.uuid::text)"
missing_edges="SELECT * FROM (
	SELECT 'domain' AS scope_type, x.domain_name AS scope_id, 'user' AS entity_type, x.uuid::text AS entity_id FROM users x
	UNION ALL
	SELECT 'project', a.group_id::text, 'user', a.user_id::text FROM association_groups_users a) e
WHERE NOT EXISTS (SELECT 1 FROM association_scopes_entities s
	WHERE s.scope_type = e.scope_type AND s.scope_id = e.scope_id AND s.entity_id = e.entity_id)"

# BAI_CHECK=1: nothing is written; users without their own role, and missing edges, are
# drift (counted), and so is a database that cannot be read.
if [ "${BAI_CHECK:-}" = 1 ]; then
	read_drift "the users' roles in $DB_NAME" psql <<SQL
SELECT 'drift: ' || count(*) || ' users lack their own role' FROM ($lacking_role) l HAVING count(*) > 0;
SELECT 'drift: ' || count(*) || ' of the users'' edges to their domains and projects are missing' FROM ($missing_edges) m HAVING count(*) > 0;
SQL
	exit 0
fi

cd "$MANAGER_DIR"
if ! ops=$(as_bai .venv/bin/python - 2>&1 <<'PY'
import uuid
from ai.backend.manager.data.permission.types import Permission
from ai.backend.manager.repositories.permission_controller.role_manager import UserSystemRoleSpec

spec = UserSystemRoleSpec(user_id=uuid.UUID(int=0))
for element, operations in spec.entity_operations().items():
    for op in sorted(operations, key=lambda o: o.value):
        print(f"('{element.to_entity_type().value}', '{op.value}', {int(Permission.from_operation(op))})")
PY
); then
	echo "user-roles: asking Backend.AI $VERSION for a user's own operations failed:" >&2
	printf '%s\n' "$ops" | tail -n 15 >&2
	exit 1
fi
values=$(printf '%s\n' "$ops" | paste -sd, -)
if ! out=$(psql 2>&1 <<SQL
CREATE TEMP TABLE own_ops (entity_type text, operation text, permission smallint);
INSERT INTO own_ops VALUES $values;
CREATE TEMP TABLE granted (user_id uuid);
DO \$\$
DECLARE
	u record;
	r uuid;
BEGIN
	FOR u IN $lacking_role
	LOOP
		INSERT INTO roles (name, source, status) VALUES ('user-' || left(u.uuid::text, 8), 'system', 'active')
			RETURNING id INTO r;
		INSERT INTO association_scopes_entities (scope_type, scope_id, entity_type, entity_id, relation_type)
			VALUES ('user', u.uuid::text, 'role', r::text, 'auto');
		INSERT INTO permissions (role_id, scope_type, scope_id, entity_type, operation, permission)
			SELECT r, 'user', u.uuid::text, o.entity_type, o.operation, o.permission FROM own_ops o;
		INSERT INTO user_roles (user_id, role_id) VALUES (u.uuid, r);
		INSERT INTO granted VALUES (u.uuid);
	END LOOP;
END
\$\$;
INSERT INTO association_scopes_entities (scope_type, scope_id, entity_type, entity_id, relation_type)
SELECT m.scope_type, m.scope_id, m.entity_type, m.entity_id, 'auto' FROM ($missing_edges) m
ON CONFLICT (scope_type, scope_id, entity_id) DO NOTHING;
SELECT count(*) FROM granted;
SQL
); then
	echo "user-roles: the users' roles:" >&2
	printf '%s\n' "$out" | tail -n 15 >&2
	exit 1
fi
changed=no
[ "$out" = 0 ] || changed=yes
echo "user-roles: $out users given their own role (Backend.AI $VERSION's $(printf '%s\n' "$ops" | wc -l) operations) changed=$changed"
