package components

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"golang.org/x/crypto/ssh"

	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// loginKey is one key for all runs, so that two runs differ only where a test says.
var loginKey = func() string {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(block))
}()

func managementCluster(t *testing.T, webTitle string) spec.Cluster {
	t.Helper()
	cfg := map[string]string{
		"nodes":              `[{"name":"bai-m1","address":"10.20.30.10","roles":["manager","agent","storage"]}]`,
		"version":            "26.8.1",
		"dbPassword":         "a-long-db-password",
		"storageProxySecret": "shared-secret",
		"storageProxyJWT":    "jwt-secret",
		"services":           fmt.Sprintf(`{"webserver":{"title":%q}}`, webTitle),
		"sshPrivateKey":      loginKey,
	}
	c, err := spec.Load(func(k string) (string, bool) { v, ok := cfg[k]; return v, ok }, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func runManagementNode(t *testing.T, c spec.Cluster, engine string) *mocks {
	t.Helper()
	c.Halfstack.Engine = engine
	m := &mocks{}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		key := pulumi.ToSecret(pulumi.String(c.SSHPrivateKey)).(pulumi.StringOutput)
		node := c.Manager()
		host, err := NewHost(ctx, node.Name, hostArgs(c, node, key))
		if err != nil {
			return err
		}
		secret := func(s string) pulumi.StringInput { return pulumi.ToSecret(pulumi.String(s)).(pulumi.StringOutput) }
		_, err = NewManagementNode(ctx, "mgmt", ManagementNodeArgs{
			Cluster: c, Host: host, Node: node,
			DBPassword: secret(c.Halfstack.DBPassword), StorageProxySecret: secret("shared"), StorageProxyJWT: secret("jwt"),
			Fixtures: []FixtureFile{{Name: "users", Data: `{"domains": [{"name": "default"}], "scaling_groups": [{"name": "default", "wsproxy_addr": "http://127.0.0.1:5050"}]}`}, {Name: "keypairs", Data: `{"keypair_resource_policies": []}`}},
		})
		return err
	}, pulumi.WithMocks("p", "s", m))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestManagementNodeOrder(t *testing.T) {
	for _, engine := range []string{spec.EngineScript, spec.EngineDocker} {
		t.Run(engine, func(t *testing.T) {
			m := runManagementNode(t, managementCluster(t, "Backend.AI"), engine)
			urnOf := func(name string) string {
				for _, r := range m.all {
					if r.name == name {
						return r.typ + "::" + name
					}
				}
				t.Fatalf("no resource %s", name)
				return ""
			}
			dependsOn := func(name string, on ...string) {
				t.Helper()
				r := m.get(name)
				for _, o := range on {
					want := urnOf(o)
					if !slices.ContainsFunc(r.deps, func(d string) bool { return strings.HasSuffix(d, want) }) {
						t.Errorf("%s does not wait for %s (deps %v)", name, o, r.deps)
					}
				}
			}
			half := "mgmt-halfstack"
			if engine == spec.EngineDocker {
				half = "backendai-half-etcd"
			}
			dependsOn("mgmt-etcd-config", half)
			dependsOn("mgmt-etcd-volumes", half)
			dependsOn("mgmt-rpc-keypair", "mgmt-manager-package")
			dependsOn("mgmt-schema", half, "mgmt-etcd-config", "mgmt-etcd-volumes", "mgmt-manager-config", "mgmt-manager-alembic")
			dependsOn("mgmt-fixture-users", "mgmt-schema")
			dependsOn("mgmt-fixture-keypairs", "mgmt-fixture-users")
			// Python and the packages need the account, not Docker: they install while it does.
			dependsOn("mgmt-python", "bai-m1-account")
			if r := m.get("mgmt-python"); slices.ContainsFunc(r.deps, func(d string) bool { return strings.HasSuffix(d, urnOf("bai-m1-docker")) }) {
				t.Error("mgmt-python waits for Docker")
			}
			dependsOn("mgmt-webserver-package", "mgmt-python")
			dependsOn("mgmt-manager-config", "mgmt-manager-package")
			// The users' roles come after the last fixture; the services after them.
			dependsOn("mgmt-roles", "mgmt-fixture-keypairs")
			dependsOn("mgmt-manager-service", "mgmt-manager-config", "mgmt-manager-alembic", "mgmt-etcd-config",
				"mgmt-etcd-volumes", "mgmt-roles", "mgmt-rpc-keypair")
			dependsOn("mgmt-webserver-service", "mgmt-webserver-config", "mgmt-webserver-package", "mgmt-roles")
			dependsOn("mgmt-volumes", "bai-m1-account")
			dependsOn("mgmt-storage-proxy-service", "mgmt-volumes", "mgmt-storage-proxy-config")
			dependsOn("mgmt-image-rescan", "mgmt-manager-service", "mgmt-storage-proxy-service", "mgmt-webserver-service", "mgmt-roles")
			// The App Proxy: its database in the halfstack, its schema once the database
			// and the coordinator's package and alembic.ini are in, the coordinator, then the
			// worker, and the resource group pointed at it once the fixtures made it.
			dependsOn("mgmt-app-proxy-db", half)
			dependsOn("mgmt-app-proxy-coordinator-package", "mgmt-python")
			dependsOn("mgmt-app-proxy-schema", "mgmt-app-proxy-db", "mgmt-app-proxy-coordinator-package", "mgmt-app-proxy-coordinator-alembic")
			dependsOn("mgmt-app-proxy-coordinator-service", "mgmt-app-proxy-schema", "mgmt-app-proxy-coordinator-config")
			dependsOn("mgmt-app-proxy-worker-service", "mgmt-app-proxy-coordinator-service", "mgmt-app-proxy-worker-config")
			dependsOn("mgmt-fixture-app-proxy", "mgmt-roles")
			dependsOn("mgmt-verify", "mgmt-app-proxy-worker-service", "mgmt-fixture-app-proxy")
			if env := m.get("mgmt-verify").inputs["environment"].ObjectValue(); env["COORDINATOR_URL"].StringValue() != "http://10.20.30.10:10200" ||
				env["WORKER_URL"].StringValue() != "http://10.20.30.10:10201" {
				t.Errorf("the services' check does not check the App Proxy: %v", env)
			}

			// Secrets only where a file has placeholders, and always secret.
			for name, wantSecret := range map[string]bool{"mgmt-manager-config": true, "mgmt-manager-alembic": true,
				"mgmt-storage-proxy-config": true, "mgmt-webserver-config": false, "mgmt-app-proxy-db": true,
				"mgmt-app-proxy-coordinator-config": true, "mgmt-app-proxy-coordinator-alembic": true, "mgmt-app-proxy-worker-config": true} {
				env, ok := m.get(name).inputs["secretEnvironment"]
				if ok != wantSecret || ok && !env.IsSecret() {
					t.Errorf("%s: secret environment present %t (secret %t), want %t", name, ok, ok && env.IsSecret(), wantSecret)
				}
			}
			// The App Proxy's fixture alone sets a resource group's wsproxy columns.
			if data := m.get("mgmt-fixture-users").inputs["data"].SecretValue().Element.StringValue(); strings.Contains(data, "wsproxy") || !strings.Contains(data, `"scaling_groups"`) {
				t.Errorf("the users fixture, the App Proxy on: %s", data)
			}
			if keep := m.get("mgmt-fixture-users").inputs["keepOnDelete"]; !keep.IsBool() || !keep.BoolValue() {
				t.Errorf("a fixture's rows are deleted on destroy (keepOnDelete %v) though the stack keeps its data", keep)
			}
			if v := m.get("mgmt-etcd-volumes").inputs["secretValue"]; !v.IsSecret() {
				t.Error("the storage proxy's secret in etcd is not secret")
			}
			text := m.get("mgmt-storage-proxy-config").inputs["environment"].ObjectValue()["CONFIG_TEXT"].StringValue()
			if !strings.Contains(text, `secret = "@BACKENDAI_STORAGE_PROXY_SECRET@"`) || strings.Contains(text, "shared") {
				t.Errorf("storage-proxy.toml:\n%s", text)
			}
		})
	}
}

// TestWebserverChangeTouchesOnlyTheWebserver changes the webserver's settings alone:
// only the webserver's config and its service step (which restarts it) get new inputs,
// and the check that the services answer runs again.
func TestWebserverChangeTouchesOnlyTheWebserver(t *testing.T) {
	before := runManagementNode(t, managementCluster(t, "Backend.AI"), spec.EngineScript)
	after := runManagementNode(t, managementCluster(t, "Our GPU Cloud"), spec.EngineScript)
	var changed []string
	for _, r := range after.all {
		if fmt.Sprint(before.get(r.name).inputs) != fmt.Sprint(r.inputs) {
			changed = append(changed, r.name)
		}
	}
	slices.Sort(changed)
	if want := []string{"mgmt-verify", "mgmt-webserver-config", "mgmt-webserver-service"}; !slices.Equal(changed, want) {
		t.Errorf("a webserver change touches %v, want %v", changed, want)
	}
}

// TestAppProxyOff: a stack without the App Proxy has none of its steps, and its
// services' check does not look for it.
func TestAppProxyOff(t *testing.T) {
	c := managementCluster(t, "Backend.AI")
	off := false
	c.Services.AppProxy.Enabled = &off
	m := runManagementNode(t, c, spec.EngineScript)
	if got := m.names("mgmt-app-proxy"); len(got) != 0 {
		t.Errorf("the App Proxy's steps without the App Proxy: %v", got)
	}
	if env := m.get("mgmt-verify").inputs["environment"].ObjectValue(); env.HasValue("COORDINATOR_URL") {
		t.Errorf("the services' check looks for the App Proxy: %v", env)
	}
}

func TestManagementNodeRefused(t *testing.T) {
	secret := pulumi.String("a-secret-value")
	tests := []struct {
		name   string
		engine string
		args   ManagementNodeArgs
		want   string
	}{
		{"unknown engine", "compose", ManagementNodeArgs{DBPassword: secret, StorageProxySecret: secret, StorageProxyJWT: secret}, `halfstack.engine "compose"`},
		{"no JWT secret", spec.EngineScript, ManagementNodeArgs{DBPassword: secret, StorageProxySecret: secret}, "StorageProxyJWT is required"},
		{"no database password", spec.EngineDocker, ManagementNodeArgs{StorageProxySecret: secret, StorageProxyJWT: secret}, "DBPassword is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := managementCluster(t, "x")
			c.Halfstack.Engine = tt.engine
			args := tt.args
			args.Cluster, args.Node, args.Host = c, c.Manager(), &Host{}
			m := &mocks{}
			err := pulumi.RunErr(func(ctx *pulumi.Context) error {
				_, err := NewManagementNode(ctx, "mgmt", args)
				return err
			}, pulumi.WithMocks("p", "s", m))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
			if len(m.all) != 0 {
				t.Errorf("registered %d resources before refusing", len(m.all))
			}
		})
	}
}
