package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

	"github.com/backendai-infra/backendai-infra/components"
	"github.com/backendai-infra/backendai-infra/internal/spec"
	"github.com/backendai-infra/backendai-infra/tests/sshkey"
)

// registered is one resource the program registered with the mock engine.
type registered struct {
	typ, name, parent string
	deps              []string
	inputs            resource.PropertyMap
}

type recorder struct {
	mu  sync.Mutex
	all []registered
}

func (r *recorder) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	reg := registered{typ: args.TypeToken, name: args.Name, inputs: args.Inputs}
	if rpc := args.RegisterRPC; rpc != nil {
		reg.parent, reg.deps = rpc.GetParent(), rpc.GetDependencies()
	}
	r.all = append(r.all, reg)
	outputs := args.Inputs.Copy()
	if args.TypeToken == scriptType {
		outputs["stdout"] = resource.NewStringProperty("mock: " + args.Name)
	}
	return args.Name + "-id", outputs, nil
}

func (r *recorder) Call(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

func (r *recorder) byName(name string) (registered, bool) {
	for _, reg := range r.all {
		if reg.name == name {
			return reg, true
		}
	}
	return registered{}, false
}

func (r *recorder) ofType(typ string) []registered {
	var out []registered
	for _, reg := range r.all {
		if reg.typ == typ {
			out = append(out, reg)
		}
	}
	return out
}

// stackConfig reads a Pulumi.<stack>.yaml the way the engine hands it to the program:
// objects and lists as JSON. The login key, a secret the files do not hold, is added.
func stackConfig(t *testing.T, stack string) map[string]string {
	t.Helper()
	return stackFileConfig(t, "../Pulumi."+stack+".yaml")
}

// stackFileConfig reads a stack file as the engine hands it to the program, with the
// secrets added.
func stackFileConfig(t *testing.T, path string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	cfg := map[string]string{}
	for k, v := range file.Config {
		if s, ok := v.(string); ok {
			cfg[k] = s
			continue
		}
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		cfg[k] = string(j)
	}
	cfg[spec.Namespace+":sshPrivateKey"], _ = sshkey.New(t)
	for _, k := range []string{"dbPassword", "storageProxySecret", "storageProxyJWT"} {
		cfg[spec.Namespace+":"+k] = "test-" + k + "-value"
	}
	return cfg
}

var secretKeys = []string{spec.Namespace + ":sshPrivateKey", spec.Namespace + ":dbPassword",
	spec.Namespace + ":storageProxySecret", spec.Namespace + ":storageProxyJWT"}

func run(t *testing.T, stack string, cfg map[string]string) (*recorder, error) {
	t.Helper()
	rec := &recorder{}
	// The engine lists the stack's keys in this variable; the program refuses unknown ones.
	all, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(pulumi.EnvConfig, string(all))
	withConfig := func(ri *pulumi.RunInfo) {
		ri.Config = cfg
		ri.ConfigSecretKeys = secretKeys
		ri.RootDirectory = ".."
	}
	err = pulumi.RunErr(Program, pulumi.WithMocks("backendai-cluster", stack, rec), withConfig)
	return rec, err
}

// scriptType is the provider's remote step.
const scriptType = "backendai:remote:Script"

var hostSteps = []string{"facts", "account", "hosts", "limits", "sysctl", "docker", "docker-daemon"}

// agentSteps are an agent's steps on its host.
var agentSteps = []string{"python", "agent-package", "rpc-keys", "directories", "agent-config", "agent-service"}

// verificationSteps are the verification's steps on the management node.
var verificationSteps = []string{"client-package", "checks"}

// managementSteps are the management node's steps on its host (the halfstack is Docker
// resources by default).
var managementSteps = []string{"schema-preflight", "python", "manager-package", "manager-config", "manager-alembic",
	"storage-proxy-package", "storage-proxy-config", "webserver-package", "webserver-config",
	"graphql-gateway-packages", "graphql-gateway", "rpc-keypair", "schema", "volumes", "manager-service", "storage-proxy-service", "webserver-service", "graphql-gateway-service",
	"roles", "image-rescan", "verify",
	// The App Proxy's.
	"app-proxy-db", "app-proxy-coordinator-package", "app-proxy-coordinator-config", "app-proxy-coordinator-alembic",
	"app-proxy-schema", "app-proxy-coordinator-service", "app-proxy-worker-package", "app-proxy-worker-config", "app-proxy-worker-service"}

func TestStackGraphs(t *testing.T) {
	tests := []struct {
		stack    string
		nodes    []string
		users    []string
		fixtures []string
		agents   []string
		// extra are the steps beyond hosts, management node and agents: the GPU agents'
		// toolkit and plugin; none for a node without Docker.
		extra int
	}{
		// dev's example keypairs file has resource presets: Backend.AI's defaults are left out.
		{"dev", []string{"bai-dev"}, []string{"root"}, []string{"example-users", "example-keypairs", "superadmin", "app-proxy"}, []string{"bai-dev"}, 0},
		{"prod", []string{"bai-m1", "bai-a01", "bai-a02", "bai-s1"}, []string{"ubuntu", "ubuntu", "ubuntu", "ubuntu"}, []string{"cluster", "resource-presets", "superadmin", "app-proxy"},
			// The NFS server on bai-s1, the mounts on bai-m1, bai-a01 and bai-a02.
			[]string{"bai-a01", "bai-a02"}, 2*2 - 2 + 1 + 3},
	}
	for _, tt := range tests {
		t.Run(tt.stack, func(t *testing.T) {
			rec, err := run(t, tt.stack, stackConfig(t, tt.stack))
			if err != nil {
				t.Fatal(err)
			}
			if got := len(rec.ofType(components.ClusterType)); got != 1 {
				t.Errorf("%d clusters", got)
			}
			if got := len(rec.ofType(components.HostType)); got != len(tt.nodes) {
				t.Errorf("%d hosts, want %d", got, len(tt.nodes))
			}
			if got, want := len(rec.ofType(scriptType)), len(tt.nodes)*len(hostSteps)+len(managementSteps)+len(tt.agents)*len(agentSteps)+len(verificationSteps)+tt.extra; got != want {
				t.Errorf("%d steps, want %d", got, want)
			}
			if got := len(rec.ofType(components.AgentNodeType)); got != len(tt.agents) {
				t.Errorf("%d agent nodes, want %d", got, len(tt.agents))
			}
			for _, a := range tt.agents {
				for _, step := range agentSteps {
					if _, ok := rec.byName(a + "-agent-" + step); !ok {
						t.Errorf("no step %s-agent-%s", a, step)
					}
				}
			}
			// The management node's services on the first node, the one with the manager role.
			mgmt := tt.nodes[0] + "-mgmt"
			if got := rec.ofType(components.ManagementNodeType); len(got) != 1 || got[0].name != mgmt {
				t.Fatalf("management nodes: %v, want one %s", got, mgmt)
			}
			for _, step := range managementSteps {
				s, ok := rec.byName(mgmt + "-" + step)
				if !ok {
					t.Fatalf("no step %s-%s", mgmt, step)
				}
				if got, want := s.inputs["connection"].ObjectValue()["host"].StringValue(), "10.20.30."; !strings.HasPrefix(got, want) {
					t.Errorf("%s-%s connects to %s", mgmt, step, got)
				}
			}
			// The release record, which refuses a downgrade, is what the packages wait for.
			if r, ok := rec.byName("release"); !ok || r.inputs["release"].StringValue() != map[string]string{"dev": "26.8.1", "prod": "26.4.10"}[tt.stack] {
				t.Errorf("the release record: %v", r.inputs)
			}
			// The verification runs on the management node, last, as the superadmin, whose
			// keypair is generated once and secret; and as the fixtures' regular user if any.
			checks, ok := rec.byName("verification-checks")
			if !ok {
				t.Fatal("no verification step")
			}
			env := checks.inputs["environment"].ObjectValue()
			if got := checks.inputs["connection"].ObjectValue()["host"].StringValue(); got != "10.20.30."+map[string]string{"dev": "5", "prod": "10"}[tt.stack] {
				t.Errorf("the verification connects to %s, not the management node", got)
			}
			if !checks.inputs["secretEnvironment"].ContainsSecrets() || !slices.ContainsFunc(checks.deps, func(d string) bool { return strings.HasSuffix(d, "::"+mgmt+"-fixture-superadmin") }) && !slices.ContainsFunc(checks.deps, func(d string) bool { return strings.HasSuffix(d, "::"+mgmt+"-image-rescan") }) {
				t.Errorf("the verification's keypair is not secret, or it does not wait for the superadmin")
			}
			if creds := rec.ofType("backendai:index:Credentials"); len(creds) != 1 || creds[0].inputs["user"].StringValue() != spec.DefaultSuperadminEmail {
				t.Errorf("the superadmin's generated credentials: %v", creds)
			}
			// dev's fixtures have Backend.AI's example user; prod has no regular user.
			want := map[string]string{"dev": "AKIANABBDUSEREXAMPLE", "prod": ""}[tt.stack]
			if got := env["USER_ACCESS_KEY"]; got.IsNull() && want != "" || !got.IsNull() && got.StringValue() != want {
				t.Errorf("the verification's regular user: %v, want %q", got, want)
			}
			if !checks.inputs["publicStdout"].BoolValue() {
				t.Error("the verification's report is not kept as its output")
			}
			if strings.Contains(checks.inputs["environment"].String(), "wJalrXUt") {
				t.Error("the admin's secret key is in the verification's plain environment")
			}
			if got, want := env["AGENTS"].StringValue(), "i-"+strings.Join(tt.agents, " i-"); got != want {
				t.Errorf("the verification checks agents %q, want %q", got, want)
			}
			var fixtures []string
			for _, f := range rec.ofType("backendai:db:Fixture") {
				fixtures = append(fixtures, strings.TrimPrefix(f.name, mgmt+"-fixture-"))
				if !f.inputs["data"].IsSecret() || !f.inputs["connection"].ObjectValue()["password"].IsSecret() {
					t.Errorf("%s: its data or the database password is not secret", f.name)
				}
			}
			if !slices.Equal(fixtures, tt.fixtures) {
				t.Errorf("fixtures %v, want %v in that order", fixtures, tt.fixtures)
			}
			var blocks []string
			for i, node := range tt.nodes {
				if _, ok := rec.byName(node); !ok {
					t.Fatalf("no host %s", node)
				}
				for _, step := range hostSteps {
					s, ok := rec.byName(node + "-" + step)
					if !ok && node == "bai-s1" && strings.HasPrefix(step, "docker") {
						continue // docker: false
					}
					if !ok {
						t.Fatalf("no step %s-%s", node, step)
					}
					if !strings.HasSuffix(s.parent, "::"+node) {
						t.Errorf("%s-%s: parent %q is not host %s", node, step, s.parent, node)
					}
					conn := s.inputs["connection"].ObjectValue()
					if !conn["privateKey"].IsSecret() {
						t.Errorf("%s-%s: the private key is not a secret", node, step)
					}
					if got := conn["user"].StringValue(); got != tt.users[i] {
						t.Errorf("%s-%s: user %q, want %q", node, step, got, tt.users[i])
					}
					if !strings.HasPrefix(conn["host"].StringValue(), "10.20.30.") {
						t.Errorf("%s-%s: connects to %q", node, step, conn["host"].StringValue())
					}
				}
				// The account comes before what refers to it; the rest runs in parallel.
				for _, step := range []string{"limits", "docker"} {
					s, ok := rec.byName(node + "-" + step)
					if !ok {
						continue
					}
					if !slices.ContainsFunc(s.deps, func(d string) bool { return strings.HasSuffix(d, "::"+node+"-account") }) {
						t.Errorf("%s-%s does not wait for the account: %v", node, step, s.deps)
					}
				}
				for _, step := range []string{"facts", "hosts", "sysctl", "account"} {
					if s, _ := rec.byName(node + "-" + step); len(s.deps) != 0 {
						t.Errorf("%s-%s waits for %v", node, step, s.deps)
					}
				}
				hosts, _ := rec.byName(node + "-hosts")
				block := hosts.inputs["environment"].ObjectValue()["HOSTS_BLOCK"].StringValue()
				blocks = append(blocks, block)
				for _, other := range tt.nodes {
					if !strings.Contains(block, " "+other+"  # ") {
						t.Errorf("%s's hosts block has no alias for %s:\n%s", node, other, block)
					}
				}
			}
			for _, b := range blocks[1:] {
				if b != blocks[0] {
					t.Errorf("hosts blocks differ between nodes:\n%s\n---\n%s", blocks[0], b)
				}
			}
		})
	}
}

func TestProdSysctlOverride(t *testing.T) {
	rec, err := run(t, "prod", stackConfig(t, "prod"))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := rec.byName("bai-a01-sysctl")
	conf := s.inputs["environment"].ObjectValue()["SYSCTL_CONF"].StringValue()
	if !strings.Contains(conf, "net.core.somaxconn=4096\n") || !strings.Contains(conf, "vm.overcommit_memory=1") {
		t.Errorf("prod sysctl.d file:\n%s", conf)
	}
}

// A secret kept in plaintext in the stack file is refused, naming the key.
func TestPlaintextSecretRefused(t *testing.T) {
	cfg := stackConfig(t, "dev")
	rec := &recorder{}
	err := pulumi.RunErr(Program, pulumi.WithMocks("backendai-cluster", "dev", rec), func(ri *pulumi.RunInfo) {
		ri.Config, ri.RootDirectory = cfg, ".."
		ri.ConfigSecretKeys = []string{spec.Namespace + ":sshPrivateKey", spec.Namespace + ":storageProxySecret", spec.Namespace + ":storageProxyJWT"}
	})
	if err == nil || !strings.Contains(err.Error(), "dbPassword: is stored in plaintext") || strings.Contains(err.Error(), cfg[spec.Namespace+":dbPassword"]) {
		t.Fatalf("got %v", err)
	}
	if len(rec.all) != 0 {
		t.Errorf("%d resources registered", len(rec.all))
	}
}

// Pulumi.yaml describes exactly the keys the program reads, and requires none of the
// services' secrets (a stack with deploy: hosts has none).
func TestProjectConfigSchema(t *testing.T) {
	raw, err := os.ReadFile("../Pulumi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var project struct {
		Config map[string]struct {
			Secret  bool `yaml:"secret"`
			Default any  `yaml:"default"`
		} `yaml:"config"`
	}
	if err := yaml.Unmarshal(raw, &project); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k, c := range project.Config {
		keys = append(keys, k)
		if k != "nodes" && k != "sshPrivateKey" && c.Default == nil {
			t.Errorf("Pulumi.yaml requires %s: only nodes and sshPrivateKey are required of every stack", k)
		}
	}
	if want := slices.Sorted(slices.Values(spec.Keys)); !slices.Equal(slices.Sorted(slices.Values(keys)), want) {
		t.Errorf("Pulumi.yaml describes %v, the program reads %v", slices.Sorted(slices.Values(keys)), want)
	}
}

// Bad configuration stops the program before any resource is registered.
func TestBadConfigRegistersNothing(t *testing.T) {
	cfg := stackConfig(t, "prod")
	cfg[spec.Namespace+":account"] = `{"uid": 0, "name": "root"}`
	rec, err := run(t, "prod", cfg)
	if err == nil || !strings.Contains(err.Error(), "account.name: the operations account cannot be root") {
		t.Fatalf("want the account error, got %v", err)
	}
	if len(rec.all) != 0 {
		t.Errorf("%d resources registered despite the bad config", len(rec.all))
	}
}

// TestBadStackFiles previews each stack file of testdata/bad (mistakes operators make):
// each stops the program before any resource is registered, with the error its first
// line names. tests/e2e runs the same files through the real CLI.
func TestBadStackFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no bad stack files: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			want, ok := strings.CutPrefix(strings.SplitN(string(raw), "\n", 2)[0], "# want: ")
			if !ok {
				t.Fatalf("%s does not start with a '# want: ' line", file)
			}
			cfg := stackFileConfig(t, file)
			rec, err := run(t, "bad", cfg)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("got %v\nwant an error with %q", err, want)
			}
			if len(rec.all) != 0 {
				t.Errorf("%d resources registered despite the bad stack", len(rec.all))
			}
			for _, k := range secretKeys {
				if v := cfg[k]; strings.Contains(err.Error(), v) {
					t.Errorf("the error holds %s", k)
				}
			}
			for _, password := range []string{"wJalrXUt", "cWbsM_vB", "C8qnIo29", "an-other-password"} {
				if strings.Contains(err.Error(), password) {
					t.Errorf("the error holds a fixture's password %q", password)
				}
			}
		})
	}
}

// A stack that prepares the hosts only registers no management node and needs no
// service secrets.
func TestDeployHosts(t *testing.T) {
	cfg := stackConfig(t, "dev")
	cfg[spec.Namespace+":deploy"] = "hosts"
	for _, k := range secretKeys[1:] {
		delete(cfg, k)
	}
	rec, err := run(t, "dev", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(rec.ofType(components.ManagementNodeType)); got != 0 {
		t.Errorf("%d management nodes", got)
	}
	if got := len(rec.ofType(scriptType)); got != len(hostSteps) {
		t.Errorf("%d steps, want the host's %d", got, len(hostSteps))
	}
}

// Fixture files that cannot be used stop the program before any resource exists.
func TestBadFixtureFiles(t *testing.T) {
	tests := []struct{ name, fixtures, want string }{
		{"missing file", `["fixtures/example-users.json", "fixtures/no-such-file.json"]`, "fixtures[1]: open "},
		{"two files of one name", `["fixtures/example-users.json", "stacks/../fixtures/example-users.json"]`, `fixtures[1] (stacks/../fixtures/example-users.json): has the same name "example-users" as fixtures[0]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := stackConfig(t, "dev")
			cfg[spec.Namespace+":fixtures"] = tt.fixtures
			rec, err := run(t, "dev", cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
			if len(rec.all) != 0 {
				t.Errorf("%d resources registered", len(rec.all))
			}
		})
	}
}

// The domains and groups the fixtures declare get the cluster's shared volume, unless
// they name it already: prod serves "nfs", the dev box its local "volume1", which the
// example fixture names.
func TestFixturesGetTheVolume(t *testing.T) {
	for stack, want := range map[string]bool{"prod": true, "dev": false} {
		t.Run(stack, func(t *testing.T) {
			cfg := stackConfig(t, stack)
			cfg[spec.Namespace+":fixtures"] = `["fixtures/example-users.json", "fixtures/example-keypairs.yaml"]`
			cfg[spec.Namespace+":testCluster"] = "true"
			rec, err := run(t, stack, cfg)
			if err != nil {
				t.Fatal(err)
			}
			f := slices.DeleteFunc(rec.ofType("backendai:db:Fixture"), func(r registered) bool { return !strings.HasSuffix(r.name, "-fixture-example-users") })
			if len(f) != 1 {
				t.Fatalf("%d fixtures of example-users.json", len(f))
			}
			data := f[0].inputs["data"].SecretValue().Element.StringValue()
			if got := strings.Count(data, "local:nfs"); (got > 0) != want {
				t.Errorf("%s: local:nfs granted %d times:\n%.600s", stack, got, data)
			}
			if !strings.Contains(data, "local:volume1") {
				t.Errorf("%s: the fixture's own host is gone", stack)
			}
		})
	}
}

// TestResourcePresets: a stack gets Backend.AI's own presets (the GPU ones only with
// CUDA devices), unless it gives its own in resourcePresets or in a fixture file; both
// at once are refused.
func TestResourcePresets(t *testing.T) {
	tests := []struct {
		name, fixtures, presets string
		want                    []string
		err                     string
	}{
		{"defaults, with GPUs", `["fixtures/cluster.yaml"]`, "", []string{"cpu01-small", "cpu02-medium", "cpu03-large", "cuda01-small", "cuda02-medium", "cuda03-large"}, ""},
		{"the stack's own", `["fixtures/cluster.yaml"]`, `[{"name": "small", "resourceSlots": {"cpu": "2", "mem": "4294967296"}}]`, []string{"small"}, ""},
		{"a fixture file's", `["fixtures/example-users.json", "fixtures/example-keypairs.yaml"]`, "", nil, ""},
		{"both", `["fixtures/example-users.json", "fixtures/example-keypairs.yaml"]`, `[{"name": "small", "resourceSlots": {"cpu": "2"}}]`, nil,
			"resourcePresets: fixtures[1] (fixtures/example-keypairs.yaml) declares resource presets too"},
		{"a bad slot", `["fixtures/cluster.yaml"]`, `[{"name": "small", "resourceSlots": {"cpu": "two"}}]`, nil,
			`resourcePresets[0].resourceSlots.cpu: "two" is not a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := stackConfig(t, "prod")
			cfg[spec.Namespace+":fixtures"] = tt.fixtures
			cfg[spec.Namespace+":testCluster"] = "true"
			if tt.presets != "" {
				cfg[spec.Namespace+":resourcePresets"] = tt.presets
			}
			rec, err := run(t, "prod", cfg)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want an error with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			if f, ok := rec.byName("bai-m1-mgmt-fixture-resource-presets"); ok {
				var file struct {
					Presets []struct{ Name string } `json:"resource_presets"`
				}
				if err := json.Unmarshal([]byte(f.inputs["data"].SecretValue().Element.StringValue()), &file); err != nil {
					t.Fatal(err)
				}
				for _, p := range file.Presets {
					got = append(got, p.Name)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("presets %v, want %v", got, tt.want)
			}
		})
	}
}
