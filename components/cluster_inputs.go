package components

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/internal/fixtures"
	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// CheckFixtures checks fixture files (each its name, where it came from, and its text
// as given) before any resource is registered: each parses and fits the release
// line's tables, no two have one name, and no two declare the same row (their
// resources would undo each other on every up). Messages name the file and the
// position, never a value. The domains and groups they declare get the cluster's
// vfolder hosts, the domains its registries (fixtures.Grant): the files returned carry
// them.
func CheckFixtures(line string, files []FixtureFile, grants fixtures.Grants) ([]FixtureFile, error) {
	out := make([]FixtureFile, 0, len(files))
	names := map[string]string{}
	rows := map[string]string{} // row id -> the file that declares it
	var errs []error
	for _, file := range files {
		source := file.Source
		if other, dup := names[file.Name]; dup {
			errs = append(errs, fmt.Errorf("%s: has the same name %q as %s; fixture files need distinct names", source, file.Name, other))
			continue
		}
		names[file.Name] = source
		f, err := fixtures.Parse(source, file.Data, line)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, t := range f.Tables {
			for _, r := range t.Rows {
				if other, dup := rows[r.ID]; dup {
					errs = append(errs, fmt.Errorf("%s: %s declares the row %s, which %s declares too; give each row one file", source, r.Path, r.ID, other))
					continue
				}
				rows[r.ID] = source
			}
		}
		granted, changed, err := fixtures.Grant(file.Data, grants)
		if err == nil && changed {
			_, err = fixtures.Parse(source, granted, line)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", source, err))
			continue
		}
		out = append(out, FixtureFile{Name: file.Name, Source: source, Data: granted})
	}
	return out, errors.Join(errs...)
}

// fixtureRows calls row for every row the fixture files insert (an update file inserts
// none), with the file it comes from.
func fixtureRows(files []FixtureFile, line string, row func(f FixtureFile, table string, r fixtures.Row)) {
	for _, f := range files {
		parsed, err := fixtures.Parse(f.Source, f.Data, line)
		if err != nil || parsed.Update {
			continue // checked by CheckFixtures; an update inserts no row
		}
		for _, t := range parsed.Tables {
			for _, r := range t.Rows {
				row(f, t.Name, r)
			}
		}
	}
}

// publishedCredentials refuses, row by row, the credentials Backend.AI publishes (its
// example keypairs and passwords) unless the stack is a throwaway test cluster.
func publishedCredentials(files []FixtureFile, line string) error {
	var errs []error
	for _, f := range files {
		parsed, err := fixtures.Parse(f.Source, f.Data, line)
		if err != nil {
			continue
		}
		for _, found := range fixtures.PublishedCredentials(parsed) {
			errs = append(errs, fmt.Errorf("%s: %s: whoever reaches the cluster could log in with it; give your own, "+
				"or say that this is a throwaway test cluster (testCluster: true)", f.Source, found))
		}
	}
	return errors.Join(errs...)
}

// superadminArgs places the superadmin in the rows the fixtures declare: its domain,
// the group it joins (by name in that domain, for the group's id) and its resource
// policy (users' and keypairs'); each that is missing is named. Its email must be its
// own.
func superadminArgs(c spec.Cluster, files []FixtureFile) (SuperadminArgs, error) {
	s := c.Superadmin
	args := SuperadminArgs{Superadmin: s}
	found := map[string]bool{}
	var taken string
	fixtureRows(files, c.Line(), func(f FixtureFile, table string, r fixtures.Row) {
		str := func(col string) string { v, _ := r.Values[col].(string); return v }
		switch {
		case table == "domains" && str("name") == s.Domain:
			found["domains"] = true
		case table == "groups" && str("name") == s.Group && str("domain_name") == s.Domain:
			args.GroupID = str("id")
		case (table == "user_resource_policies" || table == "keypair_resource_policies") && str("name") == s.ResourcePolicy:
			found[table] = true
		case table == "users" && (str("email") == s.Email || str("username") == s.Username):
			taken = f.Source
		}
	})
	var errs []error
	for _, need := range []struct{ table, what, field string }{
		{"domains", "the domain " + s.Domain, "superadmin.domain"},
		{"user_resource_policies", "the user resource policy " + s.ResourcePolicy, "superadmin.resourcePolicy"},
		{"keypair_resource_policies", "the keypair resource policy " + s.ResourcePolicy, "superadmin.resourcePolicy"},
	} {
		if !found[need.table] {
			errs = append(errs, fmt.Errorf("%s: no fixture declares %s (a %s row), which the superadmin belongs to; add it to a fixture file, or name one that is there", need.field, need.what, need.table))
		}
	}
	if args.GroupID == "" {
		errs = append(errs, fmt.Errorf("superadmin.group: no fixture declares the group %s of the domain %s (a groups row with its id), which the superadmin joins", s.Group, s.Domain))
	}
	if taken != "" {
		errs = append(errs, fmt.Errorf("superadmin.email: %s declares a user with the superadmin's email %s or user name %s; give the superadmin its own", taken, s.Email, s.Username))
	}
	return args, errors.Join(errs...)
}

// userKeypair is the keypair the verification works with a vfolder as: the first
// active keypair of a regular user the fixtures insert, or none.
func userKeypair(files []FixtureFile, line string) (access, secret string) {
	admins := map[string]bool{}
	fixtureRows(files, line, func(_ FixtureFile, table string, r fixtures.Row) {
		if table == "users" && r.Values["role"] != "user" {
			admins[fmt.Sprint(r.Values["email"])] = true
		}
	})
	fixtureRows(files, line, func(_ FixtureFile, table string, r fixtures.Row) {
		a, _ := r.Values["access_key"].(string)
		sk, _ := r.Values["secret_key"].(string)
		if table == "keypairs" && access == "" && r.Values["is_admin"] != true && r.Values["is_active"] != false &&
			a != "" && sk != "" && !admins[fmt.Sprint(r.Values["user_id"])] {
			access, secret = a, sk
		}
	})
	return access, secret
}

// resourcePresets is the fixture of the stack's resource presets: resourcePresets, or
// when the stack gives none and no fixture file declares any, Backend.AI's own
// (spec.DefaultResourcePresets). Nil when a fixture file declares them.
func resourcePresets(c spec.Cluster, files []FixtureFile) (*FixtureFile, error) {
	declared := ""
	fixtureRows(files, c.Line(), func(f FixtureFile, table string, _ fixtures.Row) {
		if table == "resource_presets" && declared == "" {
			declared = f.Source
		}
	})
	presets := c.ResourcePresets
	switch {
	case len(presets) > 0 && declared != "":
		return nil, fmt.Errorf("resourcePresets: %s declares resource presets too; give them in one place", declared)
	case declared != "":
		return nil, nil // the stack's own, from its files
	case len(presets) == 0:
		presets = c.DefaultResourcePresets()
	}
	rows := make([]map[string]any, len(presets))
	for i, p := range presets {
		rows[i] = map[string]any{"name": p.Name, "resource_slots": p.ResourceSlots}
		if p.SharedMemory != "" {
			rows[i]["shared_memory"] = p.SharedMemory
		}
	}
	data, err := json.Marshal(map[string]any{"resource_presets": rows})
	if err != nil {
		return nil, err
	}
	f := FixtureFile{Name: "resource-presets", Source: "resourcePresets", Data: string(data)}
	if _, err := fixtures.Parse(f.Source, f.Data, c.Line()); err != nil {
		return nil, err
	}
	return &f, nil
}

// ClusterSecrets are a cluster's secrets, each a secret or another resource's output.
type ClusterSecrets struct {
	// PrivateKey logs in to every node.
	PrivateKey pulumi.StringInput
	// DBPassword, StorageProxySecret and StorageProxyJWT are the services' secrets;
	// needed unless the cluster deploys the hosts only.
	DBPassword, StorageProxySecret, StorageProxyJWT pulumi.StringInput
	// SuperadminSecretKey (with the spec's superadmin.accessKey) and SuperadminPassword
	// are the superadmin's own login; nil: generated.
	SuperadminSecretKey, SuperadminPassword pulumi.StringInput
	// TLSKey is the private key of services.tls.certificate.
	TLSKey pulumi.StringInput
}

// NewClusterArgs are the arguments of the cluster c, with its checked fixture files
// (CheckFixtures) and its secrets: who logs in to the cluster is added, the superadmin
// (the stack's own login, or generated), the regular user the verification works as,
// and the resource presets. Backend.AI's published example credentials are refused
// unless the cluster is a test cluster. Every problem is returned, each naming its
// field or file.
func NewClusterArgs(c spec.Cluster, files []FixtureFile, s ClusterSecrets) (ClusterArgs, error) {
	args := ClusterArgs{Spec: c, PrivateKey: s.PrivateKey, DBPassword: s.DBPassword, StorageProxySecret: s.StorageProxySecret,
		StorageProxyJWT: s.StorageProxyJWT, TLSKey: s.TLSKey, Fixtures: files}
	if c.Deploy != spec.DeployAll {
		return args, nil
	}
	var errs []error
	if !c.TestCluster {
		errs = append(errs, publishedCredentials(files, c.Line()))
	}
	admin, err := superadminArgs(c, files)
	errs = append(errs, err)
	presets, err := resourcePresets(c, files)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return args, err
	}
	if c.Superadmin.AccessKey != "" {
		admin.AccessKey, admin.SecretKey = pulumi.ToSecret(pulumi.String(c.Superadmin.AccessKey)).(pulumi.StringOutput), s.SuperadminSecretKey
	}
	admin.Password = s.SuperadminPassword
	admin.Grants = fixtures.Grants{VFolderHosts: VFolderHosts(c), Registries: c.Services.ImageRegistries}
	args.Superadmin = admin
	if presets != nil {
		args.Fixtures = append(slices.Clip(args.Fixtures), *presets)
	}
	// The verification also works as a regular user of the fixtures, who has the roles
	// the roles step gives every user.
	if c.Verifies() {
		var userSecret string
		args.UserAccessKey, userSecret = userKeypair(args.Fixtures, c.Line())
		args.UserSecretKey = pulumi.ToSecret(pulumi.String(userSecret)).(pulumi.StringOutput)
	}
	return args, nil
}
