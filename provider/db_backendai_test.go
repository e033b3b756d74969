//go:build integration

package provider

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-go-provider/infer"

	"github.com/backendai-infra/backendai-infra/internal/fixtures"
	"github.com/backendai-infra/backendai-infra/tests/catalog"
)

// installOrder is the order Backend.AI's installer loads its fixture files in (rows
// refer to rows of files before); files it does not name follow, by name.
var installOrder = []string{"example-users.json", "example-container-registries-harbor.json", "example-keypairs.json",
	"example-resource-slot-types.json", "example-resource-presets.json", "example-runtime-variants.json",
	"example-runtime-variant-presets.json", "example-role-presets.json", "example-prometheus-query-preset-categories.json",
	"example-prometheus-query-presets.json", "example-retention-policies.json"}

// TestBackendAIFixtures applies Backend.AI's own fixture files of each supported line's
// release, unchanged, to that release's real schema (made by its own `schema oneshot`,
// tests/catalog): each applies, a second apply changes nothing, and a read finds the
// rows as they are, then notices a row changed by hand.
func TestBackendAIFixtures(t *testing.T) {
	for _, line := range fixtures.Lines {
		version := fixtures.Releases[line]
		t.Run(version, func(t *testing.T) {
			files, err := catalog.Fixtures(version)
			if err != nil {
				t.Fatal(err)
			}
			db := newPG(t, line)
			ctx := context.Background()
			fx := &Fixture{}
			names := slices.Sorted(func(yield func(string) bool) {
				for n := range files {
					if !yield(n) {
						return
					}
				}
			})
			slices.SortStableFunc(names, func(a, b string) int { return rank(a) - rank(b) })
			applied := 0
			for _, name := range names {
				var top any
				if err := json.Unmarshal([]byte(files[name]), &top); err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				if _, ok := top.(map[string]any); !ok {
					t.Logf("%s: not a fixture of tables (Backend.AI loads it otherwise); left out", name)
					continue
				}
				args := FixtureArgs{Connection: db.conn, BackendAIVersion: version, Source: name, Data: files[name]}
				created, err := fx.Create(ctx, infer.CreateRequest[FixtureArgs]{Name: name, Inputs: args})
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				applied++
				read, err := fx.Read(ctx, infer.ReadRequest[FixtureArgs, FixtureState]{ID: created.ID, Inputs: args, State: created.Output})
				if err != nil {
					t.Fatalf("%s: read: %v", name, err)
				}
				if d, _ := fx.Diff(ctx, infer.DiffRequest[FixtureArgs, FixtureState]{State: read.State, Inputs: args}); d.HasChanges {
					t.Errorf("%s: not converged after one apply: %v", name, d.DetailedDiff)
				}
				t.Logf("%s: %d rows", name, len(created.Output.Rows))
			}
			if applied < 5 {
				t.Errorf("only %d of Backend.AI %s's fixture files applied", applied, version)
			}
			// The admin can log in with the example password, hashed as Backend.AI does.
			if hash := db.sql(`SELECT password FROM users WHERE email = 'admin@lablup.com'`); !passwordMatches("wJalrXUt", hash) {
				t.Errorf("the admin's password hash: %s", hash)
			}
			// A second apply of the users' file writes nothing; a hand change is read back.
			args := FixtureArgs{Connection: db.conn, BackendAIVersion: version, Source: "example-users.json", Data: files["example-users.json"]}
			state, err := fx.Create(ctx, infer.CreateRequest[FixtureArgs]{Name: "again", Inputs: args})
			if err != nil || len(state.Output.Created) != 0 {
				t.Fatalf("a second apply: created %v, %v", state.Output.Created, err)
			}
			db.sql(`UPDATE users SET full_name = 'Changed By Hand' WHERE email = 'user@lablup.com'`)
			read, err := fx.Read(ctx, infer.ReadRequest[FixtureArgs, FixtureState]{ID: state.ID, Inputs: args, State: state.Output})
			if err != nil {
				t.Fatal(err)
			}
			d, _ := fx.Diff(ctx, infer.DiffRequest[FixtureArgs, FixtureState]{State: read.State, Inputs: args})
			if len(d.DetailedDiff) != 1 || !strings.Contains(strings.Join(keys(d.DetailedDiff), " "), "users/uuid=dfa9da54-4b28-432f-be29-c0d680c7a412") {
				t.Errorf("a hand change: diff %v", d.DetailedDiff)
			}
		})
	}
}

// TestFixtureKeepsMigratedIDs applies Backend.AI 26.9's own example users to a
// database whose default domain and resource group have other ids than the file gives
// them, as a database migrated from 26.4 has (its rows got ids of their own). Rows refer
// to those ids (sessions to the domain), so they stay; the file's rows that name them
// (users, the domain's resource group, its virtual entity) get the database's, and the
// fixture reads back converged.
func TestFixtureKeepsMigratedIDs(t *testing.T) {
	const version, domainID, groupID = "26.9.6", "b9e676dc-e23e-54c6-b350-e83fba4127e9", "4d1e9b32-90c7-5b32-8f0e-6f470b8ed24a"
	files, err := catalog.Fixtures(version)
	if err != nil {
		t.Fatal(err)
	}
	data := files["example-users.json"]
	if !strings.Contains(data, domainID) || !strings.Contains(data, groupID) {
		t.Fatalf("Backend.AI %s's example users no longer give the default domain %s and resource group %s", version, domainID, groupID)
	}
	db := newPG(t, "26.9")
	ctx := context.Background()
	fx := &Fixture{}
	const migratedDomain, migratedGroup = "11111111-2222-4333-8444-555555555555", "66666666-7777-4888-9999-aaaaaaaaaaaa"
	before := strings.NewReplacer(domainID, migratedDomain, groupID, migratedGroup).Replace(data)
	if _, err := fx.Create(ctx, infer.CreateRequest[FixtureArgs]{Name: "migrated", Inputs: FixtureArgs{Connection: db.conn, BackendAIVersion: version, Data: before}}); err != nil {
		t.Fatal(err)
	}

	args := FixtureArgs{Connection: db.conn, BackendAIVersion: version, Source: "example-users.json", Data: data}
	created, err := fx.Create(ctx, infer.CreateRequest[FixtureArgs]{Name: "users", Inputs: args})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ query, want string }{
		{`SELECT id FROM domains WHERE name = 'default'`, migratedDomain},
		{`SELECT DISTINCT domain_id FROM users`, migratedDomain},
		{`SELECT id FROM scaling_groups WHERE name = 'default'`, migratedGroup},
		{`SELECT resource_group_id || ' ' || domain_id FROM sgroups_for_domains`, migratedGroup + " " + migratedDomain},
		{`SELECT count(*) FROM virtual_entities WHERE entity_type = 'domain'`, "1"},
	} {
		if got := db.sql(c.query); got != c.want {
			t.Errorf("%s: %q, want %q", c.query, got, c.want)
		}
	}
	read, err := fx.Read(ctx, infer.ReadRequest[FixtureArgs, FixtureState]{ID: created.ID, Inputs: args, State: created.Output})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := fx.Diff(ctx, infer.DiffRequest[FixtureArgs, FixtureState]{State: read.State, Inputs: args}); d.HasChanges {
		t.Errorf("not converged: %v", d.DetailedDiff)
	}
	if len(created.Output.Created) != 0 {
		t.Errorf("inserted rows the database had under other ids: %v", created.Output.Created)
	}
}

func rank(name string) int {
	if i := slices.Index(installOrder, name); i >= 0 {
		return i
	}
	return len(installOrder)
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
