package components

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/internal/fixtures"
	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// agentCluster is a management node and two agents: bai-a01 with the mock plugin
// (devices of them), bai-a02 with NVIDIA GPUs; images pulled by engine.
func agentCluster(t *testing.T, devices int, engine string) spec.Cluster {
	t.Helper()
	cfg := map[string]string{
		"nodes": fmt.Sprintf(`[{"name":"bai-m1","address":"10.20.30.10","roles":["manager","storage"]},
			{"name":"bai-a01","address":"10.20.30.20","roles":["agent"],"accelerators":[{"kind":"mock","devices":%d}]},
			{"name":"bai-a02","address":"10.20.30.22","roles":["agent"],"accelerators":[{"kind":"nvidia"}]}]`, devices),
		"version":            "26.8.1",
		"dbPassword":         "a-long-db-password",
		"storageProxySecret": "shared-secret",
		"storageProxyJWT":    "jwt-secret",
		"images":             fmt.Sprintf(`{"engine":%q,"pull":["cr.backend.ai/stable/python:3.13-ubuntu24.04-amd64"]}`, engine),
		"halfstack":          `{"engine":"script"}`,
		"sshPrivateKey":      loginKey,
	}
	c, err := spec.Load(func(k string) (string, bool) { v, ok := cfg[k]; return v, ok }, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func runCluster(t *testing.T, c spec.Cluster) *mocks {
	t.Helper()
	m := &mocks{}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		secret := func(s string) pulumi.StringInput { return pulumi.ToSecret(pulumi.String(s)).(pulumi.StringOutput) }
		_, err := NewCluster(ctx, "cluster", ClusterArgs{Spec: c, PrivateKey: secret(c.SSHPrivateKey),
			DBPassword: secret("a-long-db-password"), StorageProxySecret: secret("shared"), StorageProxyJWT: secret("jwt"),
			Superadmin: SuperadminArgs{Superadmin: c.Superadmin, GroupID: "2de2b969-1d04-48a6-af16-0bc8adb3c831"}})
		return err
	}, pulumi.WithMocks("p", "s", m))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (m *mocks) names(prefix string) []string {
	var out []string
	for _, r := range m.all {
		if strings.HasPrefix(r.name, prefix) {
			out = append(out, r.name)
		}
	}
	slices.Sort(out)
	return out
}

func (m *mocks) waitsFor(t *testing.T, name string, on ...string) {
	t.Helper()
	r := m.get(name)
	for _, o := range on {
		if !slices.ContainsFunc(r.deps, func(d string) bool { return strings.HasSuffix(d, "::"+o) }) {
			t.Errorf("%s does not wait for %s (deps %v)", name, o, r.deps)
		}
	}
}

func TestAgentNodeSteps(t *testing.T) {
	m := runCluster(t, agentCluster(t, 2, spec.EngineScript))
	common := []string{"agent-config", "agent-package", "agent-service", "directories", "images", "python", "rpc-keys"}
	for node, plugin := range map[string][]string{
		"bai-a01": {"accelerator-0-mock", "accelerator-0-mock-mock-devices", "accelerator-0-mock-package"},
		"bai-a02": {"accelerator-0-nvidia", "accelerator-0-nvidia-nvidia-toolkit", "accelerator-0-nvidia-package"},
	} {
		want := []string{node + "-agent"}
		for _, s := range slices.Concat(common, plugin) {
			want = append(want, node+"-agent-"+s)
		}
		slices.Sort(want)
		if got := m.names(node + "-agent"); !slices.Equal(got, want) {
			t.Errorf("%s's agent: %v, want %v", node, got, want)
		}
		a := node + "-agent-"
		m.waitsFor(t, a+"agent-package", a+"python")
		m.waitsFor(t, a+plugin[2], a+"agent-package")
		m.waitsFor(t, a+"agent-service", a+"agent-config", a+"rpc-keys", a+"directories", a+"images", a+plugin[2],
			"bai-m1-mgmt-manager-service", "bai-m1-mgmt-storage-proxy-service", "bai-m1-mgmt-webserver-service")
		env := m.get(a + "rpc-keys").inputs["environment"].ObjectValue()
		if got := env["MANAGER_PUBLIC_KEY"].StringValue(); got != mockPublicKey {
			t.Errorf("%s gets the manager's public key %q, want the keypair step's certificate", node, got)
		}
		cfg := m.get(a + "agent-config").inputs["environment"].ObjectValue()["CONFIG_TEXT"].StringValue()
		for _, want := range []string{"advertised-rpc-addr = {host = '" + map[string]string{"bai-a01": "10.20.30.20", "bai-a02": "10.20.30.22"}[node],
			"addr = {host = '10.20.30.10', port = 8120}", "initial-resource-group-name = 'default'", "kernel-uid = 1100"} {
			if !strings.Contains(cfg, want) {
				t.Errorf("%s's agent.toml lacks %q:\n%s", node, want, cfg)
			}
		}
	}
	for node, module := range map[string]string{"bai-a01": "ai.backend.accelerator.mock", "bai-a02": "ai.backend.accelerator.cuda_open"} {
		cfg := m.get(node + "-agent-agent-config").inputs["environment"].ObjectValue()["CONFIG_TEXT"].StringValue()
		if !strings.Contains(cfg, "allow-compute-plugins = ['"+module+"']") {
			t.Errorf("%s allows other plugins than %s:\n%s", node, module, cfg)
		}
	}
	// No accelerator where none is declared; nothing of an agent on the management node.
	if got := m.names("bai-m1-agent"); len(got) != 0 {
		t.Errorf("the management node has agent resources: %v", got)
	}
	if got := m.get("bai-a02-agent-accelerator-0-nvidia-nvidia-toolkit").inputs["environment"].ObjectValue()["NVIDIA_REPO"].StringValue(); got != DefaultNVIDIARepo {
		t.Errorf("the toolkit's repository: %q", got)
	}
}

// TestAgentChangeTouchesOnlyThatAgent: a change of one agent's accelerator changes that
// agent's plugin file and its service step (the restart), nothing of the other agent;
// the verification runs again.
func TestAgentChangeTouchesOnlyThatAgent(t *testing.T) {
	before := runCluster(t, agentCluster(t, 2, spec.EngineScript))
	after := runCluster(t, agentCluster(t, 4, spec.EngineScript))
	var changed []string
	for _, r := range after.all {
		if fmt.Sprint(before.get(r.name).inputs) != fmt.Sprint(r.inputs) {
			changed = append(changed, r.name)
		}
	}
	slices.Sort(changed)
	if want := []string{"bai-a01-agent-accelerator-0-mock-mock-devices", "bai-a01-agent-agent-service", "verification-checks"}; !slices.Equal(changed, want) {
		t.Errorf("the change of bai-a01's devices touches %v, want %v", changed, want)
	}
}

// TestAgentImagesAsDockerResources: with the docker engine each agent pulls each image
// through a provider of its own node's engine.
func TestAgentImagesAsDockerResources(t *testing.T) {
	m := runCluster(t, agentCluster(t, 2, spec.EngineDocker))
	for _, node := range []string{"bai-a01", "bai-a02"} {
		name := node + "-agent-image-cr.backend.ai-stable-python-3.13-ubuntu24.04-amd64"
		img := m.get(name)
		if img.typ != "docker:index/remoteImage:RemoteImage" {
			t.Fatalf("no image resource %s", name)
		}
		if !strings.Contains(img.provider, node+"-agent-docker") {
			t.Errorf("%s pulls through %s", name, img.provider)
		}
		host := m.get(node + "-agent-docker").inputs["host"].StringValue()
		if want := map[string]string{"bai-a01": "ssh://root@10.20.30.20:22", "bai-a02": "ssh://root@10.20.30.22:22"}[node]; host != want {
			t.Errorf("%s's docker provider: %s, want %s", node, host, want)
		}
		if _, ok := m.get(node + "-agent-images").inputs["script"]; ok {
			t.Errorf("%s pulls with a step too", node)
		}
		m.waitsFor(t, node+"-agent-agent-service", name)
	}
}

// TestSuperadminFixtureFitsEveryLine: the superadmin's rows fit each line's tables (26.9
// names the user's domain by id, which the fixture resolves from its name; its keypairs
// have no user_id).
func TestSuperadminFixtureFitsEveryLine(t *testing.T) {
	args := SuperadminArgs{Superadmin: spec.Superadmin{Email: "root@example.com", Username: "root", Domain: "default", ResourcePolicy: "default"},
		GroupID: "2de2b969-1d04-48a6-af16-0bc8adb3c831"}
	for _, line := range spec.SupportedLines {
		t.Run(line, func(t *testing.T) {
			f, err := fixtures.Parse("superadmin", superadminFixture(line, args, "AKIAAAAAAAAAAAAAAAAA", "secret-key", "password"), line)
			if err != nil {
				t.Fatal(err)
			}
			var order []string
			for _, tb := range f.Tables {
				order = append(order, tb.Name)
			}
			want := []string{"users", "association_groups_users", "association_scopes_entities", "keypairs"}
			if line == "26.9" { // its personal project; membership in the graph, by roles.sh
				want = []string{"users", "groups", "association_groups_users", "keypairs"}
			}
			if !slices.Equal(order, want) {
				t.Errorf("tables in the order %v, want %v (the later refer to the earlier)", order, want)
			}
			for _, tb := range f.Tables {
				if tb.Name == "users" && line == "26.9" && tb.Rows[0].Aliases["domain"] != "default" {
					t.Errorf("the user's domain is not resolved by its name: %+v", tb.Rows[0])
				}
			}
		})
	}
}
