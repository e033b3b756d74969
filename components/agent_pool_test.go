package components

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const clusterStackName = "organization/backendai-cluster/prod"

// clusterStackOutputs are the outputs of a deployed cluster stack of storageCluster
// (an NFS storage node), as a stack reference reads them.
func clusterStackOutputs(t *testing.T) resource.PropertyMap {
	t.Helper()
	ref, err := NewClusterRef(storageCluster(t, `{"clients":["10.20.40.0/24"]}`))
	if err != nil {
		t.Fatal(err)
	}
	ref.ManagerPublicKey = "mock-manager-public-key"
	raw, err := json.Marshal(ref)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return resource.PropertyMap{ClusterRefOutput: resource.NewPropertyValue(v)}
}

func poolNode(name, address string, accelerators ...PoolAccelerator) PoolNode {
	return PoolNode{Name: name, Address: address, Accelerators: accelerators, Connection: HostConnection{
		Host: pulumi.String(address), PrivateKey: pulumi.ToSecret(pulumi.String(loginKey)).(pulumi.StringOutput)}}
}

func runPool(t *testing.T, args AgentPoolArgs) (*mocks, error) {
	t.Helper()
	m := &mocks{stacks: map[string]resource.PropertyMap{clusterStackName: clusterStackOutputs(t)}}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := NewAgentPool(ctx, "rack2", args)
		return err
	}, pulumi.WithMocks("p", "s", m))
	return m, err
}

// TestAgentPool: a pool's nodes are prepared as hosts, mount the cluster's volume
// (served by the cluster stack's storage node, not by the pool), and run agents of the
// cluster's release pointed at its manager and etcd, with the manager's key from the
// cluster stack; an agent's service step stops the agent when it is deleted.
func TestAgentPool(t *testing.T) {
	devices := 3
	m, err := runPool(t, AgentPoolArgs{ClusterStack: clusterStackName, Nodes: []PoolNode{
		poolNode("bai-p1", "10.20.40.11", PoolAccelerator{Kind: "mock", Devices: &devices}),
		poolNode("bai-p2", "10.20.40.12"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, node := range []string{"bai-p1", "bai-p2"} {
		if got := m.names(node + "-"); !slices.Contains(got, node+"-docker") || !slices.Contains(got, node+"-agent-agent-service") ||
			!slices.Contains(got, node+"-rack2-storage-vfroot") || slices.Contains(got, node+"-rack2-storage-nfs-server") {
			t.Errorf("%s's steps: %v", node, got)
		}
		hosts := m.get(node + "-hosts").inputs["environment"].ObjectValue()["HOSTS_BLOCK"].StringValue()
		for _, line := range []string{"10.20.30.10 bai-m1", "10.20.30.30 bai-s1", "10.20.40.11 bai-p1", "10.20.40.12 bai-p2"} {
			if !strings.Contains(hosts, line) {
				t.Errorf("%s's /etc/hosts block lacks %q:\n%s", node, line, hosts)
			}
		}
		service := m.get(node + "-agent-agent-service").inputs
		if del := service["delete"]; !del.IsString() || !strings.Contains(del.StringValue(), "systemctl disable --now") {
			t.Errorf("%s's agent service step does not stop the agent when deleted: %v", node, del)
		}
	}
	config := m.get("bai-p1-agent-agent-config").inputs["environment"].ObjectValue()["CONFIG_TEXT"].StringValue()
	for _, want := range []string{"addr = {host = '10.20.30.10', port = 8120}", "id = 'i-bai-p1'", "advertised-host = '10.20.40.11'", "['ai.backend.accelerator.mock']"} {
		if !strings.Contains(config, want) {
			t.Errorf("bai-p1's agent.toml lacks %q:\n%s", want, config)
		}
	}
	if key := m.get("bai-p1-agent-rpc-keys").inputs["environment"].ObjectValue()["MANAGER_PUBLIC_KEY"]; key.StringValue() != "mock-manager-public-key" {
		t.Errorf("bai-p1's manager key: %v", key)
	}
	// The cluster's own nodes are the cluster stack's: the pool touches none of them.
	for _, node := range []string{"bai-m1", "bai-a01", "bai-s1"} {
		if got := m.names(node + "-"); len(got) > 0 {
			t.Errorf("the pool registered steps on the cluster's node %s: %v", node, got)
		}
	}
}

// TestAgentPoolRefuses: bad input is refused naming its field, before any step exists.
func TestAgentPoolRefuses(t *testing.T) {
	tests := []struct {
		name string
		args AgentPoolArgs
		want []string
	}{
		{"no cluster reference", AgentPoolArgs{Nodes: []PoolNode{poolNode("bai-p1", "10.20.40.11")}},
			[]string{"clusterStack: give the cluster stack's name"}},
		{"a node twice", AgentPoolArgs{ClusterStack: clusterStackName, Nodes: []PoolNode{
			poolNode("bai-p1", "10.20.40.11"), poolNode("bai-p1", "10.20.40.11")}},
			[]string{`nodes[1].name: "bai-p1" is already the name of nodes[0]`, "nodes[1].address: 10.20.40.11 is already the address of nodes[0]"}},
		{"a node of the cluster stack", AgentPoolArgs{ClusterStack: clusterStackName, Nodes: []PoolNode{poolNode("bai-a01", "10.20.30.20")}},
			[]string{`nodes[0].name: "bai-a01" is already the name of the cluster stack's node bai-a01`,
				"nodes[0].address: 10.20.30.20 is already the address of the cluster stack's node bai-a01"}},
		{"no login key", AgentPoolArgs{ClusterStack: clusterStackName, Nodes: []PoolNode{{Name: "bai-p1", Address: "10.20.40.11",
			Connection: HostConnection{Host: pulumi.String("10.20.40.11")}}}}, []string{"nodes[0].connection.privateKey: give it, or the pool's privateKey"}},
		{"a node the cluster's storage does not export to", AgentPoolArgs{ClusterStack: clusterStackName, Nodes: []PoolNode{poolNode("bai-p1", "10.20.99.11")}},
			[]string{"nodes[0].address: 10.20.99.11 is not among the NFS clients of the cluster's storage nodes: add it (or its network) to the cluster stack's storage.clients"}},
		{"no nodes", AgentPoolArgs{ClusterStack: clusterStackName}, []string{"nodes: at least one agent node is required"}},
		{"an unknown accelerator", AgentPoolArgs{ClusterStack: clusterStackName, Nodes: []PoolNode{
			poolNode("bai-p1", "10.20.40.11", PoolAccelerator{Kind: "tpu"})}}, []string{`nodes[0].accelerators[0].kind: unknown kind "tpu"`}},
		{"a stack that is not a cluster stack", AgentPoolArgs{ClusterStack: "organization/other/prod", Nodes: []PoolNode{poolNode("bai-p1", "10.20.40.11")}},
			[]string{`clusterStack: stack organization/other/prod has no output "agentPool"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &mocks{stacks: map[string]resource.PropertyMap{clusterStackName: clusterStackOutputs(t), "organization/other/prod": {}}}
			err := pulumi.RunErr(func(ctx *pulumi.Context) error {
				_, err := NewAgentPool(ctx, "rack2", tt.args)
				return err
			}, pulumi.WithMocks("p", "s", m))
			if err == nil {
				t.Fatal("the pool was accepted")
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the error does not say %q:\n%v", want, err)
				}
			}
			for _, r := range m.all {
				if r.typ == "backendai:remote:Script" {
					t.Errorf("a step was registered before the pool was refused: %s", r.name)
				}
			}
		})
	}
}

// TestClusterRefHoldsNoSecret: what a cluster stack exports for pools holds none of its
// secrets and no node's SSH login, and reads back as the cluster's settings.
func TestClusterRefHoldsNoSecret(t *testing.T) {
	c := storageCluster(t, "")
	ref, err := NewClusterRef(c)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(ref)
	for what, secret := range map[string]string{"dbPassword": "a-long-db-password", "storageProxySecret": "shared-secret",
		"storageProxyJWT": "jwt-secret", "the login key": loginKey, "a node's SSH": `"ssh":{"host":"10.20.30.10"`} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("the cluster reference holds %s", what)
		}
	}
	ref.ManagerPublicKey = "key"
	back, err := ref.cluster("cluster")
	if err != nil {
		t.Fatal(err)
	}
	if back.Version != c.Version || len(back.Nodes) != len(c.Nodes) || back.Sysctl["net.core.somaxconn"] != c.Sysctl["net.core.somaxconn"] ||
		back.Volumes()[0].Host != "10.20.30.30" {
		t.Errorf("the reference's settings read back as %+v", back)
	}
}
