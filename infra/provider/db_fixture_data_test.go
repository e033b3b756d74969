package provider

import (
	"os"
	"strings"
	"testing"
)

func TestParseFixtureFiles(t *testing.T) {
	for _, tt := range []struct {
		file  string
		rows  int
		first string
	}{
		{"../../fixtures/example-users.json", 14, "domains"},
		{"../../fixtures/example-keypairs.yaml", 6, "keypair_resource_policies"},
	} {
		data, err := os.ReadFile(tt.file)
		if err != nil {
			t.Fatal(err)
		}
		fx, err := parseFixture(string(data), "26.8")
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		n := 0
		for _, tb := range fx.tables {
			n += len(tb.rows)
		}
		if n != tt.rows || fx.tables[0].name != tt.first {
			t.Errorf("%s: %d rows, first table %s", tt.file, n, fx.tables[0].name)
		}
	}
	// The file's table order is kept: it is the order of the foreign keys.
	data, _ := os.ReadFile("../../fixtures/example-users.json")
	fx, _ := parseFixture(string(data), "26.8")
	var order []string
	for _, tb := range fx.tables {
		order = append(order, tb.name)
	}
	if got := strings.Join(order, " "); got != "domains user_resource_policies project_resource_policies groups scaling_groups sgroups_for_domains users association_groups_users association_scopes_entities" {
		t.Errorf("order: %s", got)
	}
}

func TestParseFixtureRefused(t *testing.T) {
	tests := []struct {
		name, data, line, want string
	}{
		{"not JSON or YAML", `{"users": [`, "26.8", "data: not JSON or YAML"},
		{"not an object", `[1, 2]`, "26.8", "data: a fixture is an object of tables"},
		{"unknown table", `{"userz": []}`, "26.8", "data.userz: unknown table"},
		{"rows not a list", `{"users": {"uuid": "x"}}`, "26.8", "data.users: a list of rows"},
		{"unknown column", `{"domains": [{"name": "d", "colour": "red"}]}`, "26.8", "domains[0].colour: no such column in domains"},
		{"column of a later release", `{"scaling_groups": [{"name": "g", "is_default": true}]}`, "26.4", "scaling_groups[0].is_default: Backend.AI 26.4 has no such column (it comes with 26.8)"},
		{"row without its key", `{"users": [{"email": "a@b.c"}]}`, "26.8", "users[0]: the row has no uuid, which identifies users rows"},
		{"association without its key", `{"sgroups_for_domains": [{"domain": "default"}]}`, "26.8", "sgroups_for_domains[0]: the row has no scaling_group"},
		{"bad UUID", `{"groups": [{"id": "not-a-uuid", "name": "g"}]}`, "26.8", "groups[0].id: not-a-uuid is not a UUID"},
		{"bad boolean", `{"domains": [{"name": "d", "is_active": "yes"}]}`, "26.8", "domains[0].is_active: yes is not true or false"},
		{"bad integer", `{"keypair_resource_policies": [{"name": "p", "idle_timeout": 1.5}]}`, "26.8", "keypair_resource_policies[0].idle_timeout: 1.5 is not an integer"},
		{"bad enum", `{"users": [{"uuid": "f38dea23-50fa-42a0-b5ae-338f5f4693f4", "role": "root"}]}`, "26.8", `users[0].role: "root" is not one of superadmin, admin, user, monitor`},
		{"bad list", `{"domains": [{"name": "d", "allowed_docker_registries": "cr.backend.ai"}]}`, "26.8", "domains[0].allowed_docker_registries: cr.backend.ai is not a list of strings"},
		{"duplicate row", `{"domains": [{"name": "d"}, {"name": "d"}]}`, "26.8", "domains[1]: a second row for domains/name=d"},
		{"table twice", "domains: [{name: d}]\ndomains: [{name: e}]", "26.8", "data.domains: the table appears twice"},
		{"unknown mode", `{"__mode": "upsert", "domains": []}`, "26.8", `data.__mode: "upsert" is neither`},
		{"unknown reserved key", `{"__comment": "x"}`, "26.8", "data.__comment: unknown reserved key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseFixture(tt.data, tt.line)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestFixtureVersionRefused(t *testing.T) {
	for _, v := range []string{"25.15.0", "26.6.0", "26", "latest", ""} {
		if _, err := lineOf(v); err == nil || !strings.HasPrefix(err.Error(), "backendaiVersion: ") {
			t.Errorf("%q: %v", v, err)
		}
	}
	for v, want := range map[string]string{"26.4.10": "26.4", "26.8.1": "26.8", "26.8": "26.8", "26.8.0rc1": "26.8"} {
		if got, err := lineOf(v); got != want || err != nil {
			t.Errorf("%q: %s %v", v, got, err)
		}
	}
}

func TestPasswordHashLikeBackendAI(t *testing.T) {
	h, err := hashPassword("wJalrXUt")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(h, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2_sha256" || parts[1] != "600000" || len(parts[2]) != 64 || len(parts[3]) != 64 {
		t.Errorf("hash format: %s", h)
	}
	if !passwordMatches("wJalrXUt", h) || passwordMatches("wJalrXUT", h) || passwordMatches("wJalrXUt", "$2b$12$bcrypt") {
		t.Error("verification")
	}
	// A stored hash from elsewhere verifies: RFC 7914's PBKDF2-HMAC-SHA256 vector
	// (P "passwd", S "salt", c 1), in Backend.AI's format.
	if !passwordMatches("passwd", "pbkdf2_sha256$1$73616c74$55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc") {
		t.Error("the RFC 7914 vector does not verify")
	}
}
