//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// checkAgentPool: a Pulumi YAML program of its own stack (examples/yaml-agent-pool) adds
// an agent pool of two more sandbox hosts to s's cluster, through the cluster stack's
// output agentPool (a stack reference), once the cluster exports its volumes to the
// pool's nodes (storage.clients; refused before): up → both agents ALIVE in the manager, and a
// session runs on each → a no-change preview → a node removed from the pool: its agent
// stopped and disabled, the manager marks it gone, the other runs on → destroy with the
// other's host gone: it fails naming the host's step, which the operator forgets, and the
// destroy ends; its files and the cluster untouched → the cluster's
// verification, run again, passes, with the cluster's own agents. image is the
// session's image; mgmt the (first) management node, where the client is.
func checkAgentPool(t *testing.T, s *sandbox, version, image string, secrets map[string]string, mgmt string, agents ...string) {
	t.Helper()
	manager := s.nodes()[mgmt]
	added := s.must("bash", "tests/sandbox/sandbox.sh", "add", "bai-p1", "bai-p2")
	forward(t, s, "bai-p1", "bai-p2")

	dir := filepath.Join(s.root, "examples", "yaml-agent-pool")
	t.Cleanup(func() { _ = os.Remove(filepath.Join(dir, "Pulumi."+s.stack+".yaml")) })
	in := func(args ...string) []string { return append(args, "--cwd", dir) }
	s.pulumi(in("stack", "init")...)
	s.pulumi(in("config", "set", "clusterStack", "organization/backendai-cluster/"+s.stack)...)
	i := 0
	var addresses []string
	for _, line := range strings.Split(strings.TrimSpace(added), "\n") {
		f := strings.Fields(line)
		if len(f) != 5 || !strings.HasPrefix(f[0], "bai-p") {
			continue // sandbox.sh's log lines
		}
		addresses = append(addresses, f[1])
		node := fmt.Sprintf("nodes[%d].", i)
		for k, v := range map[string]string{"name": f[0], "address": f[1], "connection.host": "127.0.0.1", "connection.port": f[2],
			"connection.hostKey": f[3] + " " + f[4], "accelerators[0].kind": "mock", "accelerators[0].devices": "1"} {
			s.pulumi(in("config", "set", "--path", node+k, v)...)
		}
		i++
	}
	if i != 2 {
		t.Fatalf("sandbox.sh add printed %d hosts:\n%s", i, added)
	}
	s.setSecretIn(dir, "sshPrivateKey", secrets["sshPrivateKey"])
	var out string

	// The cluster's storage node exports the volumes to its own nodes: the pool is
	// refused, naming the nodes, until the cluster stack adds them to storage.clients.
	out = s.pulumiFails(in("preview")...)
	if !strings.Contains(out, "nodes[0].address: "+addresses[0]+" is not among the NFS clients of the cluster's storage nodes") {
		t.Errorf("the pool's preview does not name the node its cluster does not export to:\n%s", tail(out, 20))
	}
	s.setConfig([][2]string{{"storage.clients[0]", addresses[0]}, {"storage.clients[1]", addresses[1]}})
	var server string
	for _, n := range s.nodeList() {
		if roles, _ := n["roles"].([]any); slices.Contains(roles, any("storage")) {
			server = n["name"].(string)
		}
	}
	if got := s.changes(); !slices.Contains(got, server+"-storage-nfs-server") {
		t.Errorf("adding the pool's nodes to storage.clients changes %v, not the NFS server", got)
	}
	s.pulumi("up", "--yes")

	out, took := s.pulumi(in("up", "--yes")...)
	t.Logf("pulumi up of the YAML agent pool (2 nodes): %s", took)
	noSecrets(t, "the pool's up", out, secrets)
	if !strings.Contains(out, "backendai:index:AgentPool") || !strings.Contains(out, "bai-p2-agent-agent-service") {
		t.Errorf("the pool's up did not construct the AgentPool and its agents:\n%s", tail(out, 30))
	}
	checkAgents(t, s, manager, map[string]int{"i-bai-p1": 1, "i-bai-p2": 1})
	if got, _ := s.pulumi(in("stack", "output", "agents", "--json")...); strings.Join(strings.Fields(got), "") != `["i-bai-p1","i-bai-p2"]` {
		t.Errorf("the pool's agents output: %s", got)
	}
	// The pool's agents reach the cluster's etcd as its own agents do: every member of a
	// management plane.
	etcd := `/home/bai/agent/.venv/bin/python -c 'import json, tomllib; print(json.dumps(tomllib.load(open("/home/bai/agent/agent.toml", "rb"))["etcd"]["addr"]))'`
	if own, pool := s.ssh(strings.TrimPrefix(agents[0], "i-"), etcd), s.ssh("bai-p1", etcd); own != pool {
		t.Errorf("the pool's agent reaches etcd at %s, the cluster's own agents at %s", pool, own)
	} else {
		t.Logf("the pool's agents reach etcd as the cluster's do: %s", pool)
	}
	for _, agent := range []string{"i-bai-p1", "i-bai-p2"} {
		run := s.adminClient(manager) + "run --rm -q --assign-agent " + agent + " " + image + ` -c 'print("hello from the pool")' 2>&1`
		if got := s.ssh(mgmt, run+" || true"); !strings.Contains(got, "hello from the pool") {
			t.Errorf("a session assigned to %s: %s", agent, got)
		}
	}
	s.pulumi(in("preview", "--expect-no-changes")...)
	state, _ := s.pulumi(in("stack", "export")...)
	noSecrets(t, "the pool's state", state, secrets)

	// A node leaves the pool: its agent stops, the other runs on.
	started := s.agentStart("bai-p1")
	s.pulumi(in("config", "rm", "--path", "nodes[1]")...)
	s.pulumi(in("up", "--yes")...)
	checkAgentGone(t, s, mgmt, manager, "bai-p2")
	if s.agentStart("bai-p1") != started {
		t.Error("removing bai-p2 from the pool restarted bai-p1's agent")
	}
	checkAgents(t, s, manager, map[string]int{"i-bai-p1": 1})

	// A host that is gone does not hold a destroy for ever. bai-p1 stops answering (its
	// container frozen): the destroy fails within a minute, naming the step whose delete
	// needs the host (its agent's stop); the operator forgets that step, as the README
	// says (`pulumi state delete`), and the destroy ends. The host comes back, and its
	// agent is stopped by hand, as it would be with the host.
	hostStops.on(s, "bai-p1")
	start := time.Now()
	out = s.pulumiFails(in("destroy", "--yes")...)
	took = time.Since(start)
	t.Logf("destroy of the pool with bai-p1 gone: failed in %s", took.Round(100*time.Millisecond))
	if !regexp.MustCompile(`bai-p1-agent-agent-service\):\s+error: .*stopped answering|bai-p1-agent-agent-service\):\s+error: .*no SSH banner`).MatchString(out) || took > 90*time.Second {
		t.Errorf("the destroy with bai-p1 gone does not fail within 90s naming its agent's service step:\n%s", tail(out, 20))
	}
	s.pulumi(in("state", "delete", "--yes", s.urn("bai-p1-agent-agent-service", "--cwd", dir))...)
	s.pulumi(in("destroy", "--yes")...)
	hostStops.off(s, "bai-p1")
	s.ssh("bai-p1", "systemctl disable --now --quiet backendai-agent")
	checkAgentGone(t, s, mgmt, manager, "bai-p1")
	if got := s.ssh("bai-p1", "id -u bai; test -f /home/bai/agent/agent.toml && echo kept"); got != "1100\nkept" {
		t.Errorf("bai-p1 after the pool's destroy (the account, the agent's config): %q", got)
	}
	s.pulumi(in("stack", "rm", "--yes")...)

	// The cluster works as before: its verification, run again, passes.
	s.pulumi("up", "--yes", "--replace", s.urn("verification-checks"))
	checkVerification(t, s, version, agents...)
}

// checkAgentGone: the node's agent is stopped and disabled, and the manager (at manager,
// asked from mgmt) marks it gone (TERMINATED), within two minutes.
func checkAgentGone(t *testing.T, s *sandbox, mgmt, manager, node string) {
	t.Helper()
	if got := s.ssh(node, "systemctl is-active backendai-agent; systemctl is-enabled backendai-agent || true"); got != "inactive\ndisabled" {
		t.Errorf("%s's agent after it left the pool: %q, want inactive and disabled", node, got)
	}
	client := s.adminClient(manager) + "--output json admin agent list -s TERMINATED"
	var list struct {
		Items []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"items"`
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		out := s.ssh(mgmt, client+" 2>&1 || true")
		if json.Unmarshal([]byte(out), &list) == nil {
			for _, a := range list.Items {
				if a.ID == "i-"+node && a.Status == "TERMINATED" {
					t.Logf("the manager marks i-%s %s", node, a.Status)
					return
				}
			}
		}
		if time.Now().After(deadline) {
			t.Errorf("the manager does not mark i-%s TERMINATED within two minutes:\n%s", node, out)
			return
		}
		time.Sleep(3 * time.Second)
	}
}
