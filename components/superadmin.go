package components

import (
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/internal/fixtures"
	"github.com/backendai-infra/backendai-infra/internal/spec"
	"github.com/backendai-infra/backendai-infra/sdk/go/backendai"
)

// SuperadminArgs are the cluster's first superadmin: its user row's names, the rows of
// the stack's fixtures it belongs to, and its login. A nil SecretKey (with AccessKey)
// or Password is generated once per stack and kept.
type SuperadminArgs struct {
	spec.Superadmin
	// GroupID is the id of the project (groups row) it joins, from the fixtures.
	GroupID string
	// Grants are the cluster's volumes and registries, for its personal project.
	Grants fixtures.Grants
	// AccessKey, SecretKey and Password are the stack's own (secrets), or nil.
	AccessKey, SecretKey, Password pulumi.StringInput
}

// Superadmin is the superadmin's login; every field is a secret.
type Superadmin struct {
	Email                          string
	AccessKey, SecretKey, Password pulumi.StringOutput
}

// newSuperadmin generates what the stack does not give and returns the login and the
// fixture that inserts the user and its admin keypair. The fixture's shape is checked
// against the release line's tables now, before any host is touched.
func newSuperadmin(ctx *pulumi.Context, parent pulumi.Resource, line string, args SuperadminArgs) (Superadmin, FixtureFile, error) {
	file := FixtureFile{Name: "superadmin", Source: "superadmin"}
	if args.Email == "" || args.GroupID == "" {
		return Superadmin{}, file, fmt.Errorf("superadmin: its email and the id of the group it joins are required")
	}
	if _, err := fixtures.Parse(file.Source, superadminFixture(line, args, "AKIAPLACEHOLDER00000", "placeholder-secret", "placeholder"), line); err != nil {
		return Superadmin{}, file, fmt.Errorf("superadmin: %w", err)
	}
	s := Superadmin{Email: args.Email}
	if args.AccessKey == nil || args.Password == nil {
		// The provider's generated credentials; the access key is kept secret too.
		gen, err := backendai.NewCredentials(ctx, "superadmin-credentials", &backendai.CredentialsArgs{User: pulumi.String(args.Email)},
			pulumi.Parent(parent), pulumi.AdditionalSecretOutputs([]string{"accessKey", "secretKey", "password"}))
		if err != nil {
			return Superadmin{}, file, err
		}
		s.AccessKey, s.SecretKey, s.Password = gen.AccessKey, gen.SecretKey, gen.Password
	}
	if args.AccessKey != nil {
		s.AccessKey, s.SecretKey = args.AccessKey.ToStringOutput(), args.SecretKey.ToStringOutput()
	}
	if args.Password != nil {
		s.Password = args.Password.ToStringOutput()
	}
	s.AccessKey, s.SecretKey, s.Password = secretOf(s.AccessKey), secretOf(s.SecretKey), secretOf(s.Password)
	file.Generated = pulumi.All(s.AccessKey, s.SecretKey, s.Password).ApplyT(func(v []any) string {
		return superadminFixture(line, args, v[0].(string), v[1].(string), v[2].(string))
	}).(pulumi.StringOutput)
	return s, file, nil
}

func secretOf(o pulumi.StringOutput) pulumi.StringOutput {
	return pulumi.ToSecret(o).(pulumi.StringOutput)
}

// superadminFixture is the superadmin's user, its membership of the group and its admin
// keypair, in the shape of Backend.AI's example-users.json and example-keypairs.json.
// The columns differ by line: 26.9's users also name their domain by id (given here by
// the domain's name, which the fixture resolves), its keypairs no longer have user_id
// and have is_default; each is left out where the line lacks it.
func superadminFixture(line string, a SuperadminArgs, access, secret, password string) string {
	id := uuid.NewSHA1(uuid.NameSpaceURL, []byte("backendai-infra:superadmin:"+a.Email)).String()
	user := map[string]any{
		"uuid": id, "username": a.Username, "email": a.Email, "password": password,
		"need_password_change": false, "full_name": "Superadmin", "description": "The cluster's first superadmin",
		"status": "active", "status_info": "admin-requested", "domain_name": a.Domain, "domain": a.Domain,
		"resource_policy": a.ResourcePolicy, "role": "superadmin",
	}
	keypair := map[string]any{
		"user_id": a.Email, "access_key": access, "secret_key": secret, "is_active": true,
		"resource_policy": a.ResourcePolicy, "rate_limit": 30000, "num_queries": 0, "is_admin": true, "user": id,
		// 26.9 authenticates a request through the user's default keypair.
		"is_default": true,
	}
	var personal, scopes []map[string]any
	if cat, err := fixtures.LineCatalog(line); err == nil {
		shapes := cat.Shapes()
		// 26.4 and 26.8 check a user's membership of a project, for a session there, in
		// association_scopes_entities (Backend.AI's own example users carry the row).
		if _, has := shapes["association_scopes_entities"]; has {
			scopes = []map[string]any{{"scope_type": "project", "scope_id": a.GroupID, "entity_type": "user", "entity_id": id, "relation_type": "auto"}}
		}
		// 26.9 keeps a user's own vfolders in the user's personal project, which Backend.AI
		// makes with the user (its example users each have one); its creator is its member.
		if _, has := shapes["groups"].Column("creator_id"); has {
			personal = []map[string]any{{
				"id":   uuid.NewSHA1(uuid.NameSpaceURL, []byte("backendai-infra:superadmin-project:"+a.Email)).String(),
				"name": a.Username, "description": "Personal Project", "is_active": true, "domain_name": a.Domain,
				"resource_policy": a.ResourcePolicy, "total_resource_slots": map[string]any{}, "allowed_vfolder_hosts": map[string]any{},
				"type": "personal", "creator_id": id,
			}}
		}
		for table, row := range map[string]map[string]any{"users": user, "keypairs": keypair} {
			for col := range row {
				_, isColumn := shapes[table].Column(col)
				_, isAlias := shapes[table].Reference(col)
				if !isColumn && !isAlias {
					delete(row, col)
				}
			}
		}
	}
	// In the order the rows refer to each other: a struct keeps it, a map would not.
	out, _ := json.Marshal(struct {
		Users    []map[string]any `json:"users"`
		Personal []map[string]any `json:"groups,omitempty"`
		Groups   []map[string]any `json:"association_groups_users"`
		Scopes   []map[string]any `json:"association_scopes_entities,omitempty"`
		Keypairs []map[string]any `json:"keypairs"`
	}{[]map[string]any{user}, personal, []map[string]any{{"group_id": a.GroupID, "user_id": id}}, scopes, []map[string]any{keypair}})
	// The personal project may use the cluster's volumes, as the fixtures' projects do.
	granted, _, err := fixtures.Grant(string(out), a.Grants)
	if err != nil {
		return string(out)
	}
	return granted
}
