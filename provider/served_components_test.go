package provider

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"

	"github.com/backendai-infra/backendai-infra/tests/tlscert"
)

// steps are the names of the scripts a component registered, sorted.
func (c *constructed) steps() []string {
	var out []string
	for name, r := range c.children {
		if r.TypeToken == "backendai:remote:Script" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

func nodeValue(name, address string, roles ...string) property.Value {
	r := make([]property.Value, len(roles))
	for i, role := range roles {
		r[i] = property.New(role)
	}
	return property.New(map[string]property.Value{"name": property.New(name), "address": property.New(address), "roles": property.New(r)})
}

// TestManagementNodeComponent: the provider constructs backendai:index:ManagementNode,
// a management plane alone, from a Cluster's settings without agents: the manager's
// and the storage node's hosts, the NFS server and the manager's mount, the services;
// no agent and no verification; outputs as a Cluster's, and the manager's public key.
func TestManagementNodeComponent(t *testing.T) {
	in := clusterInputs(t)
	in["nodes"] = property.New([]property.Value{nodeValue("bai-m1", "10.0.0.5", "manager"), nodeValue("bai-s1", "10.0.0.30", "storage")})
	in["storage"] = property.New(map[string]property.Value{"clients": property.New([]property.Value{property.New("10.0.1.0/24")})})
	delete(in, "verify")
	resp, got, err := construct(t, "ManagementNode", "plane", in)
	if err != nil {
		t.Fatal(err)
	}
	steps := got.steps()
	for _, step := range []string{"bai-m1-docker", "bai-s1-facts", "bai-s1-storage-nfs-server", "bai-m1-storage-vfroot",
		"plane-webserver-config", "plane-manager-service", "plane-rpc-keypair", "plane-verify"} {
		if !slices.Contains(steps, step) {
			t.Errorf("the management plane has no step %s (it has %v)", step, steps)
		}
	}
	for _, step := range steps {
		if strings.Contains(step, "agent") || strings.HasPrefix(step, "verification") {
			t.Errorf("the management plane registered %s", step)
		}
	}
	exports := got.children["bai-s1-storage-nfs-server"].Inputs.Get("environment").AsMap().Get("SERVER_CONFIG").AsString()
	if !strings.Contains(exports, "10.0.1.0/24(") {
		t.Errorf("the exports name no pool network:\n%s", exports)
	}
	if key := resp.State.Get("managerPublicKey").AsString(); !strings.Contains(key, "manager-public-key") {
		t.Errorf("managerPublicKey: %q", key)
	}
	var ref struct {
		Release, Manager string
		Volumes          []string
	}
	if err := json.Unmarshal([]byte(resp.State.Get("agentPool").AsString()), &ref); err != nil || ref.Release != "26.8.1" ||
		ref.Manager != "http://10.0.0.5:8081" || !slices.Equal(ref.Volumes, []string{"local:nfs"}) {
		t.Errorf("agentPool (%v): %+v", err, ref)
	}
	if e := resp.State.Get("endpoints").AsMap(); e.Get("webserver").AsString() != "http://10.0.0.5:8090" {
		t.Errorf("endpoints: %v", e)
	}
	if !resp.State.Get("superadmin").Secret() {
		t.Errorf("the superadmin's login is not secret")
	}
}

// TestAgentNodeComponent: the provider constructs backendai:index:AgentNode, one node
// joining a deployed cluster: its host, its volume mount and its agent, stopped when it
// is deleted; its accelerator's package; its outputs.
func TestAgentNodeComponent(t *testing.T) {
	n := poolNode("bai-g1", "10.0.1.11").AsMap().Set("accelerators", property.New([]property.Value{
		property.New(map[string]property.Value{"kind": property.New("mock"), "devices": property.New(4.0)})}))
	resp, got, err := construct(t, "AgentNode", "bai-g1", map[string]property.Value{"cluster": clusterRef(t), "node": property.New(n)})
	if err != nil {
		t.Fatal(err)
	}
	steps := got.steps()
	for _, step := range []string{"bai-g1-docker", "bai-g1-hosts", "bai-g1-bai-g1-storage-vfroot", "bai-g1-agent-package",
		"bai-g1-accelerator-0-mock-package", "bai-g1-rpc-keys", "bai-g1-agent-config", "bai-g1-agent-service"} {
		if !slices.Contains(steps, step) {
			t.Errorf("the agent node has no step %s (it has %v)", step, steps)
		}
	}
	hosts := got.children["bai-g1-hosts"].Inputs.Get("environment").AsMap().Get("HOSTS_BLOCK").AsString()
	if !strings.Contains(hosts, "10.0.0.5") || !strings.Contains(hosts, "bai-g1") {
		t.Errorf("the node's hosts block:\n%s", hosts)
	}
	if del := got.children["bai-g1-agent-service"].Inputs.Get("delete"); !strings.Contains(del.AsString(), "systemctl disable --now") {
		t.Errorf("the agent is not stopped when its step is deleted")
	}
	if resp.State.Get("agent").AsString() != "i-bai-g1" || resp.State.Get("manager").AsString() != "http://10.0.0.5:8081" ||
		!strings.Contains(resp.State.Get("config").AsString(), "ai.backend.accelerator.mock") {
		t.Errorf("the agent node's outputs: %v", resp.State)
	}
}

// TestSharedStorageComponent: the provider constructs backendai:index:SharedStorage,
// storage nodes alone: each host without Docker, its NFS server exporting to the given
// clients; the volumes a cluster mounts by its storage settings.
func TestSharedStorageComponent(t *testing.T) {
	resp, got, err := construct(t, "SharedStorage", "nas", map[string]property.Value{
		"nodes": property.New([]property.Value{nodeValue("bai-s1", "10.0.0.30", "storage")}),
		"storage": property.New(map[string]property.Value{"name": property.New("data"),
			"clients": property.New([]property.Value{property.New("10.0.0.0/24")})}),
		"sshPrivateKey": property.New(testKey(t)).WithSecret(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"bai-s1-account", "bai-s1-facts", "bai-s1-hosts", "bai-s1-limits", "bai-s1-nas-nfs-server", "bai-s1-sysctl"}
	if steps := got.steps(); !slices.Equal(steps, want) {
		t.Errorf("the storage's steps: %v, want %v", steps, want)
	}
	exports := got.children["bai-s1-nas-nfs-server"].Inputs.Get("environment").AsMap().Get("SERVER_CONFIG").AsString()
	if !strings.Contains(exports, "/srv/backendai/data 10.0.0.0/24(rw,sync,no_subtree_check,all_squash,anonuid=1100,anongid=1100)") {
		t.Errorf("the exports:\n%s", exports)
	}
	v := resp.State.Get("volumes").AsArray().AsSlice()
	if len(v) != 1 || v[0].AsMap().Get("server").AsString() != "10.0.0.30" || v[0].AsMap().Get("export").AsString() != "/srv/backendai/data" ||
		v[0].AsMap().Get("name").AsString() != "data" {
		t.Errorf("volumes: %v", v)
	}
}

// TestAcceleratorComponent: the provider constructs backendai:index:Accelerator, a
// node's NVIDIA runtime: the driver's check and the Container Toolkit, reported.
func TestAcceleratorComponent(t *testing.T) {
	resp, got, err := construct(t, "Accelerator", "gpu1", map[string]property.Value{
		"connection": property.New(map[string]property.Value{"host": property.New("10.0.1.11"), "privateKey": property.New("k").WithSecret(true)}),
		"kind":       property.New("nvidia"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if steps := got.steps(); !slices.Equal(steps, []string{"gpu1-nvidia-toolkit"}) {
		t.Errorf("the accelerator's steps: %v", steps)
	}
	if repo := got.children["gpu1-nvidia-toolkit"].Inputs.Get("environment").AsMap().Get("NVIDIA_REPO").AsString(); repo != "https://nvidia.github.io/libnvidia-container" {
		t.Errorf("the toolkit's repository: %q", repo)
	}
	if resp.State.Get("module").AsString() != "ai.backend.accelerator.cuda_open" || !strings.HasPrefix(resp.State.Get("toolkit").AsString(), "docker:") {
		t.Errorf("the accelerator's outputs: %v", resp.State)
	}
}

// TestVerificationComponent: the provider constructs backendai:index:Verification
// against a deployed cluster from one of its nodes: Python, the client pinned to the
// release, the checks with the given agents and the admin's keypair as secrets.
func TestVerificationComponent(t *testing.T) {
	resp, got, err := construct(t, "Verification", "verify", map[string]property.Value{
		"cluster":    clusterRef(t),
		"connection": property.New(map[string]property.Value{"host": property.New("10.0.0.5"), "privateKey": property.New("k").WithSecret(true)}),
		"agents":     property.New([]property.Value{property.New("i-bai-a01"), property.New("i-bai-g1")}),
		"accessKey":  property.New("AKIAADMIN00000000001").WithSecret(true),
		"secretKey":  property.New("admin-secret-key").WithSecret(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	if steps := got.steps(); !slices.Equal(steps, []string{"verify-checks", "verify-client-package", "verify-python"}) {
		t.Errorf("the verification's steps: %v", steps)
	}
	checks := got.children["verify-checks"].Inputs
	env := checks.Get("environment").AsMap()
	if env.Get("AGENTS").AsString() != "i-bai-a01 i-bai-g1" || env.Get("MANAGER_URL").AsString() != "http://10.0.0.5:8081" ||
		env.Get("VERSION").AsString() != "26.8.1" || env.Get("VOLUMES").AsString() != "local:nfs" {
		t.Errorf("the checks' environment: %v", env)
	}
	if s := checks.Get("secretEnvironment"); !s.Secret() && !s.AsMap().Get("BACKEND_SECRET_KEY").Secret() {
		t.Errorf("the admin's keypair is not secret: %v", s)
	}
	if !strings.HasPrefix(resp.State.Get("result").AsString(), "verify-checks ran") {
		t.Errorf("result: %v", resp.State.Get("result"))
	}
}

// TestServedComponentsRefuse: each component's bad input is refused naming its field,
// before any step.
func TestServedComponentsRefuse(t *testing.T) {
	conn := property.New(map[string]property.Value{"host": property.New("10.0.1.11"), "privateKey": property.New("k").WithSecret(true)})
	plane := clusterInputs(t)
	plane["nodes"] = property.New([]property.Value{nodeValue("bai-m1", "10.0.0.5", "manager"), nodeValue("bai-a01", "10.0.0.21", "agent")})
	for _, tc := range []struct {
		name, typ string
		inputs    map[string]property.Value
		want      string
	}{
		{"a management plane with an agent", "ManagementNode", plane, `nodes[1].roles: a management plane has no agent`},
		{"an agent node without a cluster", "AgentNode", map[string]property.Value{"node": poolNode("bai-g1", "10.0.1.11")},
			"clusterStack: give the cluster stack's name"},
		{"an agent node of the cluster", "AgentNode", map[string]property.Value{"cluster": clusterRef(t), "node": poolNode("bai-a01", "10.0.1.11")},
			`node.name: "bai-a01" is already the name of the cluster stack's node bai-a01`},
		{"an agent node the storage does not export to", "AgentNode", map[string]property.Value{"cluster": clusterRef(t), "node": poolNode("bai-g9", "10.0.9.9")},
			"node.address: 10.0.9.9 is not among the NFS clients"},
		{"an agent node's unknown cluster", "AgentNode", map[string]property.Value{"cluster": property.New(property.Computed), "node": poolNode("bai-g1", "10.0.1.11")},
			"cluster: its value is not known yet"},
		{"storage without clients", "SharedStorage", map[string]property.Value{"nodes": property.New([]property.Value{nodeValue("bai-s1", "10.0.0.30", "storage")}),
			"storage": property.New(map[string]property.Value{}), "sshPrivateKey": property.New("k").WithSecret(true)}, "storage.clients: is required"},
		{"storage with a manager", "SharedStorage", map[string]property.Value{"nodes": property.New([]property.Value{nodeValue("bai-s1", "10.0.0.30", "storage", "manager")}),
			"storage":       property.New(map[string]property.Value{"clients": property.New([]property.Value{property.New("10.0.0.5")})}),
			"sshPrivateKey": property.New("k").WithSecret(true)}, "nodes[0].roles: a storage node serves the volumes, and only that"},
		{"a mock accelerator", "Accelerator", map[string]property.Value{"connection": conn, "kind": property.New("mock")}, `kind: "mock" has no step on the node`},
		{"a verification without a keypair", "Verification", map[string]property.Value{"cluster": clusterRef(t), "connection": conn},
			"accessKey: a superadmin's accessKey and secretKey are required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got, err := construct(t, tc.typ, "x", tc.inputs)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("construct: %v, want an error with %q", err, tc.want)
			}
			if steps := got.steps(); len(steps) > 0 {
				t.Errorf("the refused component registered the steps %v", steps)
			}
		})
	}
}

// TestManagementNodeOneNode: a management plane of one node with the role storage
// serves its volume over NFS (a whole cluster of one node keeps the local directory
// /vfroot/local of Backend.AI's docs/install/install-from-package/os-preparation.rst,
// 26.8.1), and an agent node joins it, mounting that volume; without the role storage it
// is refused.
func TestManagementNodeOneNode(t *testing.T) {
	in := clusterInputs(t)
	in["nodes"] = property.New([]property.Value{nodeValue("bai-m1", "10.0.0.5", "manager", "storage")})
	in["storage"] = property.New(map[string]property.Value{"clients": property.New([]property.Value{property.New("10.0.1.11")})})
	delete(in, "verify")
	resp, got, err := construct(t, "ManagementNode", "plane", in)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(got.steps(), "bai-m1-storage-nfs-server") {
		t.Errorf("the one-node plane serves no NFS: %v", got.steps())
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(resp.State.Get("agentPool").AsString()), &v); err != nil {
		t.Fatal(err)
	}
	ref := resource.FromResourcePropertyValue(resource.NewPropertyValue(v))
	_, joined, err := construct(t, "AgentNode", "bai-g1", map[string]property.Value{"cluster": ref, "node": poolNode("bai-g1", "10.0.1.11")})
	if err != nil {
		t.Fatal(err)
	}
	if env := joined.children["bai-g1-bai-g1-storage-vfroot"].Inputs.Get("environment").AsMap(); env.Get("VOLUMES").AsString() != "/vfroot/nfs=10.0.0.5:/srv/backendai/nfs" {
		t.Errorf("the agent node mounts %v", env.Get("VOLUMES"))
	}

	in["nodes"] = property.New([]property.Value{nodeValue("bai-m1", "10.0.0.5", "manager")})
	if _, _, err := construct(t, "ManagementNode", "plane", in); err == nil || !strings.Contains(err.Error(), "nodes: a management plane's volume is mounted by agents on other nodes") {
		t.Errorf("a one-node plane without storage: %v", err)
	}
}

// TestManagementNodeTLS: a management plane serves HTTPS with its certificate and key.
func TestManagementNodeTLS(t *testing.T) {
	certs := tlscert.New(t, "10.0.0.5")
	in := clusterInputs(t)
	in["nodes"] = property.New([]property.Value{nodeValue("bai-m1", "10.0.0.5", "manager", "storage")})
	in["storage"] = property.New(map[string]property.Value{"clients": property.New([]property.Value{property.New("10.0.1.11")})})
	in["services"] = property.New(map[string]property.Value{"tls": property.New(map[string]property.Value{"certificate": property.New(certs.Chain)})})
	in["tlsKey"] = property.New(certs.Key).WithSecret(true)
	delete(in, "verify")
	resp, got, err := construct(t, "ManagementNode", "plane", in)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(got.steps(), "plane-tls-key") || resp.State.Get("endpoints").AsMap().Get("webserver").AsString() != "https://10.0.0.5:8090" {
		t.Errorf("the plane's TLS: steps %v, endpoints %v", got.steps(), resp.State.Get("endpoints"))
	}
	worker := got.children["plane-app-proxy-worker-config"].Inputs.Get("environment").AsMap().Get("CONFIG_TEXT").AsString()
	if !strings.Contains(worker, "tls_listen = true") {
		t.Errorf("the App Proxy's worker does not serve HTTPS:\n%s", worker)
	}
}
