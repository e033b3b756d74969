package provider

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// kind is how a column's fixture values are checked, written and compared.
type kind int

const (
	kText      kind = iota
	kBool           // boolean
	kInt            // integer or bigint
	kUUID           // uuid
	kJSON           // json or jsonb (resource slots, vfolder host permissions, options)
	kTextArray      // varchar[]
	kPassword       // Backend.AI's PasswordColumn: plaintext in, PBKDF2 hash stored
	kSecret         // text that stays secret (keypair secret keys, registry passwords)
)

// column is one column a fixture may set.
type column struct {
	name   string
	kind   kind
	values []string // the allowed values of an enumeration
	since  string   // the first supported line that has it ("" for all)
}

// table is one of Backend.AI's tables that fixtures fill. key names the columns that
// identify a row: the primary key, or the unique columns where the primary key is a
// server-generated id the fixture files do not carry.
type table struct {
	name    string
	key     []string
	columns []column
	// nullKey is a key column a row may leave out, meaning NULL (a global preset).
	nullKey string
}

func (t table) column(name string) (column, bool) {
	i := slices.IndexFunc(t.columns, func(c column) bool { return c.name == name })
	if i < 0 {
		return column{}, false
	}
	return t.columns[i], true
}

func (t table) has(name, line string) bool {
	c, ok := t.column(name)
	return ok && (c.since == "" || slices.Index(lines, line) >= slices.Index(lines, c.since))
}

func text(n string) column              { return column{name: n, kind: kText} }
func boolean(n string) column           { return column{name: n, kind: kBool} }
func integer(n string) column           { return column{name: n, kind: kInt} }
func id(n string) column                { return column{name: n, kind: kUUID} }
func jsonb(n string) column             { return column{name: n, kind: kJSON} }
func enum(n string, v ...string) column { return column{name: n, kind: kText, values: v} }

// tables are the rows shapes of Backend.AI 26.4 and 26.8 (backendai-facts.md section 6,
// from src/ai/backend/manager/models/*/row.py): the columns fixtures set, and the keys.
var tables = map[string]table{
	"domains": {name: "domains", key: []string{"name"}, columns: []column{
		text("name"), id("id"), text("description"), boolean("is_active"), boolean("is_default"),
		jsonb("total_resource_slots"), jsonb("allowed_vfolder_hosts"),
		{name: "allowed_docker_registries", kind: kTextArray}, text("integration_id"),
	}},
	"user_resource_policies": {name: "user_resource_policies", key: []string{"name"}, columns: []column{
		text("name"), integer("max_vfolder_count"), integer("max_quota_scope_size"),
		integer("max_session_count_per_model_session"), integer("max_customized_image_count"),
		integer("max_concurrent_logins"),
	}},
	"project_resource_policies": {name: "project_resource_policies", key: []string{"name"}, columns: []column{
		text("name"), integer("max_vfolder_count"), integer("max_quota_scope_size"), integer("max_network_count"),
	}},
	"groups": {name: "groups", key: []string{"id"}, columns: []column{
		id("id"), text("name"), text("description"), boolean("is_active"), text("integration_id"),
		text("domain_name"), jsonb("total_resource_slots"), jsonb("allowed_vfolder_hosts"),
		text("resource_policy"), enum("type", "general", "model-store"), jsonb("container_registry"),
	}},
	"scaling_groups": {name: "scaling_groups", key: []string{"name"}, columns: []column{
		text("name"), text("description"), boolean("is_active"), boolean("is_public"),
		{name: "is_default", kind: kBool, since: "26.8"},
		text("wsproxy_addr"), {name: "wsproxy_api_token", kind: kSecret},
		text("driver"), jsonb("driver_opts"), text("scheduler"), jsonb("scheduler_opts"),
		boolean("use_host_network"),
	}},
	"sgroups_for_domains": {name: "sgroups_for_domains", key: []string{"scaling_group", "domain"}, columns: []column{
		text("scaling_group"), text("domain"),
	}},
	"sgroups_for_groups": {name: "sgroups_for_groups", key: []string{"scaling_group", "group"}, columns: []column{
		text("scaling_group"), id("group"),
	}},
	"sgroups_for_keypairs": {name: "sgroups_for_keypairs", key: []string{"scaling_group", "access_key"}, columns: []column{
		text("scaling_group"), text("access_key"),
	}},
	"users": {name: "users", key: []string{"uuid"}, columns: []column{
		id("uuid"), text("username"), text("email"), {name: "password", kind: kPassword},
		boolean("need_password_change"), text("full_name"), text("description"),
		enum("status", "active", "inactive", "deleted", "before-verification"), text("status_info"),
		text("domain_name"), enum("role", "superadmin", "admin", "user", "monitor"),
		text("resource_policy"), text("main_access_key"), text("integration_id"),
		boolean("sudo_session_enabled"), integer("container_uid"), integer("container_main_gid"),
	}},
	"association_groups_users": {name: "association_groups_users", key: []string{"user_id", "group_id"}, columns: []column{
		id("user_id"), id("group_id"),
	}},
	"association_scopes_entities": {name: "association_scopes_entities", key: []string{"scope_type", "scope_id", "entity_type", "entity_id"}, columns: []column{
		text("scope_type"), text("scope_id"), text("entity_type"), text("entity_id"), text("relation_type"),
	}},
	"keypair_resource_policies": {name: "keypair_resource_policies", key: []string{"name"}, columns: []column{
		text("name"), enum("default_for_unspecified", "LIMITED", "UNLIMITED"), jsonb("total_resource_slots"),
		integer("max_session_lifetime"), integer("max_concurrent_sessions"), integer("max_containers_per_session"),
		integer("idle_timeout"), jsonb("allowed_vfolder_hosts"), integer("max_pending_session_count"),
		jsonb("max_pending_session_resource_slots"), integer("max_concurrent_sftp_sessions"),
	}},
	"keypairs": {name: "keypairs", key: []string{"access_key"}, columns: []column{
		text("access_key"), {name: "secret_key", kind: kSecret}, text("user_id"), id("user"),
		boolean("is_active"), boolean("is_admin"), text("resource_policy"), integer("rate_limit"),
		integer("num_queries"), text("ssh_public_key"), {name: "ssh_private_key", kind: kSecret},
		text("bootstrap_script"),
	}},
	"resource_presets": {name: "resource_presets", key: []string{"name", "scaling_group_name"}, nullKey: "scaling_group_name", columns: []column{
		text("name"), jsonb("resource_slots"), integer("shared_memory"), text("scaling_group_name"),
	}},
	"container_registries": {name: "container_registries", key: []string{"id"}, columns: []column{
		id("id"), text("url"), text("registry_name"),
		enum("type", "docker", "harbor", "harbor2", "github", "gitlab", "ecr", "ecr-public", "local", "ocp"),
		text("project"), text("username"), {name: "password", kind: kSecret}, boolean("ssl_verify"),
		boolean("is_global"), jsonb("extra"),
	}},
}

// lines are the Backend.AI release lines whose row shapes are known.
var lines = []string{"26.4", "26.8"}

var versionLine = regexp.MustCompile(`^(\d{2}\.\d{1,2})(\.\d+.*)?$`)

// lineOf maps "26.8.1" (or "26.8") to its line, "26.8".
func lineOf(version string) (string, error) {
	m := versionLine.FindStringSubmatch(version)
	if m == nil || !slices.Contains(lines, m[1]) {
		return "", fmt.Errorf("backendaiVersion: %q is not a supported Backend.AI release (lines %s)", version, strings.Join(lines, ", "))
	}
	return m[1], nil
}

// quoteIdent quotes a table or column name for SQL; names come only from the tables above.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
