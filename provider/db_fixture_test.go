//go:build integration

package provider

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"

	"github.com/backendai-infra/backendai-infra/tests/servers"
)

type pgFixture struct {
	t    *testing.T
	pg   *servers.Postgres
	db   string
	conn DBConnection
}

func newPG(t *testing.T, line string) *pgFixture {
	pg := servers.StartPostgres(t)
	db := pg.CreateBackendAIDatabase(t, "backend", line)
	pw := pg.Password
	port := pg.Port
	return &pgFixture{t: t, pg: pg, db: db, conn: DBConnection{Host: pg.Host, Port: &port, User: pg.User, Password: &pw, Database: db}}
}

func (f *pgFixture) sql(q string) string {
	f.t.Helper()
	out, err := f.pg.Psql(context.Background(), f.db, q)
	if err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return strings.TrimSpace(out)
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestFixtureLifecycle runs every CRUD path of a fixture against a real PostgreSQL
// with the real schema of Backend.AI 26.8 (tests/catalog).
func TestFixtureLifecycle(t *testing.T) {
	db := newPG(t, "26.8")
	ctx := context.Background()
	fx := &Fixture{}
	users := FixtureArgs{Connection: db.conn, BackendAIVersion: "26.8.1", Data: readFile(t, "../fixtures/example-users.json")}

	// A row that was there before: the fixture updates it but never deletes it.
	db.sql(`INSERT INTO domains (name, description, is_active, total_resource_slots, allowed_vfolder_hosts, allowed_docker_registries, dotfiles)
		VALUES ('default', 'made by hand', true, '{}', '{}', '{}', '\x90')`)

	created, err := fx.Create(ctx, infer.CreateRequest[FixtureArgs]{Name: "users", Inputs: users})
	if err != nil {
		t.Fatal(err)
	}
	if got := db.sql(`SELECT count(*) FROM users`); got != "3" {
		t.Errorf("users: %s", got)
	}
	if got := db.sql(`SELECT description FROM domains`); got != "The default domain" {
		t.Errorf("the existing domain was not updated: %s", got)
	}
	if got := db.sql(`SELECT array_to_string(allowed_docker_registries, ',') || ' ' || is_active::text FROM domains`); got != "cr.backend.ai,index.docker.io true" {
		t.Errorf("domain columns: %s", got)
	}
	hash := db.sql(`SELECT password FROM users WHERE email = 'admin@lablup.com'`)
	if !strings.HasPrefix(hash, "pbkdf2_sha256$600000$") || !passwordMatches("wJalrXUt", hash) {
		t.Errorf("the admin's password is not hashed the Backend.AI way: %s", hash)
	}
	state := created.Output
	if len(state.Created) != 13 || slices.Contains(state.Created, "domains/name=default") {
		t.Errorf("created: %v", state.Created)
	}
	for id, row := range state.Rows {
		if strings.Contains(row, "wJalrXUt") || strings.Contains(row, "v625xZLOgbMHhl0s49VuqQ") {
			t.Errorf("%s: a secret in the state's rows: %s", id, row)
		}
	}

	// Converged: a read finds the rows as desired; nothing to change.
	read, err := fx.Read(ctx, infer.ReadRequest[FixtureArgs, FixtureState]{ID: created.ID, Inputs: users, State: state})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := fx.Diff(ctx, infer.DiffRequest[FixtureArgs, FixtureState]{State: read.State, Inputs: users}); d.HasChanges {
		t.Errorf("diff after reading untouched rows: %v", d.DetailedDiff)
	}

	// Changed and removed by hand: the read sees it; the diff names those rows.
	db.sql(`UPDATE users SET full_name = 'Changed By Hand' WHERE email = 'user@lablup.com'`)
	db.sql(`UPDATE users SET password = 'pbkdf2_sha256$1$00$00' WHERE email = 'admin@lablup.com'`)
	db.sql(`DELETE FROM association_scopes_entities`)
	read, err = fx.Read(ctx, infer.ReadRequest[FixtureArgs, FixtureState]{ID: created.ID, Inputs: users, State: state})
	if err != nil {
		t.Fatal(err)
	}
	d, err := fx.Diff(ctx, infer.DiffRequest[FixtureArgs, FixtureState]{State: read.State, Inputs: users})
	if err != nil {
		t.Fatal(err)
	}
	wantDiff := map[string]p.PropertyDiff{
		`rows["users/uuid=dfa9da54-4b28-432f-be29-c0d680c7a412"]`: {Kind: p.Update},
		`rows["users/uuid=f38dea23-50fa-42a0-b5ae-338f5f4693f4"]`: {Kind: p.Update},
		`rows["association_scopes_entities/scope_type=project,scope_id=2de2b969-1d04-48a6-af16-0bc8adb3c831,entity_id=f38dea23-50fa-42a0-b5ae-338f5f4693f4"]`: {Kind: p.Add},
	}
	if fmt.Sprint(d.DetailedDiff) != fmt.Sprint(wantDiff) {
		t.Errorf("diff after hand changes:\n got %v\nwant %v", d.DetailedDiff, wantDiff)
	}
	before := db.sql(`SELECT password_changed_at FROM users WHERE email = 'domain-admin@lablup.com'`)
	db.sql(`UPDATE users SET password_changed_at = '2020-01-01' WHERE email = 'domain-admin@lablup.com'`)
	updated, err := fx.Update(ctx, infer.UpdateRequest[FixtureArgs, FixtureState]{ID: created.ID, State: read.State, Inputs: users})
	if err != nil {
		t.Fatal(err)
	}
	if got := db.sql(`SELECT full_name FROM users WHERE email = 'user@lablup.com'`); got != "User Lablup" {
		t.Errorf("the hand change was not undone: %s", got)
	}
	if !passwordMatches("wJalrXUt", db.sql(`SELECT password FROM users WHERE email = 'admin@lablup.com'`)) {
		t.Error("the admin's password was not restored")
	}
	if got := db.sql(`SELECT count(*) FROM association_scopes_entities`); got != "1" {
		t.Errorf("the removed row was not put back: %s", got)
	}
	// Untouched rows are not written again (their hash and columns stay).
	if got := db.sql(`SELECT password_changed_at::date FROM users WHERE email = 'domain-admin@lablup.com'`); got != "2020-01-01" || before == "" {
		t.Errorf("an unchanged user was rewritten: %s", got)
	}
	state = updated.Output

	// Update: a row goes from the data; the fixture created it, so it is deleted.
	fewer := users
	fewer.Data = strings.Replace(users.Data, `{"group_id": "2de2b969-1d04-48a6-af16-0bc8adb3c831", "user_id": "dfa9da54-4b28-432f-be29-c0d680c7a412"}`, ``, 1)
	fewer.Data = strings.Replace(fewer.Data, `"4f13d193-f646-425a-a340-270c4d2b9860"},`, `"4f13d193-f646-425a-a340-270c4d2b9860"}`, 1)
	d, _ = fx.Diff(ctx, infer.DiffRequest[FixtureArgs, FixtureState]{State: state, Inputs: fewer})
	if len(d.DetailedDiff) != 1 || d.DetailedDiff[`rows["association_groups_users/user_id=dfa9da54-4b28-432f-be29-c0d680c7a412,group_id=2de2b969-1d04-48a6-af16-0bc8adb3c831"]`].Kind != p.Delete {
		t.Errorf("diff of a removed row: %v", d.DetailedDiff)
	}
	updated, err = fx.Update(ctx, infer.UpdateRequest[FixtureArgs, FixtureState]{ID: created.ID, State: state, Inputs: fewer})
	if err != nil {
		t.Fatal(err)
	}
	if got := db.sql(`SELECT count(*) FROM association_groups_users`); got != "2" {
		t.Errorf("association rows after the update: %s", got)
	}

	// Delete: the rows it created go; the domain that was there before stays.
	if _, err := fx.Delete(ctx, infer.DeleteRequest[FixtureState]{ID: created.ID, State: updated.Output}); err != nil {
		t.Fatal(err)
	}
	if got := db.sql(`SELECT (SELECT count(*) FROM users) || ' ' || (SELECT count(*) FROM groups) || ' ' || (SELECT string_agg(name, ',') FROM domains)`); got != "0 0 default" {
		t.Errorf("after delete (users, groups, domains): %s", got)
	}
}

// TestFixtureAllOrNothing: a fixture that fails half way leaves the tables as they were.
func TestFixtureAllOrNothing(t *testing.T) {
	db := newPG(t, "26.8")
	ctx := context.Background()
	users := FixtureArgs{Connection: db.conn, BackendAIVersion: "26.8.1", Data: readFile(t, "../fixtures/example-users.json")}
	// The last table refers to a user the file does not have: the foreign key fails.
	users.Data = strings.Replace(users.Data, `"entity_id": "f38dea23-50fa-42a0-b5ae-338f5f4693f4"`, `"entity_id": "f38dea23"`, 1)
	users.Data = strings.Replace(users.Data, `{"group_id": "2de2b969-1d04-48a6-af16-0bc8adb3c831", "user_id": "dfa9da54-4b28-432f-be29-c0d680c7a412"}`,
		`{"group_id": "2de2b969-1d04-48a6-af16-0bc8adb3c831", "user_id": "00000000-0000-0000-0000-000000000000"}`, 1)
	_, err := (&Fixture{}).Create(ctx, infer.CreateRequest[FixtureArgs]{Name: "users", Inputs: users})
	if err == nil || !strings.Contains(err.Error(), "association_groups_users[2]: inserting") || !strings.Contains(err.Error(), "foreign key") {
		t.Errorf("got %v", err)
	}
	if got := db.sql(`SELECT (SELECT count(*) FROM domains) + (SELECT count(*) FROM users) + (SELECT count(*) FROM groups)`); got != "0" {
		t.Errorf("a failed fixture left %s rows", got)
	}
}

// TestFixtureVersions: 26.4 lacks scaling_groups.is_default; the shipped file, without it, works.
func TestFixtureVersions(t *testing.T) {
	db := newPG(t, "26.4")
	ctx := context.Background()
	data := readFile(t, "../fixtures/example-users.json")
	args := FixtureArgs{Connection: db.conn, BackendAIVersion: "26.4.10",
		Data: strings.Replace(data, `"driver": "static", `, `"is_default": true, "driver": "static", `, 1)}
	if _, err := (&Fixture{}).Create(ctx, infer.CreateRequest[FixtureArgs]{Name: "users", Inputs: args}); err == nil ||
		!strings.Contains(err.Error(), "scaling_groups[0].is_default: Backend.AI 26.4's scaling_groups has no such column") {
		t.Errorf("26.4 with is_default: %v", err)
	}
	args.Data = data
	if _, err := (&Fixture{}).Create(ctx, infer.CreateRequest[FixtureArgs]{Name: "users", Inputs: args}); err != nil {
		t.Fatal(err)
	}
	if got := db.sql(`SELECT count(*) FROM users`); got != "3" {
		t.Errorf("users on 26.4: %s", got)
	}
}

// TestFixtureConnectionRefused: a wrong password and an unreachable server fail
// clearly and in bounded time.
func TestFixtureConnectionRefused(t *testing.T) {
	db := newPG(t, "26.8")
	ctx := context.Background()
	wrong := "not-the-password"
	bad := db.conn
	bad.Password = &wrong
	args := FixtureArgs{Connection: bad, BackendAIVersion: "26.8.1", Data: `{"domains": [{"name": "d"}]}`}
	_, err := (&Fixture{}).Create(ctx, infer.CreateRequest[FixtureArgs]{Name: "x", Inputs: args})
	if err == nil || !strings.Contains(err.Error(), "connection.password: the server refused the password of user postgres") || strings.Contains(err.Error(), wrong) {
		t.Errorf("wrong password: %v", err)
	}
	port, timeout := 1, 2
	args.Connection = DBConnection{Host: "127.0.0.1", Port: &port, User: "postgres", Database: "backend", Timeout: &timeout}
	start := time.Now()
	_, err = (&Fixture{}).Create(ctx, infer.CreateRequest[FixtureArgs]{Name: "x", Inputs: args})
	if err == nil || !strings.Contains(err.Error(), "postgresql postgres@127.0.0.1:1/backend: not reachable within 2s") {
		t.Errorf("unreachable: %v", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("unreachable took %s", took)
	}
}

// TestFixtureYAMLKeypairs applies a YAML fixture whose rows use an enum, nested JSON,
// sizes written as strings, presets keyed by a NULL scaling group, and a registry;
// reading it back finds nothing to change.
func TestFixtureYAMLKeypairs(t *testing.T) {
	db := newPG(t, "26.8")
	ctx := context.Background()
	fx := &Fixture{}
	users := FixtureArgs{Connection: db.conn, BackendAIVersion: "26.8.1", Data: readFile(t, "../fixtures/example-users.json")}
	if _, err := fx.Create(ctx, infer.CreateRequest[FixtureArgs]{Name: "users", Inputs: users}); err != nil {
		t.Fatal(err)
	}
	keypairs := FixtureArgs{Connection: db.conn, BackendAIVersion: "26.8.1", Data: readFile(t, "../fixtures/example-keypairs.yaml")}
	created, err := fx.Create(ctx, infer.CreateRequest[FixtureArgs]{Name: "keypairs", Inputs: keypairs})
	if err != nil {
		t.Fatal(err)
	}
	if got := db.sql(`SELECT default_for_unspecified::text || ' ' || (allowed_vfolder_hosts->'local:volume1'->>0) FROM keypair_resource_policies`); got != "UNLIMITED create-vfolder" {
		t.Errorf("policy: %s", got)
	}
	if got := db.sql(`SELECT string_agg(name || ':' || coalesce(shared_memory::text, '-'), ',' ORDER BY name) FROM resource_presets WHERE scaling_group_name IS NULL`); got != "cpu01-small:-,cpu02-medium:1073741824" {
		t.Errorf("presets: %s", got)
	}
	if got := db.sql(`SELECT secret_key FROM keypairs WHERE access_key = 'AKIAIOSFODNN7EXAMPLE'`); got != "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" {
		t.Errorf("secret key: %s", got)
	}
	read, err := fx.Read(ctx, infer.ReadRequest[FixtureArgs, FixtureState]{ID: created.ID, Inputs: keypairs, State: created.Output})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := fx.Diff(ctx, infer.DiffRequest[FixtureArgs, FixtureState]{State: read.State, Inputs: keypairs}); d.HasChanges {
		t.Errorf("diff after reading untouched rows: %v", d.DetailedDiff)
	}
	// A secret changed by hand shows as changed outside the stack, without its value.
	db.sql(`UPDATE keypairs SET secret_key = 'changed-by-hand' WHERE access_key = 'AKIANABBDUSEREXAMPLE'`)
	read, _ = fx.Read(ctx, infer.ReadRequest[FixtureArgs, FixtureState]{ID: created.ID, Inputs: keypairs, State: created.Output})
	row := read.State.Rows["keypairs/access_key=AKIANABBDUSEREXAMPLE"]
	if !strings.Contains(row, "[secret, changed outside this stack]") || strings.Contains(row, "changed-by-hand") {
		t.Errorf("row after a hand change of its secret: %s", row)
	}
}

// TestFixtureUnknownDataAtPreview: a fixture whose data is made at apply (the
// superadmin's, from generated credentials) previews as a change, and applies only
// with its data.
func TestFixtureUnknownDataAtPreview(t *testing.T) {
	f := &Fixture{}
	args := FixtureArgs{BackendAIVersion: "26.9.6", Source: "superadmin", Connection: DBConnection{Host: "127.0.0.1", User: "postgres", Database: "backend"}}
	if _, err := f.Create(context.Background(), infer.CreateRequest[FixtureArgs]{Name: "superadmin", Inputs: args, DryRun: true}); err != nil {
		t.Errorf("the preview of a fixture with unknown data: %v", err)
	}
	diff, err := f.Diff(context.Background(), infer.DiffRequest[FixtureArgs, FixtureState]{Inputs: args, State: FixtureState{FixtureArgs: FixtureArgs{Data: `{"domains": []}`}}})
	if err != nil || !diff.HasChanges {
		t.Errorf("the diff to unknown data: %+v, %v; want a change", diff, err)
	}
	if _, err := f.Create(context.Background(), infer.CreateRequest[FixtureArgs]{Name: "superadmin", Inputs: args}); err == nil {
		t.Error("a fixture with no data was applied")
	}
}

// TestFixtureUpdateFile: an update file (the App Proxy's resource group) changes the
// row the fixtures made, inserts none, keeps its secret column masked in the state, and
// records that it created nothing (an empty list, which the engine hands back).
func TestFixtureUpdateFile(t *testing.T) {
	db := newPG(t, "26.8")
	ctx := context.Background()
	fx := &Fixture{}
	users := FixtureArgs{Connection: db.conn, BackendAIVersion: "26.8.1", Data: readFile(t, "../fixtures/example-users.json")}
	if _, err := fx.Create(ctx, infer.CreateRequest[FixtureArgs]{Name: "users", Inputs: users}); err != nil {
		t.Fatal(err)
	}
	update := FixtureArgs{Connection: db.conn, BackendAIVersion: "26.8.1", Data: `{"__mode": "update", "scaling_groups": [` +
		`{"name": "default", "wsproxy_addr": "http://10.0.0.5:10200", "wsproxy_api_token": "a-generated-token-0001"}]}`}
	created, err := fx.Create(ctx, infer.CreateRequest[FixtureArgs]{Name: "app-proxy", Inputs: update})
	if err != nil {
		t.Fatal(err)
	}
	if created.Output.Created == nil || len(created.Output.Created) != 0 {
		t.Errorf("an update file's created rows: %#v, want an empty list", created.Output.Created)
	}
	if got := db.sql(`SELECT wsproxy_addr || ' ' || wsproxy_api_token FROM scaling_groups WHERE name = 'default'`); got != "http://10.0.0.5:10200 a-generated-token-0001" {
		t.Errorf("the resource group after the update file: %s", got)
	}
	for id, row := range created.Output.Rows {
		if strings.Contains(row, "a-generated-token-0001") {
			t.Errorf("%s: the token in the state's rows: %s", id, row)
		}
	}
	read, err := fx.Read(ctx, infer.ReadRequest[FixtureArgs, FixtureState]{ID: created.ID, Inputs: update, State: created.Output})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := fx.Diff(ctx, infer.DiffRequest[FixtureArgs, FixtureState]{State: read.State, Inputs: update}); d.HasChanges {
		t.Errorf("diff after reading the updated row: %v", d.DetailedDiff)
	}
}
