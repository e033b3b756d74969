package components

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/backendai-infra/backendai-infra/internal/spec"
)

func planeCluster(t *testing.T) spec.Cluster {
	t.Helper()
	return clusterOf(t, `[{"name":"bai-m1","address":"10.20.30.10","roles":["manager"]},
			{"name":"bai-m2","address":"10.20.30.11","roles":["manager"]},
			{"name":"bai-m3","address":"10.20.30.12","roles":["manager"]},
			{"name":"bai-a01","address":"10.20.30.20","roles":["agent","storage"]}]`)
}

// clusterOf is a cluster of nodes (JSON) without the App Proxy.
func clusterOf(t *testing.T, nodes string) spec.Cluster {
	t.Helper()
	cfg := map[string]string{
		"nodes":   nodes,
		"version": "26.8.1", "dbPassword": "a-long-db-password", "storageProxySecret": "shared-secret",
		"storageProxyJWT": "jwt-secret", "sshPrivateKey": loginKey, "services": `{"appProxy":{"enabled":false}}`,
	}
	c, err := spec.Load(func(k string) (string, bool) { v, ok := cfg[k]; return v, ok }, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestPlaneSteps: in a plane of three management nodes each runs its etcd member, Valkey
// and PostgreSQL at once, and its own services; only the first makes what they share,
// and each other node's services start after the node's before it (one manager at a
// time, in an upgrade too); every manager has the one RPC
// keypair's files; the plane is checked once every node's services answer.
func TestPlaneSteps(t *testing.T) {
	m := runCluster(t, planeCluster(t))
	for _, node := range []string{"bai-m1", "bai-m2", "bai-m3"} {
		p := node + "-mgmt-"
		m.waitsFor(t, p+"plane-valkey", p+"plane-etcd")
		m.waitsFor(t, p+"patroni-config", p+"plane-postgres-packages")
		m.waitsFor(t, p+"plane-postgres", p+"plane-etcd", p+"patroni-config")
		m.waitsFor(t, p+"manager-service", p+"rpc-public-key", p+"rpc-secret-key")
		if node != "bai-m1" { // the first node's services wait for its plane through the etcd keys and the schema
			m.waitsFor(t, p+"manager-service", p+"plane-etcd", p+"plane-valkey", p+"plane-postgres")
		}
		m.waitsFor(t, "bai-m1-plane-check", p+"verify")
		// The etcd members start at once; the first node's after its halfstack, if any, is
		// copied and stopped (growing one management node).
		if slices.ContainsFunc(m.get(p+"plane-etcd").deps, func(d string) bool {
			return strings.Contains(d, "-mgmt-") && !strings.HasSuffix(d, "::bai-m1-mgmt-plane-adopt")
		}) {
			t.Errorf("%s's etcd member waits for another management step: %v", node, m.get(p+"plane-etcd").deps)
		}
		if got := m.names(p + "rpc-keypair"); len(got) != 0 {
			t.Errorf("%s makes its own RPC keypair: %v", node, got)
		}
		// The services' sockets in their own directories: the agent (root) may make
		// /tmp/backend.ai/ipc first on a node with both.
		for _, svc := range []string{"manager", "webserver", "storage-proxy"} {
			conf := m.get(p + svc + "-config").inputs["environment"].ObjectValue()["CONFIG_TEXT"].StringValue()
			if !strings.Contains(conf, "ipc-base-path = '/home/bai/"+svc+"/ipc'") {
				t.Errorf("%s's %s keeps its IPC sockets elsewhere:\n%s", node, svc, conf)
			}
		}
		web := m.get(p + "webserver-config").inputs["environment"].ObjectValue()["CONFIG_TEXT"].StringValue()
		if !strings.Contains(web, `endpoint = 'http://10.20.30.10:8081,http://10.20.30.11:8081,http://10.20.30.12:8081'`) ||
			!strings.Contains(web, `sentinel = '10.20.30.10:26379,10.20.30.11:26379,10.20.30.12:26379'`) {
			t.Errorf("%s's webserver.conf does not list every manager and Sentinel:\n%s", node, web)
		}
		if node == "bai-m1" {
			continue
		}
		for _, shared := range []string{"schema", "roles", "image-rescan", "etcd-config", "fixture-superadmin"} {
			if got := m.names(p + shared); len(got) != 0 {
				t.Errorf("%s makes what the first node does: %v", node, got)
			}
		}
		m.waitsFor(t, p+"manager-service", "bai-m1-mgmt-manager-service", "bai-m1-mgmt-roles")
	}
	// One manager at a time: the third node's services (re)start after the second's.
	m.waitsFor(t, "bai-m3-mgmt-manager-service", "bai-m2-mgmt-manager-service", "bai-m2-mgmt-webserver-service")
	m.waitsFor(t, "verification-checks", "bai-m1-plane-check")
	// Growing one management node: its halfstack copied and stopped (the other nodes'
	// steps first, which refuse one of their own), then the plane's etcd, PostgreSQL and
	// the copy restored, before the plane's etcd keys and schema; the release waits.
	// Every node of the cluster refuses a halfstack of its own first (a single management
	// node listed elsewhere), and every node's plane starts once the first node's halfstack
	// is stopped (no Valkey takes the halfstack's for the master).
	m.waitsFor(t, "bai-m1-mgmt-plane-adopt", "bai-m2-mgmt-plane-adopt", "bai-m3-mgmt-plane-adopt", "bai-a01-plane-adopt",
		"bai-m1-mgmt-schema-preflight")
	for _, node := range []string{"bai-m1", "bai-m2", "bai-m3"} {
		m.waitsFor(t, node+"-mgmt-plane-etcd", "bai-m1-mgmt-plane-adopt")
	}
	m.waitsFor(t, "release", "bai-m1-mgmt-plane-adopt")
	m.waitsFor(t, "bai-m1-mgmt-plane-etcd", "bai-m1-mgmt-plane-adopt")
	m.waitsFor(t, "bai-m1-mgmt-plane-restore", "bai-m1-mgmt-plane-etcd", "bai-m1-mgmt-plane-postgres")
	m.waitsFor(t, "bai-m1-mgmt-etcd-config", "bai-m1-mgmt-plane-restore")
	m.waitsFor(t, "bai-m1-mgmt-schema", "bai-m1-mgmt-plane-restore")
	for _, node := range []string{"bai-m2", "bai-m3"} {
		if got := m.names(node + "-mgmt-plane-restore"); len(got) != 0 {
			t.Errorf("%s restores a copy: %v", node, got)
		}
	}
	// The release record keeps the plane's nodes: its check refuses them changing.
	if raw, _ := json.Marshal(m.get("release").inputs["managers"].Mappable()); string(raw) != `["bai-m1","bai-m2","bai-m3"]` {
		t.Errorf("the release record's managers: %s", raw)
	}
	if conf := m.get("bai-a01-sysctl").inputs["environment"].ObjectValue()["SYSCTL_CONF"].StringValue(); !strings.Contains(conf, "net.ipv4.tcp_retries2=6") {
		t.Errorf("the agent's sysctl has no shorter TCP retries:\n%s", conf)
	}
	roles := m.get("bai-m1-mgmt-roles").inputs
	if roles["environment"].ObjectValue()["DB_PORT"].StringValue() != "8100" || strings.Contains(roles["script"].StringValue(), "docker exec") {
		t.Error("the first node's roles step does not run psql through HAProxy")
	}
	raw, _ := json.Marshal(m.get("bai-m1-mgmt-etcd-config").inputs["value"].Mappable())
	redis := string(raw)
	if !strings.Contains(redis, `"sentinel":"10.20.30.10:26379,10.20.30.11:26379,10.20.30.12:26379"`) || !strings.Contains(redis, `"service_name":"backendai"`) {
		t.Errorf("etcd's config/redis is not the Sentinels': %s", redis)
	}
	agent := m.get("bai-a01-agent-agent-config").inputs["environment"].ObjectValue()["CONFIG_TEXT"].StringValue()
	if !strings.Contains(agent, "{host = '10.20.30.12', port = 8120}") {
		t.Errorf("the agent does not list every etcd member:\n%s", agent)
	}
	key := m.get("bai-a01-agent-rpc-keys").inputs["environment"].ObjectValue()["MANAGER_PUBLIC_KEY"].StringValue()
	if !strings.Contains(key, "public-key = ") {
		t.Errorf("the agent trusts %q, not the plane's public certificate", key)
	}
}

// TestPlaneGrowth: a single management node grown to three (an agent node among the new
// ones) keeps every resource of the single node's but its halfstack's and its own RPC
// keypair's: nothing holding data is deleted or replaced (a resource that changed parent
// would be), and the etcd keys and fixtures are the same resources, updated in place.
func TestPlaneGrowth(t *testing.T) {
	single := runCluster(t, clusterOf(t, `[{"name":"bai-m1","address":"10.20.30.10","roles":["manager"]},
		{"name":"bai-m3","address":"10.20.30.12","roles":["agent","storage"]}]`))
	grown := runCluster(t, clusterOf(t, `[{"name":"bai-m1","address":"10.20.30.10","roles":["manager"]},
		{"name":"bai-m2","address":"10.20.30.11","roles":["manager"]},
		{"name":"bai-m3","address":"10.20.30.12","roles":["manager","agent","storage"]}]`))
	parents := map[string]string{}
	for _, r := range grown.all {
		parents[r.typ+" "+r.name] = r.parent
	}
	halfstack := func(name string) bool {
		return strings.HasPrefix(name, "bai-m1-mgmt-halfstack") || strings.HasPrefix(name, "backendai-half-")
	}
	for _, r := range single.all {
		parent, kept := parents[r.typ+" "+r.name]
		switch {
		case !kept && !halfstack(r.name) && r.name != "bai-m1-mgmt-rpc-keypair":
			t.Errorf("growing deletes %s %s", r.typ, r.name)
		case kept && parent != r.parent:
			t.Errorf("growing moves %s %s from %s to %s (a replacement)", r.typ, r.name, r.parent, parent)
		}
	}
	for _, name := range []string{"bai-m1-mgmt-etcd-config", "bai-m1-mgmt-etcd-volumes", "bai-m1-mgmt-fixture-superadmin", "bai-m1-mgmt-schema"} {
		if _, kept := parents[single.get(name).typ+" "+name]; !kept {
			t.Errorf("growing does not keep %s", name)
		}
	}
}
