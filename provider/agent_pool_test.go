package provider

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"golang.org/x/crypto/ssh"

	"github.com/backendai-infra/backendai-infra/components"
	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// clusterRef is a deployed cluster stack's output agentPool, as the pool's input
// cluster: a management node, an agent and an NFS storage node.
func clusterRef(t *testing.T) property.Value {
	t.Helper()
	cfg := map[string]string{
		"nodes": `[{"name":"bai-m1","address":"10.0.0.5","roles":["manager"]},
			{"name":"bai-a01","address":"10.0.0.21","roles":["agent"]},
			{"name":"bai-s1","address":"10.0.0.30","roles":["storage"],"docker":false}]`,
		"version": "26.8.1", "dbPassword": "a-long-db-password", "storageProxySecret": "shared-secret",
		"storageProxyJWT": "jwt-secret", "sshPrivateKey": testKey(t), "storage": `{"clients":["10.0.1.11", "10.0.1.12"]}`,
	}
	c, err := spec.Load(func(k string) (string, bool) { v, ok := cfg[k]; return v, ok }, nil)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := components.NewClusterRef(c)
	if err != nil {
		t.Fatal(err)
	}
	ref.ManagerPublicKey = "manager-public-key"
	raw, _ := json.Marshal(ref)
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return resource.FromResourcePropertyValue(resource.NewPropertyValue(v))
}

// testKey is a throwaway login key in OpenSSH form.
func testKey(t *testing.T) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(block))
}

func poolNode(name, address string) property.Value {
	return property.New(map[string]property.Value{
		"name": property.New(name), "address": property.New(address),
		"connection": property.New(map[string]property.Value{"host": property.New(address), "privateKey": property.New("k").WithSecret(true)}),
	})
}

// TestAgentPoolComponent: the provider constructs backendai:index:AgentPool from the
// cluster stack's output (given as cluster: the test monitor serves no stack
// reference, which the components' tests and the YAML pool's e2e test read) and its nodes: each node's host steps, its volume mount
// and its agent, the agent's service stopped when it is deleted; the pool's outputs.
func TestAgentPoolComponent(t *testing.T) {
	resp, got, err := construct(t, "AgentPool", "rack2", map[string]property.Value{
		"cluster": clusterRef(t),
		"nodes":   property.New([]property.Value{poolNode("bai-p1", "10.0.1.11"), poolNode("bai-p2", "10.0.1.12")}),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, node := range []string{"bai-p1", "bai-p2"} {
		for _, step := range []string{node + "-docker", node + "-rack2-storage-vfroot", node + "-agent-agent-config", node + "-agent-agent-service"} {
			if _, ok := got.children[step]; !ok {
				t.Errorf("the pool has no step %s", step)
			}
		}
		if del := got.children[node+"-agent-agent-service"].Inputs.Get("delete"); !strings.Contains(del.AsString(), "systemctl disable --now") {
			t.Errorf("%s's agent is not stopped when its step is deleted", node)
		}
	}
	var agents []string
	for _, a := range resp.State.Get("agents").AsArray().AsSlice() {
		agents = append(agents, a.AsString())
	}
	if !slices.Equal(agents, []string{"i-bai-p1", "i-bai-p2"}) || resp.State.Get("manager").AsString() != "http://10.0.0.5:8081" {
		t.Errorf("the pool's outputs: %v", resp.State)
	}
}

// TestAgentPoolComponentRefuses: a pool with no cluster reference, a node twice, or a
// node of the cluster stack is refused naming the field, before any step.
func TestAgentPoolComponentRefuses(t *testing.T) {
	ref := clusterRef(t)
	for _, tc := range []struct {
		name  string
		ref   bool
		nodes []property.Value
		want  string
	}{
		{"no cluster reference", false, []property.Value{poolNode("bai-p1", "10.0.1.11")}, "clusterStack: give the cluster stack's name"},
		{"a node twice", true, []property.Value{poolNode("bai-p1", "10.0.1.11"), poolNode("bai-p1", "10.0.1.12")},
			`nodes[1].name: "bai-p1" is already the name of nodes[0]`},
		{"a node of the cluster", true, []property.Value{poolNode("bai-a01", "10.0.1.11")},
			`nodes[0].name: "bai-a01" is already the name of the cluster stack's node bai-a01`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inputs := map[string]property.Value{"nodes": property.New(tc.nodes)}
			if tc.ref {
				inputs["cluster"] = ref
			}
			_, got, err := construct(t, "AgentPool", "rack2", inputs)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("construct: %v, want an error with %q", err, tc.want)
			}
			for name, r := range got.children {
				if r.TypeToken == "backendai:remote:Script" {
					t.Errorf("the refused pool registered the step %s", name)
				}
			}
		})
	}
}
