// Command stacks is the Pulumi program: it reads the stack's configuration and builds
// the cluster it describes.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/backendai-infra/backendai-infra/components"
	"github.com/backendai-infra/backendai-infra/internal/fixtures"
	"github.com/backendai-infra/backendai-infra/internal/spec"
)

func main() { pulumi.Run(Program) }

// Program builds the stack. Bad configuration stops it before any resource exists.
func Program(ctx *pulumi.Context) error {
	cfg := config.New(ctx, spec.Namespace)
	set, err := configKeys()
	if err != nil {
		return err
	}
	if err := plaintextSecrets(ctx); err != nil {
		return err
	}
	cluster, err := spec.Load(func(key string) (string, bool) {
		v, err := cfg.Try(key)
		return v, err == nil
	}, set)
	if err != nil {
		return err
	}
	files, err := readFixtures(ctx.RootDirectory(), cluster.Line(), cluster.Fixtures,
		fixtures.Grants{VFolderHosts: components.VFolderHosts(cluster), Registries: cluster.Services.ImageRegistries})
	if err != nil {
		return err
	}
	secret := func(s string) pulumi.StringInput { return pulumi.ToSecret(pulumi.String(s)).(pulumi.StringOutput) }
	args := components.ClusterArgs{
		Spec: cluster, PrivateKey: secret(cluster.SSHPrivateKey),
		DBPassword: secret(cluster.Halfstack.DBPassword), StorageProxySecret: secret(cluster.Secrets.StorageProxySecret),
		StorageProxyJWT: secret(cluster.Secrets.StorageProxyJWT), Fixtures: files,
	}
	if cluster.Deploy == spec.DeployAll {
		if args, err = accounts(cluster, args); err != nil {
			return err
		}
	}
	c, err := components.NewCluster(ctx, "cluster", args)
	if err != nil {
		return fmt.Errorf("building the cluster: %w", err)
	}
	for _, node := range cluster.Nodes {
		h := c.Hosts[node.Name]
		ctx.Export(node.Name, pulumi.Map{
			"address": pulumi.String(node.Address),
			"roles":   pulumi.ToStringArray(rolesOf(node)),
			"facts":   h.Facts,
			"docker":  h.Docker,
		})
	}
	if m := c.Management; m != nil {
		st := m.Settings
		ctx.Export("endpoints", pulumi.StringMap{
			"webserver": pulumi.String(st.WebserverAddr().HTTP()),
			"manager":   pulumi.String(st.Manager.HTTP()),
		})
		// What the deployed services answered (the management node's verify step).
		ctx.Export("services", m.Services.ApplyT(jsonOutput))
		// What agent pools of other stacks join the cluster with (AgentPool).
		ref, err := components.NewClusterRef(cluster)
		if err != nil {
			return err
		}
		ctx.Export(components.ClusterRefOutput, ref.Export(m.PublicKey))
	}
	if a := c.Superadmin; a.Email != "" {
		// The superadmin's login, secret in the state and in `stack output`.
		ctx.Export("superadmin", pulumi.ToSecret(pulumi.Map{
			"email": pulumi.String(a.Email), "accessKey": a.AccessKey, "secretKey": a.SecretKey, "password": a.Password,
		}))
	}
	if v := c.Verification; v != nil {
		// What the verification checked, when, and how long each check took.
		ctx.Export("verification", v.Result.ApplyT(jsonOutput))
	}
	return nil
}

// accounts adds who logs in to the cluster: the superadmin (the stack's own login, or
// generated), the regular user the verification works as, and the resource presets.
// Backend.AI's published example credentials are refused unless the stack is a test
// cluster. Every problem is named before anything is registered.
func accounts(c spec.Cluster, args components.ClusterArgs) (components.ClusterArgs, error) {
	var errs []error
	if !c.TestCluster {
		errs = append(errs, publishedCredentials(args.Fixtures, c.Line()))
	}
	admin, err := superadminArgs(c, args.Fixtures)
	errs = append(errs, err)
	presets, err := resourcePresets(c, args.Fixtures)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		var lines []string
		for _, e := range errs {
			if e != nil {
				lines = append(lines, strings.Split(e.Error(), "\n")...)
			}
		}
		return args, fmt.Errorf("invalid stack configuration (%d problem(s)):\n  %s", len(lines), strings.Join(lines, "\n  "))
	}
	secret := func(s string) pulumi.StringInput { return pulumi.ToSecret(pulumi.String(s)).(pulumi.StringOutput) }
	if c.Superadmin.AccessKey != "" {
		admin.AccessKey, admin.SecretKey = secret(c.Superadmin.AccessKey), secret(c.Superadmin.SecretKey)
	}
	if c.Superadmin.Password != "" {
		admin.Password = secret(c.Superadmin.Password)
	}
	admin.Grants = fixtures.Grants{VFolderHosts: components.VFolderHosts(c), Registries: c.Services.ImageRegistries}
	args.Superadmin = admin
	if presets != nil {
		args.Fixtures = append(slices.Clip(args.Fixtures), *presets)
	}
	// The verification also works as a regular user of the fixtures, who has the roles
	// the roles step gives every user.
	if c.Verifies() {
		var userSecret string
		args.UserAccessKey, userSecret = userKeypair(args.Fixtures, c.Line())
		args.UserSecretKey = secret(userSecret)
	}
	return args, nil
}

// jsonOutput is a step's JSON answer as a structured output.
func jsonOutput(out string) (any, error) {
	var v any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		return out, nil // a preview has no answer yet
	}
	return v, nil
}

// secretConfig keys must be set with --secret. Pulumi.yaml cannot say so for the services'
// secrets: it gives them a default (a stack that deploys the hosts only has none), and
// the engine refuses a default for a key typed secret.
var secretConfig = []string{"sshPrivateKey", "dbPassword", "storageProxySecret", "storageProxyJWT", "superadminSecretKey", "superadminPassword"}

// plaintextSecrets refuses a secret key whose value the stack holds in plaintext.
func plaintextSecrets(ctx *pulumi.Context) error {
	var errs []string
	for _, k := range secretConfig {
		full := spec.Namespace + ":" + k
		if v, ok := ctx.GetConfig(full); ok && v != "" && !ctx.IsConfigSecret(full) {
			errs = append(errs, fmt.Sprintf("  %s: is stored in plaintext; set it with `pulumi config set --secret %s`", k, k))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid stack configuration (%d problem(s)):\n%s", len(errs), strings.Join(errs, "\n"))
	}
	return nil
}

// configKeys are the keys the stack sets, as the engine hands them to the program
// (the PULUMI_CONFIG environment variable, a JSON object by "namespace:key").
func configKeys() ([]string, error) {
	raw := os.Getenv(pulumi.EnvConfig)
	if raw == "" {
		return nil, nil
	}
	var all map[string]any
	if err := json.Unmarshal([]byte(raw), &all); err != nil {
		return nil, fmt.Errorf("reading the stack's config keys from %s: %w", pulumi.EnvConfig, err)
	}
	return slices.Collect(maps.Keys(all)), nil
}

func rolesOf(n spec.Node) []string {
	out := make([]string, len(n.Roles))
	for i, r := range n.Roles {
		out[i] = string(r)
	}
	return out
}
