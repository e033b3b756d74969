//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backendai-infra/backendai-infra/internal/scripts"
	"github.com/backendai-infra/backendai-infra/internal/spec"
	"github.com/backendai-infra/backendai-infra/tests/standins"
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

// TestPlane: a cluster at the LTS line whose management plane grows from one node to
// three, each then an etcd member, Valkey with a Sentinel, PostgreSQL under Patroni
// behind HAProxy, and a manager, webserver and storage proxy; the third is the agent and
// the storage node too. The first up deploys one management node and the agent node,
// verified; the growth (checkGrowth) keeps its data, and the verification passes again
// (the agent registered, a session ran); the plane's check found every member healthy,
// and the test reads the same on the hosts itself: etcd's three members, the Sentinels'
// master and two replicas, Patroni's leader and two streaming replicas, each manager
// answering, each webserver pointed at every manager. A preview then changes nothing.
// Then, each a subtest going on from the one before: a YAML stack adds an agent pool to
// the plane and takes it away again (checkAgentPool); the first node is gone while a
// session runs (checkFailover); an upgrade the database cannot take is refused before
// anything is installed (checkUpgradeRefused); the plane is upgraded to the newest
// release (checkPlaneUpgrade).
func TestPlane(t *testing.T) {
	parallel(t)
	// The LTS line, at a release whose database has the backported migration e1b7f3d20a94
	// (26.4.11 and later), which 26.8.3's migrations lack.
	const from = "26.4.16"
	s, stand, secrets := clusterStack(t, from, "bai-h1:manager", "bai-h2:manager", "bai-h3:manager,agent,storage")
	// The sandbox hosts share the machine's two cores: the agent keeps none for its node,
	// so that the running session and a new one fit at once during the failover (with
	// the default one core kept, the new one waits for a free core).
	s.setConfig([][2]string{{"services.appProxy.enabled", "false"}, {"agent.reserved.cpu", "0"}})
	s.setConfigValue("verify", map[string]any{"apps": []any{}})
	s.noApps = true
	members := []string{"bai-h1", "bai-h2", "bai-h3"}
	plane := s.nodeList()
	// One management node first: bai-h1, and bai-h3 the agent and storage node.
	var single []map[string]any
	for _, n := range plane {
		switch n["name"] {
		case "bai-h1":
			single = append(single, n)
		case "bai-h3":
			one := maps.Clone(n)
			one["roles"] = []any{"agent", "storage"}
			single = append(single, one)
		}
	}
	s.setConfigValue("nodes", single)
	out, took := s.pulumi("up", "--yes")
	t.Logf("first pulumi up of one management node and an agent: %s", took.Round(1e9))
	noSecrets(t, "the output of up", out, secrets)
	checkVerification(t, s, from, "i-bai-h3")
	if !t.Run("grows to three management nodes", func(t *testing.T) { checkGrowth(t, s.on(t), from, plane, members, secrets) }) {
		t.FailNow()
	}
	s.pulumi("preview", "--expect-no-changes")
	// Another stack adds an agent pool to the plane, and takes it away again.
	if !t.Run("agent pool", func(t *testing.T) {
		checkAgentPool(t, s.on(t), from, stand.Images.Kernel, secrets, members[0], "i-bai-h3")
	}) {
		t.FailNow()
	}
	if !t.Run("a management node stops", func(t *testing.T) { checkFailover(t, s.on(t), stand, from, secrets, members) }) {
		t.FailNow()
	}
	if !t.Run(midRelease+" is refused", func(t *testing.T) { checkUpgradeRefused(t, s.on(t), from, midRelease, members) }) {
		t.FailNow()
	}
	t.Run("to "+newestRelease, func(t *testing.T) { checkPlaneUpgrade(t, s.on(t), members, newestRelease, secrets) })
	s.pulumi("destroy", "--yes")
	s.pulumi("stack", "rm", "--yes")
}

// checkGrowth: a verified single management node (members[0]) with data of its users (a
// vfolder, the sessions the verification ran) grows to the plane of members (nodes,
// the stack's nodes then). The plan deletes nothing but the halfstack and the node's own
// RPC keypair, and replaces nothing; after the up the cluster is verified, the plane is
// whole, the data and the schema's revision are kept, and the halfstack's containers are
// stopped.
func checkGrowth(t *testing.T, s *sandbox, version string, nodes []map[string]any, members []string, secrets map[string]string) {
	t.Helper()
	first := members[0]
	client := s.adminClient(s.nodes()[first])
	const folder = "kept-in-growth"
	s.ssh(first, client+"vfolder create "+folder+" local:"+spec.DefaultVolume+" >/dev/null")
	const count = "SELECT count(*) FROM sessions"
	sessions := s.ssh(first, "docker exec -u postgres backendai-half-db psql -d backend -tAc '"+count+"'")
	head := schemaHead(t, s, first)

	s.setConfigValue("nodes", nodes)
	preview, _ := s.pulumi("preview", "--json")
	var plan struct {
		Steps []struct{ Op, URN string }
	}
	if err := json.Unmarshal([]byte(preview), &plan); err != nil {
		t.Fatalf("preview --json: %v\n%s", err, preview)
	}
	var deleted []string
	for _, st := range plan.Steps {
		name := st.URN[strings.LastIndex(st.URN, "::")+2:]
		switch st.Op {
		case "delete":
			deleted = append(deleted, name)
		case "same", "update", "create":
		default:
			t.Errorf("the growth's plan: %s %s", st.Op, name)
		}
	}
	slices.Sort(deleted)
	if want := []string{first + "-mgmt-halfstack", first + "-mgmt-rpc-keypair"}; !slices.Equal(deleted, want) {
		t.Errorf("the growth's plan deletes %v, want %v", deleted, want)
	}
	out, took := s.pulumi("up", "--yes")
	t.Logf("growing one management node to %d (pulumi up): %s", len(members), took.Round(time.Second))
	noSecrets(t, "the output of the growth", out, secrets)
	checkVerification(t, s, version, "i-bai-h3")
	checkPlane(t, s, members)
	if list := s.ssh(first, client+"vfolder list 2>&1"); !strings.Contains(list, folder) {
		t.Errorf("the vfolder %s made before the growth is gone:\n%s", folder, list)
	}
	after := s.ssh(first, "psql -h 127.0.0.1 -p 8100 -U postgres -d backend -tAc '"+count+"'")
	before, err1 := strconv.Atoi(sessions)
	kept, err2 := strconv.Atoi(after)
	if err1 != nil || err2 != nil || before == 0 || kept < before {
		t.Errorf("sessions in the database: %s before the growth, %s after", sessions, after)
	}
	t.Logf("sessions in the database: %s before the growth, %s after", sessions, after)
	if got := schemaHead(t, s, first); got != head {
		t.Errorf("the schema's revision went from %s to %s in the growth", head, got)
	}
	// The manager stopped just before the copy, and ran again with the plane's files.
	down := s.ssh(first, "echo $(( $(date -d \"$(systemctl show -p ActiveEnterTimestamp --value backendai-manager)\" +%s) - $(stat -c %Y "+
		scripts.PlaneGrowthDir+"/backend.sql) ))")
	if n, err := strconv.Atoi(down); err != nil || n <= 0 {
		t.Errorf("%s's manager did not start after the halfstack's copy (%q s after it)", first, down)
	}
	t.Logf("%s's manager ran again %s s after the halfstack's copy", first, down)
	if running := s.ssh(first, "docker ps -q --filter name=backendai-half-"); running != "" {
		t.Errorf("the halfstack's containers still run on %s after the growth: %s", first, running)
	}
	if policy := s.ssh(first, "docker inspect -f '{{.HostConfig.RestartPolicy.Name}}' backendai-half-db backendai-half-redis backendai-half-etcd | sort -u"); policy != "no" {
		t.Errorf("the halfstack's containers on %s restart by themselves after the growth: %q", first, policy)
	}
}

// checkPlane: the plane's check found every member, and so do the hosts; each node's
// HAProxy reaches a storage proxy for its manager.
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
		// The managers' way to the storage proxies: the node's HAProxy answers for them.
		if got := s.ssh(m, "curl -s -m 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:16022/ || true"); got == "000" || got == "" {
			t.Errorf("%s: no storage proxy answers through HAProxy on 127.0.0.1:16022", m)
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

// checkFailover: with a session running, the first management node is gone (hostGone:
// the Valkey master, an etcd member and a manager go with it, and PostgreSQL's primary
// when it holds it). Through the second node (its manager's API, its webserver's
// login) the cluster lists the running session, logs in, starts a new session and makes
// a vfolder (through a storage proxy that answers) within failoverBound; the time each
// took is printed. The node then comes back, and the next up
// converges and is verified, the plane whole again.
func checkFailover(t *testing.T, s *sandbox, stand *standins.Sandbox, version string, secrets map[string]string, members []string) {
	t.Helper()
	nodes := s.nodes()
	first, second := members[0], members[1]
	// The client beside the second node's manager, installed as the verification's is.
	home := s.ssh(first, "sed -n 's/^home = //p' /home/bai/client/.venv/pyvenv.cfg")
	if _, err := s.sshScript(second, scripts.Packages, scripts.Env(scripts.PackagesInput{Dir: "/home/bai/client",
		Python: home + "/python3", Package: "backend.ai-client", Version: version, IndexURL: stand.IndexURL, User: "bai"})); err != nil {
		t.Fatalf("the client on %s: %v", second, err)
	}
	client := s.adminClient(nodes[second])
	image := stand.Images.Kernel
	s.ssh(second, client+"session create --name ha-running -t ha-running "+image+" >/dev/null")
	a := s.superadmin()
	login := fmt.Sprintf(`curl -fsS -m 10 -H 'Content-Type: application/json' -d '{"username": %q, "password": %q}' http://%s:8090/server/login`,
		a.Email, a.Password, nodes[second])

	hostGone.on(s, first)
	stopped, back := time.Now(), false
	defer func() {
		if !back { // a check stopped the test before the node came back
			hostGone.off(s, first)
		}
	}()
	// Each check is a command run on the second node, tried again until it prints want or
	// failoverBound has passed, with TRY set to the try's number; undo runs after a try
	// that failed. The checks run side by side, so that each one's time is its own.
	checks := []struct {
		name, command, want, undo string
		limit                     time.Duration
	}{
		{"the API lists the running session", client + "session list 2>&1", "ha-running", "", 30 * time.Second},
		{"a login through the webserver", login + " 2>&1", `"authenticated": true`, "", 30 * time.Second},
		// A try that failed ends its session, so that it holds no core the next try needs.
		{"a new session runs", client + "run --rm -q -t ha-new-$TRY " + image + ` -c 'print("hello")' 2>&1`, "hello",
			client + "session destroy -f ha-new-$TRY >/dev/null 2>&1", 120 * time.Second},
		// Through the second node's HAProxy to a storage proxy that answers.
		{"a vfolder is made", client + "vfolder create ha-vfolder-$TRY local:" + spec.DefaultVolume + " 2>&1", "is created.",
			client + "vfolder delete ha-vfolder-$TRY >/dev/null 2>&1", 30 * time.Second},
	}
	after, last := make([]time.Duration, len(checks)), make([]string, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Go(func() {
			for try := 1; time.Since(stopped) < failoverBound; try++ {
				env := map[string]string{"TRY": fmt.Sprint(try)}
				out, _ := s.sshScript(second, fmt.Sprintf("timeout %d bash -c %s", int(c.limit.Seconds()), shellQuote(c.command)), env)
				if last[i] = out; strings.Contains(out, c.want) {
					after[i] = time.Since(stopped)
					return
				}
				if c.undo != "" {
					_, _ = s.sshScript(second, "timeout 30 bash -c "+shellQuote(c.undo), env)
				}
				time.Sleep(2 * time.Second)
			}
		})
	}
	wg.Wait()
	for i, c := range checks {
		if after[i] == 0 {
			t.Errorf("%s gone: %s through %s does not work within %s; the last try:\n%s", first, c.name, second, failoverBound, tail(last[i], 15))
			continue
		}
		t.Logf("%s gone: %s through %s after %s", first, c.name, second, after[i].Round(time.Second))
	}
	report, _ := s.sshScript(second, "valkey-cli -p 26379 SENTINEL get-master-addr-by-name backendai | paste -sd:; curl -fsS http://127.0.0.1:8008/cluster", nil)
	t.Logf("the plane with %s gone: %s", first, report)
	if t.Failed() {
		for _, m := range members[1:] {
			logs, _ := s.sshScript(m, "journalctl -u backendai-manager -u backendai-webserver -u backendai-agent --since -3min --no-pager | grep -E 'ERROR|WARNING' | grep -v 'idle policy not found' | tail -n 20", nil)
			t.Logf("%s's services, their last warnings:\n%s", m, logs)
		}
	}
	// The running session has served; the verification's two sessions need both cores.
	if out, err := s.sshScript(second, "timeout 60 bash -c "+shellQuote(client+"session destroy ha-running 2>&1"), nil); err != nil {
		t.Errorf("ending ha-running through %s: %v\n%s", second, err, tail(out, 5))
	}
	// Whatever the failover did, the node comes back and the next up converges.
	hostGone.off(s, first)
	back = true
	// A refresh reads every host step back (the node's among them); the plane's check and
	// the verification run again, so that what they report is the plane as it is now.
	out, took := s.pulumi("up", "--yes", "--refresh", "--replace", s.urn("bai-h1-plane-check"), "--replace", s.urn("verification-checks"))
	t.Logf("the up after %s came back: %s", first, took.Round(time.Second))
	noSecrets(t, "the output of the up after the failover", out, secrets)
	checkVerification(t, s, version, "i-bai-h3")
	checkPlane(t, s, members)
}

// checkUpgradeRefused: the plane at from, its database at a revision that to's
// migrations lack, set to to: the up stops at the schema preflight on the first node,
// naming the revision and both releases, before anything is installed: every node's
// venvs are still from's and no service restarted. The stack goes back to from.
func checkUpgradeRefused(t *testing.T, s *sandbox, from, to string, members []string) {
	t.Helper()
	started := map[string]map[string]string{}
	for _, m := range members {
		started[m] = s.serviceStarts(m)
	}
	agent := s.agentStart(members[2])
	release, _ := releaseConfig(t, s, to)
	s.setConfig(release)
	out := s.pulumiFails("up", "--yes")
	for _, want := range []string{"the database is at revision e1b7f3d20a94, which Backend.AI " + to + "'s migrations do not contain",
		"nothing was installed, the cluster still runs Backend.AI " + from} {
		if !strings.Contains(out, want) {
			t.Errorf("the up to %s does not stop with %q:\n%s", to, want, tail(out, 20))
		}
	}
	for _, m := range members {
		if got := s.servicesRelease(m); got != from {
			t.Errorf("%s's services after the refused upgrade: %q, want %s", m, got, from)
		}
		if now := s.serviceStarts(m); !maps.Equal(now, started[m]) {
			t.Errorf("the refused upgrade restarted a service on %s: %v, then %v", m, started[m], now)
		}
	}
	if s.agentStart(members[2]) != agent {
		t.Errorf("the refused upgrade restarted the agent on %s", members[2])
	}
	release, _ = releaseConfig(t, s, from)
	s.setConfig(release)
	s.pulumi("preview", "--expect-no-changes")
}

// checkPlaneUpgrade: the plane goes to a newer release. The plan installs it on every
// node and migrates the schema on the first node alone; the up restarts the managers one
// at a time, in the nodes' order; the plane is whole and the cluster verified after it.
func checkPlaneUpgrade(t *testing.T, s *sandbox, members []string, to string, secrets map[string]string) {
	t.Helper()
	before := schemaHead(t, s, members[0])
	release, _ := releaseConfig(t, s, to)
	s.setConfig(release)
	plan := s.changes()
	t.Logf("the plan of the plane's upgrade to %s (pulumi preview): %v", to, plan)
	for _, m := range members {
		for _, step := range []string{"manager-package", "webserver-package", "storage-proxy-package", "manager-service"} {
			if !slices.Contains(plan, m+"-mgmt-"+step) {
				t.Errorf("the plan of the upgrade to %s does not update %s-mgmt-%s", to, m, step)
			}
		}
	}
	if schema := slices.DeleteFunc(slices.Clone(plan), func(step string) bool { return !strings.HasSuffix(step, "-mgmt-schema") }); !slices.Equal(schema, []string{members[0] + "-mgmt-schema"}) {
		t.Errorf("the plan of the upgrade to %s migrates the schema in %v, want on %s alone", to, schema, members[0])
	}
	out, took := s.pulumi("up", "--yes")
	t.Logf("the plane's upgrade to %s (pulumi up): %s", to, took.Round(time.Second))
	noSecrets(t, "the output of the plane's upgrade", out, secrets)
	var starts []int
	for _, m := range members {
		if got := s.servicesRelease(m); got != to {
			t.Errorf("%s's services' releases after the upgrade to %s: %q", m, to, got)
		}
		// One kernel under every sandbox host: one monotonic clock.
		start, err := strconv.Atoi(s.serviceStarts(m)["manager"])
		if err != nil {
			t.Fatalf("%s's manager start: %v", m, err)
		}
		starts = append(starts, start)
	}
	if !slices.IsSorted(starts) {
		t.Errorf("the managers of %v restarted at %v µs, not one after another in the nodes' order", members, starts)
	}
	if head := schemaHead(t, s, members[0]); head == before {
		t.Errorf("the schema stayed at %s after the upgrade to %s", head, to)
	}
	checkVerification(t, s, to, "i-bai-h3")
	checkPlane(t, s, members)
}

// failoverBound is how long the cluster may take to work again through the remaining
// management nodes: Patroni's leader lock lives 30 s (ttl) and the Sentinels call the
// master down after 5 s, but Backend.AI's services find the new Valkey master only once
// their connections to the lost node's Sentinel fail (about 25 s each, the plane's
// tcp_retries2), and the webserver sends logins again to a manager only once its health
// probe finds it ready. Measured: the API answered again after 1m48s, a new session ran
// after 2m6s and a login after 2m35s (docs/measured.md).
const failoverBound = 6 * time.Minute

// shellQuote is s as one single-quoted shell word.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
