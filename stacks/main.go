// Command stacks is the Pulumi program: it reads the stack's configuration and builds
// the cluster it describes.
package main

import (
	"encoding/json"
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
	args, err := components.NewClusterArgs(cluster, files, secrets(cluster))
	if err != nil {
		return configProblems(err)
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
	if p := c.PlaneCheck; p != nil {
		// A management plane of several nodes, as its check found it: etcd's members,
		// Valkey's master and replicas, PostgreSQL's leader and streaming replicas, the
		// managers answering.
		ctx.Export("plane", p.Stdout.ApplyT(jsonOutput))
	}
	if v := c.Verification; v != nil {
		// What the verification checked, when, and how long each check took.
		ctx.Export("verification", v.Result.ApplyT(jsonOutput))
	}
	return nil
}

// secrets are the stack's secret config values as secrets; the superadmin's own
// login only when the stack gives it.
func secrets(c spec.Cluster) components.ClusterSecrets {
	secret := func(s string) pulumi.StringInput { return pulumi.ToSecret(pulumi.String(s)).(pulumi.StringOutput) }
	s := components.ClusterSecrets{PrivateKey: secret(c.SSHPrivateKey), DBPassword: secret(c.Halfstack.DBPassword),
		StorageProxySecret: secret(c.Secrets.StorageProxySecret), StorageProxyJWT: secret(c.Secrets.StorageProxyJWT)}
	if c.Superadmin.SecretKey != "" {
		s.SuperadminSecretKey = secret(c.Superadmin.SecretKey)
	}
	if c.Secrets.TLSKey != "" {
		s.TLSKey = secret(c.Secrets.TLSKey)
	}
	if c.Superadmin.Password != "" {
		s.SuperadminPassword = secret(c.Superadmin.Password)
	}
	return s
}

// configProblems lists every problem of err (errors joined), one per line.
func configProblems(err error) error {
	var lines []string
	for _, line := range strings.Split(err.Error(), "\n") {
		if line != "" {
			lines = append(lines, line)
		}
	}
	return fmt.Errorf("invalid stack configuration (%d problem(s)):\n  %s", len(lines), strings.Join(lines, "\n  "))
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
