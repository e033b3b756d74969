//go:build integration

package provider

import (
	"context"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-go-provider/infer"

	"github.com/backendai-infra/backendai-infra/internal/fixtures"
	"github.com/backendai-infra/backendai-infra/internal/scripts"
	"github.com/backendai-infra/backendai-infra/tests/catalog"
	"github.com/backendai-infra/backendai-infra/tests/servers"
)

// The check modes (BAI_CHECK=1) of the steps whose state is in the halfstack's
// PostgreSQL (app_proxy_db.sh, user_roles.sh, roles.sh), against a real PostgreSQL with
// the real schema of the release line: each step runs, its check finds nothing, a hand
// change is named by the check, which changes nothing, and the step's rerun puts it back.
// `docker exec CONTAINER psql` and the manager's commands are stand-ins (shell scripts in
// a temporary PATH directory and venv, each named as such).

// dbHost runs the database steps' scripts on this machine, their psql reaching pg.
type dbHost struct {
	t       *testing.T
	pg      *servers.Postgres
	bin     string
	log     string // what each `docker exec` passed into the container (-e NAME)
	account string
}

func newDBHost(t *testing.T, pg *servers.Postgres) *dbHost {
	t.Helper()
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	h := &dbHost{t: t, pg: pg, bin: t.TempDir(), account: me.Username}
	h.log = filepath.Join(t.TempDir(), "docker.log")
	writeExec(t, filepath.Join(h.bin, "docker"), `#!/bin/sh
# Stand-in for docker exec [-i] [-e NAME]... CONTAINER psql ARGS...: psql on the test's
# PostgreSQL (PGHOST, PGPORT, PGPASSWORD), each call's -e names logged.
[ "$1" = exec ] || { echo "docker stand-in: $*" >&2; exit 1; }
shift
names=""
while :; do case "$1" in -i) shift ;; -e) names="$names $2"; shift 2 ;; *) break ;; esac; done
echo "exec$names" >>"$DOCKER_LOG"
shift
[ "$1" = psql ] || { echo "docker stand-in: exec $*" >&2; exit 1; }
shift
exec psql -X "$@"
`)
	writeExec(t, filepath.Join(h.bin, "setpriv"), `#!/bin/sh
# Stand-in for setpriv --reuid=... --regid=... --init-groups COMMAND...: the step's
# account is this test's, so COMMAND runs as it is.
while [ "$#" -gt 0 ]; do case "$1" in --*) shift ;; *) break ;; esac; done
exec "$@"
`)
	writeExec(t, filepath.Join(h.bin, "flock"), `#!/bin/sh
# Stand-in for flock LOCKFILE COMMAND...: one step at a time here; no lock under /run.
shift
exec "$@"
`)
	return h
}

func writeExec(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
}

// run runs script as a step, or in its check mode, with vars.
func (h *dbHost) run(script string, check bool, vars map[string]string) (string, error) {
	h.t.Helper()
	cmd := exec.Command("bash", "-s")
	cmd.Stdin = strings.NewReader(script)
	cmd.Env = []string{"PATH=" + h.bin + ":" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + h.t.TempDir(),
		"PGHOST=" + h.pg.Host, "PGPORT=" + strconv.Itoa(h.pg.Port), "PGPASSWORD=" + h.pg.Password, "DOCKER_LOG=" + h.log}
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if check {
		cmd.Env = append(cmd.Env, "BAI_CHECK=1")
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (h *dbHost) step(script string, vars map[string]string) string {
	h.t.Helper()
	out, err := h.run(script, false, vars)
	if err != nil {
		h.t.Fatalf("the step failed: %v\n%s", err, out)
	}
	return out
}

// check runs script's check mode, which must exit 0 and leave the database as dump
// reads it, and returns the drift lines (without "drift: ") and the whole output.
func (h *dbHost) check(script string, vars map[string]string, dump func() string) ([]string, string) {
	h.t.Helper()
	before := dump()
	out, err := h.run(script, true, vars)
	if err != nil {
		h.t.Fatalf("the check failed: %v\n%s", err, out)
	}
	if after := dump(); after != before {
		h.t.Errorf("the check changed the database:\n%s\n---\n%s", before, after)
	}
	var drift []string
	for _, line := range strings.Split(out, "\n") {
		if what, ok := strings.CutPrefix(line, "drift: "); ok {
			drift = append(drift, what)
		}
	}
	return drift, out
}

func (h *dbHost) sql(db, q string) string {
	h.t.Helper()
	out, err := h.pg.Psql(context.Background(), db, q)
	if err != nil {
		h.t.Fatalf("%s: %v", q, err)
	}
	return strings.TrimSpace(out)
}

// loadFixtures applies the release's own fixture files, as the stack's fixtures do.
func loadFixtures(t *testing.T, db *pgFixture, version string, names ...string) {
	t.Helper()
	files, err := catalog.Fixtures(version)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		args := FixtureArgs{Connection: db.conn, BackendAIVersion: version, Source: name, Data: files[name]}
		if _, err := (&Fixture{}).Create(context.Background(), infer.CreateRequest[FixtureArgs]{Name: name, Inputs: args}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

func wantLines(t *testing.T, when string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: drift\n %q\nwant\n %q", when, got, want)
	}
}

// TestAppProxyDBCheck: the coordinator's role and database. The check compares the
// password with the role's stored verifier on the node, never sends it to the server or
// prints it, and tells each missing right.
func TestAppProxyDBCheck(t *testing.T) {
	pg := servers.StartPostgres(t)
	h := newDBHost(t, pg)
	const password = "Zx9_appproxy-db-password-4f1c"
	vars := map[string]string{"DB_CONTAINER": "backendai-half-db", "APPPROXY_DB": "appproxy", "APPPROXY_USER": "appproxy",
		"APPPROXY_DB_PASSWORD": password}
	dump := func() string {
		return h.sql("postgres", `SELECT string_agg(rolname || ' ' || rolcanlogin || ' ' || coalesce(rolpassword, ''), ',' ORDER BY rolname) FROM pg_authid`) +
			h.sql("postgres", `SELECT string_agg(datname || ' ' || coalesce(datacl::text, ''), ',' ORDER BY datname) FROM pg_database`)
	}
	check := func(when string, want ...string) {
		t.Helper()
		os.Remove(h.log)
		got, out := h.check(scripts.AppProxyDB, vars, dump)
		wantLines(t, when, got, want...)
		if strings.Contains(out, password) {
			t.Errorf("%s: the check printed the password", when)
		}
		if log, _ := os.ReadFile(h.log); strings.Contains(string(log), "APPPROXY_DB_PASSWORD") {
			t.Errorf("%s: the check sent the password into the container: %s", when, log)
		}
	}
	check("before the step", "the role appproxy is missing", "the database appproxy is missing")
	if out := h.step(scripts.AppProxyDB, vars); !strings.Contains(out, "changed=yes") {
		t.Errorf("the first run: %s", out)
	}
	check("after the step")

	// The database given to another owner, who takes the role's rights away (an owner
	// holds them anyway; the rerun grants them again, and leaves the owner as it is).
	h.sql("postgres", `ALTER ROLE appproxy WITH NOLOGIN PASSWORD 'changed-by-hand'`)
	h.sql("postgres", `ALTER DATABASE appproxy OWNER TO postgres`)
	h.sql("postgres", `REVOKE ALL ON DATABASE appproxy FROM appproxy`)
	h.sql("appproxy", `REVOKE ALL ON SCHEMA public FROM appproxy`)
	check("changed by hand", "the role appproxy cannot log in", "the role appproxy lacks CREATE on the database appproxy",
		"the role appproxy's password differs from the App Proxy's", "the role appproxy lacks CREATE on the public schema of appproxy")
	h.step(scripts.AppProxyDB, vars)
	check("after the rerun")

	// A password stored as md5 (password_encryption = md5 when it was set) is read too.
	h.sql("postgres", `SET password_encryption = 'md5'; ALTER ROLE appproxy PASSWORD '`+password+`'`)
	if v := h.sql("postgres", `SELECT rolpassword FROM pg_authid WHERE rolname = 'appproxy'`); !strings.HasPrefix(v, "md5") {
		t.Fatalf("the verifier is not md5: %s", v)
	}
	check("an md5 verifier")
	h.sql("postgres", `SET password_encryption = 'md5'; ALTER ROLE appproxy PASSWORD 'other'`)
	check("another md5 password", "the role appproxy's password differs from the App Proxy's")

	h.sql("postgres", `DROP DATABASE appproxy`)
	check("the database dropped", "the database appproxy is missing", "the role appproxy's password differs from the App Proxy's")
	h.step(scripts.AppProxyDB, vars)
	check("after the last rerun")
}

// graphDump is what the role steps write, for a check to leave as it was.
func graphDump(h *dbHost, db string, tables ...string) string {
	var b strings.Builder
	for _, table := range tables {
		b.WriteString(table + " " + h.sql(db, "SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') FROM "+table+" t") + "\n")
	}
	return b.String()
}

// TestUserRolesCheck: on 26.8, Backend.AI's example users get their own roles and their
// edges; the check finds a user whose role row was removed, and a missing edge.
func TestUserRolesCheck(t *testing.T) {
	version := fixtures.Releases["26.8"]
	db := newPG(t, "26.8")
	loadFixtures(t, db, version, "example-users.json", "example-keypairs.json")
	h := newDBHost(t, db.pg)
	manager := t.TempDir()
	writeExec(t, filepath.Join(manager, ".venv/bin/python"), `#!/bin/sh
# Stand-in for the manager venv's python asked for a user's own operations.
cat >/dev/null
echo "('session', 'create', 4)"
echo "('vfolder', 'read', 1)"
`)
	vars := map[string]string{"MANAGER_DIR": manager, "BAI_USER": h.account, "VERSION": version,
		"DB_CONTAINER": "backendai-half-db", "DB_NAME": db.db}
	dump := func() string {
		return graphDump(h, db.db, "roles", "user_roles", "permissions", "association_scopes_entities")
	}
	users := h.sql(db.db, "SELECT count(*) FROM users")
	got, _ := h.check(scripts.UserRoles, vars, dump)
	t.Logf("before the step: %q", got)
	if len(got) == 0 || got[0] != users+" users lack their own role" {
		t.Errorf("before the step: drift %q, want first %q", got, users+" users lack their own role")
	}
	if out := h.step(scripts.UserRoles, vars); !strings.Contains(out, users+" users given their own role") {
		t.Errorf("the first run: %s", out)
	}
	got, _ = h.check(scripts.UserRoles, vars, dump)
	wantLines(t, "after the step", got)

	h.sql(db.db, `DELETE FROM user_roles WHERE user_id = (SELECT uuid FROM users WHERE email = 'user@lablup.com')`)
	h.sql(db.db, `DELETE FROM association_scopes_entities WHERE scope_type = 'domain' AND entity_id = (SELECT uuid::text FROM users WHERE email = 'admin@lablup.com')`)
	got, _ = h.check(scripts.UserRoles, vars, dump)
	wantLines(t, "changed by hand", got, "1 users lack their own role", "1 of the users' edges to their domains and projects are missing")
	if out := h.step(scripts.UserRoles, vars); !strings.Contains(out, "1 users given their own role") {
		t.Errorf("the rerun: %s", out)
	}
	got, _ = h.check(scripts.UserRoles, vars, dump)
	wantLines(t, "after the rerun", got)
}

// TestRolesCheck: on 26.9, every row of the fixtures' tables gets its graph node and every
// user its edges (the manager's `fixture populate`, which provisions the nodes, is stood
// in for by the same SQL; `permissions provision` by nothing); the check finds a node, a
// binding and a cap removed by hand.
func TestRolesCheck(t *testing.T) {
	version := fixtures.Releases["26.9"]
	db := newPG(t, "26.9")
	loadFixtures(t, db, version, "example-users.json", "example-keypairs.json", "example-resource-slot-types.json",
		"example-resource-presets.json")
	h := newDBHost(t, db.pg)
	manager := t.TempDir()
	writeExec(t, filepath.Join(manager, ".venv/bin/backend.ai"), `#!/bin/sh
# Stand-in for backend.ai mgr: "fixture populate FILE" of the graph's tables gives each of
# their rows a graph node, as provision_fixture_entities does (of the role presets' file:
# nothing); "permissions provision": nothing.
case "$2 $3" in
"fixture populate")
	grep -q '"domains"' "$4" || exit 0
	exec psql -X -q -v ON_ERROR_STOP=1 -U postgres -d "$DB_NAME" <<'SQL'
INSERT INTO virtual_entities (entity_type, entity_id) SELECT 'domain', id FROM domains ON CONFLICT DO NOTHING;
INSERT INTO virtual_entities (entity_type, entity_id) SELECT 'project', id FROM groups ON CONFLICT DO NOTHING;
INSERT INTO virtual_entities (entity_type, entity_id) SELECT 'user', uuid FROM users ON CONFLICT DO NOTHING;
INSERT INTO virtual_entities (entity_type, entity_id) SELECT 'resource_group', id FROM scaling_groups ON CONFLICT DO NOTHING;
INSERT INTO virtual_entities (entity_type, entity_id) SELECT 'container_registry', id FROM container_registries ON CONFLICT DO NOTHING;
INSERT INTO virtual_entities (entity_type, entity_id) SELECT 'resource_preset', id FROM resource_presets ON CONFLICT DO NOTHING;
INSERT INTO virtual_entities (entity_type, entity_id) SELECT 'resource_slot_type', uuid FROM resource_slot_types ON CONFLICT DO NOTHING;
INSERT INTO virtual_entities (entity_type, entity_id) SELECT 'user_resource_policy', uuid FROM user_resource_policies ON CONFLICT DO NOTHING;
INSERT INTO virtual_entities (entity_type, entity_id) SELECT 'keypair_resource_policy', uuid FROM keypair_resource_policies ON CONFLICT DO NOTHING;
INSERT INTO virtual_entities (entity_type, entity_id) SELECT 'project_resource_policy', uuid FROM project_resource_policies ON CONFLICT DO NOTHING;
SQL
	;;
"permissions provision") ;;
*) echo "backend.ai stand-in: $*" >&2; exit 1 ;;
esac
`)
	writeExec(t, filepath.Join(manager, ".venv/bin/python"), `#!/bin/sh
# Stand-in for the manager venv's python: "-m pip download ... -d DIR ..." makes
# backend.ai-install's wheel, its role presets empty; anything else is python3's.
if [ "$1 $2 $3" = "-m pip download" ]; then
	while [ "$1" != -d ]; do shift; done
	mkdir -p "$2"
	exec python3 -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[1] + "/backend_ai_install-0-py3-none-any.whl", "w") as z:
    z.writestr("ai/backend/install/fixtures/example-role-presets.json", "{}")' "$2"
fi
exec python3 "$@"
`)
	vars := map[string]string{"MANAGER_DIR": manager, "BAI_USER": h.account, "VERSION": version,
		"DB_CONTAINER": "backendai-half-db", "DB_NAME": db.db}
	dump := func() string {
		return graphDump(h, db.db, "virtual_entities", "entity_memberships", "scope_bindings", "entity_membership_caps")
	}
	got, _ := h.check(scripts.Roles, vars, dump)
	t.Logf("before the step: %q", got)
	if !slices.ContainsFunc(got, func(d string) bool { return strings.HasSuffix(d, " rows of resource_slot_types have no graph node") }) {
		t.Errorf("before the step: drift %q, want the slot types' missing nodes", got)
	}
	if out := h.step(scripts.Roles, vars); !strings.Contains(out, "changed=yes") {
		t.Errorf("the first run: %s", out)
	}
	got, _ = h.check(scripts.Roles, vars, dump)
	wantLines(t, "after the step", got)

	user := `(SELECT v.id FROM virtual_entities v JOIN users x ON v.entity_type = 'user' AND v.entity_id = x.uuid WHERE x.email = 'user@lablup.com')`
	h.sql(db.db, `DELETE FROM scope_bindings WHERE virtual_entity_id = `+user+`
		AND scope_entity_id = (SELECT v.id FROM virtual_entities v JOIN users x ON v.entity_type = 'domain' AND v.entity_id = x.domain_id WHERE x.email = 'user@lablup.com')`)
	h.sql(db.db, `DELETE FROM entity_membership_caps WHERE permission = 1 AND membership_id = (
		SELECT m.id FROM entity_memberships m JOIN virtual_entities p ON p.id = m.virtual_entity_id AND p.entity_type = 'project'
		WHERE m.member_entity_id = `+user+` AND m.capped ORDER BY m.id LIMIT 1)`)
	h.sql(db.db, `DELETE FROM virtual_entities WHERE entity_type = 'resource_slot_type' AND entity_id = (SELECT uuid FROM resource_slot_types ORDER BY slot_name LIMIT 1)`)
	got, _ = h.check(scripts.Roles, vars, dump)
	wantLines(t, "changed by hand", got, "1 rows of resource_slot_types have no graph node", "1 users are not bound to their domains",
		"1 users' project memberships are not capped to READ")
	h.step(scripts.Roles, vars)
	got, _ = h.check(scripts.Roles, vars, dump)
	wantLines(t, "after the rerun", got)
}
