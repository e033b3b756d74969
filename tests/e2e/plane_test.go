//go:build e2e

package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

// planeReport is the stack output plane: what the plane's check found.
type planeReport struct {
	EtcdHealthy, EtcdMembers    int
	RedisMaster                 string
	RedisReplicas, Sentinels    int
	PostgresLeader              string
	PostgresStreaming           int
	ManagersAnswering, Managers int
}

// TestPlane: a cluster whose management plane is three nodes, each an etcd member,
// Valkey with a Sentinel, PostgreSQL under Patroni behind HAProxy, and a manager,
// webserver and storage proxy, beside an agent. The up converges and the verification
// passes (the agent registered, a session ran); the plane's check found every member
// healthy, and the test reads the same on the hosts itself: etcd's three members, the
// Sentinels' master and two replicas, Patroni's leader and two streaming replicas, each
// manager answering, each webserver pointed at every manager. A preview then changes
// nothing.
func TestPlane(t *testing.T) {
	t.Parallel()
	s, _, secrets := clusterStack(t, midRelease, "bai-h1:manager", "bai-h2:manager", "bai-h3:manager", "bai-h4:agent,storage")
	s.setConfig([][2]string{{"services.appProxy.enabled", "false"}})
	s.setConfigValue("verify", map[string]any{"apps": []any{}})
	s.noApps = true
	out, took := s.pulumi("up", "--yes")
	t.Logf("first pulumi up of a plane of three management nodes and an agent: %s", took.Round(1e9))
	noSecrets(t, "the output of up", out, secrets)
	checkVerification(t, s, midRelease, "i-bai-h4")
	checkPlane(t, s, []string{"bai-h1", "bai-h2", "bai-h3"})
	s.pulumi("preview", "--expect-no-changes")
	s.pulumi("destroy", "--yes")
	s.pulumi("stack", "rm", "--yes")
}

// checkPlane: the plane's check found every member, and so do the hosts.
func checkPlane(t *testing.T, s *sandbox, members []string) {
	t.Helper()
	raw, _ := s.pulumi("stack", "output", "plane", "--json")
	var p planeReport
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		t.Fatalf("stack output plane: %v\n%s", err, raw)
	}
	n := len(members)
	if p.EtcdHealthy != n || p.RedisReplicas != n-1 || p.Sentinels != n || p.PostgresStreaming != n-1 || p.ManagersAnswering != n {
		t.Errorf("the plane's check: %+v, want %d healthy etcd members, Sentinels and managers, %d Valkey and PostgreSQL replicas", p, n, n-1)
	}
	t.Logf("the plane: %+v", p)
	nodes := s.nodes()
	for _, m := range members {
		if got := s.ssh(m, "ETCDCTL_API=3 etcdctl --endpoints=http://127.0.0.1:8120 endpoint health --cluster 2>&1 | grep -c 'is healthy'"); got != "3" {
			t.Errorf("%s: etcd reports %s healthy members, want 3", m, got)
		}
		if got := s.ssh(m, "valkey-cli -p 26379 SENTINEL replicas backendai | grep -c '^flags$'"); got != "2" {
			t.Errorf("%s's Sentinel knows %s replicas, want 2", m, got)
		}
		web := s.ssh(m, "cat /home/bai/webserver/webserver.conf")
		for _, other := range members {
			if !strings.Contains(web, "http://"+nodes[other]+":8081") {
				t.Errorf("%s's webserver is not pointed at %s's manager", m, other)
			}
		}
	}
	cluster := s.ssh(members[0], "curl -fsS http://127.0.0.1:8008/cluster")
	var c struct {
		Members []struct{ Name, Role, State string }
	}
	if err := json.Unmarshal([]byte(cluster), &c); err != nil {
		t.Fatalf("Patroni's cluster: %v\n%s", err, cluster)
	}
	leaders, streaming := 0, 0
	for _, m := range c.Members {
		switch {
		case m.Role == "leader":
			leaders++
		case m.State == "streaming":
			streaming++
		}
	}
	if leaders != 1 || streaming != n-1 {
		t.Errorf("Patroni: %d leaders and %d streaming replicas, want 1 and %d: %s", leaders, streaming, n-1, cluster)
	}
}
