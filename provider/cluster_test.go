package provider

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/property"

	"github.com/backendai-infra/backendai-infra/tests/tlscert"
)

// clusterInputs are a served Cluster's inputs: a management and storage node and an
// agent, the release, Backend.AI's example fixtures (a test cluster), the secrets.
func clusterInputs(t *testing.T) map[string]property.Value {
	t.Helper()
	fixture := func(name, path string) property.Value {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return property.New(map[string]property.Value{"name": property.New(name), "data": property.New(string(data))})
	}
	node := func(name, address string, roles ...string) property.Value {
		r := make([]property.Value, len(roles))
		for i, role := range roles {
			r[i] = property.New(role)
		}
		return property.New(map[string]property.Value{"name": property.New(name), "address": property.New(address), "roles": property.New(r)})
	}
	secret := func(s string) property.Value { return property.New(s).WithSecret(true) }
	return map[string]property.Value{
		"nodes":   property.New([]property.Value{node("bai-m1", "10.0.0.5", "manager", "storage"), node("bai-a01", "10.0.0.21", "agent")}),
		"version": property.New("26.8.1"),
		"services": property.New(map[string]property.Value{
			"webserver": property.New(map[string]property.Value{"title": property.New("Our GPUs")}),
		}),
		"verify":      property.New(map[string]property.Value{"enabled": property.New(true)}),
		"testCluster": property.New(true),
		"fixtures": property.New([]property.Value{fixture("example-users", "../fixtures/example-users.json"),
			fixture("example-keypairs", "../fixtures/example-keypairs.yaml")}),
		"sshPrivateKey": secret(testKey(t)), "dbPassword": secret("a-long-db-password"),
		"storageProxySecret": secret("a-proxy-secret"), "storageProxyJWT": secret("a-proxy-jwt-secret"),
	}
}

// TestClusterComponent: the provider constructs backendai:index:Cluster, the whole
// cluster, from typed settings with the stack config's names and defaults: every node's
// host, the management node's services (the webserver with the given title, the other
// settings the defaults of Backend.AI's install guide, docs/install/install-from-package.rst
// and its pages at 26.8.1), the agent, the verification; its outputs.
func TestClusterComponent(t *testing.T) {
	resp, got, err := construct(t, "Cluster", "cluster", clusterInputs(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []string{"bai-m1-docker", "bai-a01-docker", "bai-m1-mgmt-webserver-config", "bai-m1-mgmt-manager-service",
		"bai-a01-agent-agent-service", "verification-checks", "bai-m1-storage-nfs-server"} {
		if _, ok := got.children[step]; !ok {
			t.Errorf("the cluster has no step %s", step)
		}
	}
	env := got.children["bai-m1-mgmt-webserver-config"].Inputs.Get("environment").AsMap()
	if text := env.Get("CONFIG_TEXT").AsString(); !strings.Contains(text, "Our GPUs") || !strings.Contains(text, "8081") {
		t.Errorf("webserver.conf: %s", text)
	}
	if db := got.children["bai-m1-mgmt-manager-config"].Inputs.Get("secretEnvironment"); !db.Secret() {
		t.Errorf("manager.toml's secrets are not secret: %v", db)
	}
	if e := resp.State.Get("endpoints").AsMap(); e.Get("webserver").AsString() != "http://10.0.0.5:8090" {
		t.Errorf("the cluster's endpoints: %v", e)
	}
	var ref struct{ Release, Manager, ManagerPublicKey string }
	if err := json.Unmarshal([]byte(resp.State.Get("agentPool").AsString()), &ref); err != nil || ref.Release != "26.8.1" ||
		ref.Manager != "http://10.0.0.5:8081" || ref.ManagerPublicKey == "" {
		t.Errorf("the cluster's agentPool output (%v): %+v", err, ref)
	}
	if login := resp.State.Get("superadmin"); !login.Secret() {
		t.Errorf("the superadmin's login is not secret")
	}
}

// TestClusterSecretCheckedWhenKnown: a secret, which may be another resource's output,
// is checked once its value is known, naming it, never showing it.
func TestClusterSecretCheckedWhenKnown(t *testing.T) {
	in := clusterInputs(t)
	in["dbPassword"] = property.New("short").WithSecret(true)
	_, _, err := construct(t, "Cluster", "cluster", in)
	if err == nil || !strings.Contains(err.Error(), "dbPassword: too short") || strings.Contains(err.Error(), "short\"") {
		t.Errorf("construct with a short dbPassword: %v", err)
	}
}

// TestClusterComponentRefuses: a cluster's bad settings and missing secrets are
// refused naming their fields, before any step.
func TestClusterComponentRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(map[string]property.Value)
		want   []string
	}{
		{"no manager", func(in map[string]property.Value) {
			in["nodes"] = property.New([]property.Value{property.New(map[string]property.Value{"name": property.New("bai-a01"),
				"address": property.New("10.0.0.21"), "roles": property.New([]property.Value{property.New("agent")})})})
		}, []string{`nodes: the role "manager" must be on one node, or on an odd number of nodes from 3 (a management plane that keeps a majority of its etcd members and Sentinels when it loses a node), found 0`}},
		{"a bad port", func(in map[string]property.Value) {
			in["services"] = property.New(map[string]property.Value{"managerPort": property.New(70000.0)})
		}, []string{"services.managerPort"}},
		{"no secrets", func(in map[string]property.Value) {
			delete(in, "dbPassword")
			delete(in, "storageProxyJWT")
		}, []string{"dbPassword: is required", "storageProxyJWT: is required"}},
		{"published credentials", func(in map[string]property.Value) { delete(in, "testCluster") },
			[]string{"fixtures[0] (example-users)", "whoever reaches the cluster could log in with it"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := clusterInputs(t)
			tc.change(in)
			_, got, err := construct(t, "Cluster", "cluster", in)
			for _, want := range tc.want {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("construct: %v, want an error with %q", err, want)
				}
			}
			for name, r := range got.children {
				if r.TypeToken == "backendai:remote:Script" {
					t.Errorf("the refused cluster registered the step %s", name)
				}
			}
		})
	}
}

// TestClusterConnections: a node's connection may come from other resources: its steps
// reach it there, with the cluster's key; a connection for a node the cluster has not
// is refused.
func TestClusterConnections(t *testing.T) {
	in := clusterInputs(t)
	in["connections"] = property.New(map[string]property.Value{
		"bai-a01": property.New(map[string]property.Value{"host": property.New("192.0.2.7"), "port": property.New(2222.0)}),
	})
	_, got, err := construct(t, "Cluster", "cluster", in)
	if err != nil {
		t.Fatal(err)
	}
	conn := got.children["bai-a01-facts"].Inputs.Get("connection").AsMap()
	if conn.Get("host").AsString() != "192.0.2.7" || conn.Get("port").AsNumber() != 2222 || !conn.Get("privateKey").Secret() {
		t.Errorf("bai-a01's steps reach it at %v", conn)
	}

	in = clusterInputs(t)
	in["connections"] = property.New(map[string]property.Value{"bai-x9": property.New(map[string]property.Value{"host": property.New("192.0.2.9")})})
	if _, _, err := construct(t, "Cluster", "cluster", in); err == nil || !strings.Contains(err.Error(), "connections.bai-x9: no node is named bai-x9") {
		t.Errorf("a connection for no node: %v", err)
	}
}

// TestClusterSysctl: the kernel parameters merge onto those of Backend.AI's OS
// preparation guide (docs/install/install-from-package/os-preparation.rst at 26.8.1); an
// empty value leaves the guide's out.
func TestClusterSysctl(t *testing.T) {
	in := clusterInputs(t)
	in["sysctl"] = property.New(map[string]property.Value{"net.core.somaxconn": property.New("4096"), "fs.file-max": property.New("")})
	_, got, err := construct(t, "Cluster", "cluster", in)
	if err != nil {
		t.Fatal(err)
	}
	conf := got.children["bai-a01-sysctl"].Inputs.Get("environment").AsMap().Get("SYSCTL_CONF").AsString()
	if !strings.Contains(conf, "net.core.somaxconn=4096") || strings.Contains(conf, "fs.file-max") || !strings.Contains(conf, "vm.overcommit_memory") {
		t.Errorf("the sysctl step's parameters:\n%s", conf)
	}
}

// TestClusterOwnSuperadmin: the superadmin's own keypair, its secret key a secret input,
// is the superadmin's login; its access key without it is refused.
func TestClusterOwnSuperadmin(t *testing.T) {
	in := clusterInputs(t)
	in["superadmin"] = property.New(map[string]property.Value{"accessKey": property.New("AKIAOWNSUPERADMIN0001")})
	in["superadminSecretKey"] = property.New("own-superadmin-secret-key-0001").WithSecret(true)
	if _, _, err := construct(t, "Cluster", "cluster", in); err != nil {
		t.Fatal(err)
	}
	delete(in, "superadminSecretKey")
	if _, _, err := construct(t, "Cluster", "cluster", in); err == nil || !strings.Contains(err.Error(), "superadmin.accessKey: the superadmin's own keypair needs both") {
		t.Errorf("an access key without its secret key: %v", err)
	}
}

// TestClusterSettingsAsGiven: a setting given as an empty list stays empty (no
// registry is rescanned), one left out takes its default, and fixture texts the caller
// marks secret are read.
func TestClusterSettingsAsGiven(t *testing.T) {
	targets := func(in map[string]property.Value) string {
		t.Helper()
		_, got, err := construct(t, "Cluster", "cluster", in)
		if err != nil {
			t.Fatal(err)
		}
		v := got.children["bai-m1-mgmt-image-rescan"].Inputs.Get("environment").AsMap().Get("IMAGE_RESCAN")
		if !v.IsString() {
			return ""
		}
		return v.AsString()
	}
	in := clusterInputs(t)
	if got := targets(in); got != "cr.backend.ai/stable/python:3.13-ubuntu24.04-amd64" {
		t.Errorf("the default registries' rescan: %q", got)
	}
	in["services"] = property.New(map[string]property.Value{"imageRegistries": property.New([]property.Value{})})
	for i, f := range in["fixtures"].AsArray().AsSlice() {
		data := f.AsMap().Get("data")
		in["fixtures"] = property.New(append(in["fixtures"].AsArray().AsSlice()[:i:i], append([]property.Value{
			property.New(f.AsMap().Set("data", data.WithSecret(true)))}, in["fixtures"].AsArray().AsSlice()[i+1:]...)...))
	}
	if got := targets(in); got != "" {
		t.Errorf("no registries given, but the rescan's targets are %q", got)
	}
}

// TestClusterTLS: with services.tls the certificate and its key (a secret) go to the
// management node, the webserver serves HTTPS and its endpoint says https; a key
// without a certificate, or another certificate's key once known, is refused naming
// tlsKey, never showing it.
func TestClusterTLS(t *testing.T) {
	certs := tlscert.New(t, "10.0.0.5")
	in := clusterInputs(t)
	in["services"] = property.New(map[string]property.Value{"tls": property.New(map[string]property.Value{"certificate": property.New(certs.Chain)})})
	in["tlsKey"] = property.New(certs.Key).WithSecret(true)
	resp, got, err := construct(t, "Cluster", "cluster", in)
	if err != nil {
		t.Fatal(err)
	}
	key := got.children["bai-m1-mgmt-tls-key"].Inputs
	if !key.Get("secretEnvironment").Secret() || strings.Contains(key.Get("environment").AsMap().Get("CONFIG_TEXT").AsString(), "PRIVATE KEY") {
		t.Errorf("the key's step does not keep the key secret: %v", key)
	}
	if cert := got.children["bai-m1-mgmt-tls-certificate"].Inputs.Get("environment").AsMap().Get("CONFIG_TEXT").AsString(); cert != certs.Chain {
		t.Errorf("the certificate's file: %q", cert)
	}
	web := got.children["bai-m1-mgmt-webserver-config"].Inputs.Get("environment").AsMap().Get("CONFIG_TEXT").AsString()
	if !strings.Contains(web, "ssl_enabled = true") || !strings.Contains(web, "ssl_privkey = '/home/bai/tls/key.pem'") {
		t.Errorf("webserver.conf does not serve HTTPS:\n%s", web)
	}
	if e := resp.State.Get("endpoints").AsMap(); e.Get("webserver").AsString() != "https://10.0.0.5:8090" {
		t.Errorf("endpoints: %v", e)
	}

	delete(in, "services")
	if _, _, err := construct(t, "Cluster", "cluster", in); err == nil || !strings.Contains(err.Error(), "tlsKey: a key without services.tls.certificate") {
		t.Errorf("a key without a certificate: %v", err)
	}
	in["services"] = property.New(map[string]property.Value{"tls": property.New(map[string]property.Value{"certificate": property.New(certs.Chain)})})
	in["tlsKey"] = property.New(tlscert.New(t, "10.0.0.5").Key).WithSecret(true)
	if _, _, err := construct(t, "Cluster", "cluster", in); err == nil || !strings.Contains(err.Error(), "tlsKey: is not the private key of services.tls.certificate") ||
		strings.Contains(err.Error(), "BEGIN") {
		t.Errorf("another certificate's key: %v", err)
	}
}
