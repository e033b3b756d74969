//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/backendai-infra/backendai-infra/internal/fixtures"
	"github.com/backendai-infra/backendai-infra/internal/review"
	"github.com/backendai-infra/backendai-infra/internal/spec"
	"github.com/backendai-infra/backendai-infra/tests/catalog"
	"github.com/backendai-infra/backendai-infra/tests/standins"
	"github.com/backendai-infra/backendai-infra/tests/webui"
)

// TestUpPreviewChangeDestroy is the whole cluster end to end: `pulumi up` of the
// program prepares a management host and two agent hosts over real SSH, deploys the
// management node (halfstack healthy → etcd keys → schema → fixtures → services →
// image rescan) and both agents (with Backend.AI's mock accelerator plugin), which the
// manager lists ALIVE with their devices; the hosts are checked over SSH; a no-change
// preview and a second up change nothing; one agent's change touches that agent alone
// (no SSH session reaches the other); a changed sysctl value updates exactly the sysctl
// step on each host; a changed webserver title updates exactly the webserver's config
// and service; destroy leaves the hosts' data alone. Backend.AI is the real one, from
// PyPI through the caching index; only the halfstack's images (and the image the agents
// pull) are stand-ins (standIns), and the GPUs are the mock plugin's. The first up runs
// always; each scenario after it is a subtest on the one cluster, which can be run by
// name (-run 'TestUpPreviewChangeDestroy/drift') and names itself when it fails.
func TestUpPreviewChangeDestroy(t *testing.T) {
	parallel(t)
	version := newestRelease
	// A management node, two agents and an NFS storage node, as in the multi-node setup of
	// Backend.AI's docs/install/install-from-package.rst.
	s, _, secrets := clusterStack(t, version, "bai-m1:manager", "bai-a01:agent", "bai-a02:agent", "bai-s1:storage")
	nodes := s.nodes()
	// A title that holds every placeholder: it must reach webserver.conf as written.
	s.setConfig([][2]string{{"services.webserver.title", placeholderTitle}})
	// scenario runs one scenario of the test, which one can run by name
	// (-run 'TestUpPreviewChangeDestroy/drift'); the first up runs in any case.
	scenario := func(name string, f func(t *testing.T, s *sandbox)) { t.Run(name, func(t *testing.T) { f(t, s.on(t)) }) }

	scenario("a broken fixture file is refused", func(t *testing.T, s *sandbox) {
		// One broken character in a copy of example-users.json stops preview and up before
		// anything is planned, naming the file and the position, and printing none of its
		// passwords.
		s.setConfig([][2]string{{"fixtures[4]", "stacks/testdata/fixtures/broken-users.json"}})
		for _, args := range [][]string{{"preview"}, {"up", "--yes"}} {
			out := s.pulumiFails(args...)
			if !strings.Contains(out, "fixtures[4] (stacks/testdata/fixtures/broken-users.json): line 23, column 146: not valid JSON") {
				t.Errorf("pulumi %s does not name the broken file and position", args[0])
			}
			noSecrets(t, "pulumi "+args[0]+" with a broken fixture", out, secrets)
		}
		s.pulumi("config", "rm", "--path", "fixtures[4]")
	})

	sampled := sampleProcesses()
	out, took := s.profiledUp()
	sampled.stop()
	t.Logf("first pulumi up (4 hosts: the management node, 2 agents, the storage node): %s", took)
	// 1 stack, 1 cluster, 3 hosts with 7 steps each; the management node, its halfstack
	// step, 2 etcd key trees, 4 fixtures and 20 steps; 2 agents with 7 steps each and a
	// mock accelerator each (2 steps).
	if !strings.Contains(out, fmt.Sprintf("%d created", resources)) {
		t.Errorf("first up did not create %d resources:\n%s", resources, out)
	}
	noSecrets(t, "the output of up", out, secrets)
	if t.Failed() {
		t.FailNow()
	}
	admin := s.superadmin()
	secrets["the superadmin's secret key"], secrets["the superadmin's password"] = admin.SecretKey, admin.Password

	scenario("verified", func(t *testing.T, s *sandbox) {
		checkHosts(t, s, nodes)
		// The title is as written; no secret is in the webserver's file, units or run scripts.
		if got := s.ssh("bai-m1", "grep -F 'text = ' /home/bai/webserver/webserver.conf"); got != `text = '`+placeholderTitle+`'` {
			t.Errorf("webserver.conf's title: %s", got)
		}
		noSecrets(t, "the webserver's files, the units and run scripts on bai-m1", s.ssh("bai-m1",
			"cat /home/bai/webserver/webserver.conf /etc/systemd/system/backendai-*.service /home/bai/bin/run-*.sh"), secrets)
		checkSuperadmin(t, s, admin)
		checkManagementNode(t, s, "bai-m1", nodes["bai-m1"], secrets)
		checkAgents(t, s, nodes["bai-m1"], map[string]int{"i-bai-a01": 2, "i-bai-a02": 2})
		checkSharedVolume(t, s, "bai-a01", "bai-a02", "bai-m1")
		checkVFolder(t, s, nodes["bai-m1"], "bai-a02")
		if got, _ := s.pulumi("stack", "output", "endpoints", "--json"); !strings.Contains(got, `"webserver": "http://`+nodes["bai-m1"]+`:8090"`) {
			t.Errorf("the stack's endpoints: %s", got)
		}
		checkVerification(t, s, version, "i-bai-a01", "i-bai-a02")
		checkLogin(t, "http://"+nodes["bai-m1"]+":8090", version, "user@lablup.com")
		checkWebUI(t, "http://"+nodes["bai-m1"]+":8090", admin.Email, admin.Password, "2 / 2")
		checkUsersSee(t, s, nodes["bai-m1"])
		services, _ := s.pulumi("stack", "output", "services", "--json")
		t.Logf("the stack's services output:\n%s", services)
		if !strings.Contains(services, `"manager": "`+version+`"`) || !strings.Contains(services, `"title": "`) {
			t.Errorf("the services output does not show the manager's release and the Web UI")
		}
		checkAppProxy(t, s, nodes["bai-m1"])
	})

	started := s.serviceStarts("bai-m1")
	agentsStarted := map[string]string{"bai-a01": s.agentStart("bai-a01"), "bai-a02": s.agentStart("bai-a02")}
	scenario("no change", func(t *testing.T, s *sandbox) {
		_, took := s.pulumi("preview", "--expect-no-changes")
		t.Logf("no-change pulumi preview (4 hosts: the management node, 2 agents, the storage node): %s", took)
		_, took = s.pulumi("up", "--yes", "--expect-no-changes")
		t.Logf("second, no-change pulumi up (4 hosts: the management node, 2 agents, the storage node): %s", took)
		if again := s.serviceStarts("bai-m1"); !maps.Equal(again, started) {
			t.Errorf("a second up restarted services: %v, then %v", started, again)
		}
		for node, at := range agentsStarted {
			if again := s.agentStart(node); again != at {
				t.Errorf("a second up restarted the agent on %s", node)
			}
		}

	})

	scenario("a stopped agent fails the verification", func(t *testing.T, s *sandbox) {
		// The agent on bai-a02 is stopped, and the verification is run again (as an operator
		// would, by its URN): it fails naming the agent.
		s.ssh("bai-a02", "systemctl stop backendai-agent")
		out := s.pulumiFails("up", "--yes", "--replace", s.urn("verification-checks"))
		t.Logf("pulumi up --replace the verification, with the agent on bai-a02 stopped:\n%s", tail(out, 12))
		if !regexp.MustCompile(`verify: agents: i-bai-a02 is (TERMINATED|LOST|not registered)`).MatchString(out) || strings.Contains(out, "i-bai-a01 is") {
			t.Errorf("the verification with a stopped agent does not fail naming i-bai-a02 alone:\n%s", out)
		}
		noSecrets(t, "the failed verification's output", out, secrets)
		s.ssh("bai-a02", "systemctl start backendai-agent")
		checkAgents(t, s, nodes["bai-m1"], map[string]int{"i-bai-a01": 2, "i-bai-a02": 2})

	})

	scenario("a stopped App Proxy worker fails the verification", func(t *testing.T, s *sandbox) {
		// The verification's apps check fails, naming the worker.
		s.ssh("bai-m1", "systemctl stop backendai-app-proxy-worker")
		out := s.pulumiFails("up", "--yes", "--replace", s.urn("verification-checks"))
		t.Logf("pulumi up --replace the verification, with the App Proxy's worker stopped:\n%s", tail(out, 8))
		if !strings.Contains(out, "verify: apps: jupyter:") || !strings.Contains(out, "App Proxy worker") {
			t.Errorf("the verification with the App Proxy's worker stopped does not fail naming it:\n%s", out)
		}
		noSecrets(t, "the failed verification's output", out, secrets)
		s.ssh("bai-m1", "systemctl start backendai-app-proxy-worker")
	})

	scenario("one agent's change touches that agent alone", func(t *testing.T, s *sandbox) {
		// The change reruns that agent's steps (and the verification): no SSH session reaches
		// the other agent, which keeps running as it was.
		s.pulumi("config", "set", "--path", "nodes[2].accelerators[0].devices", "3")
		if got, want := s.changes(), []string{"bai-a02-agent-accelerator-0-mock-mock-devices", "bai-a02-agent-agent-service", "verification-checks"}; !slices.Equal(got, want) {
			t.Errorf("the change of bai-a02's accelerator touches %v, want exactly %v", got, want)
		}
		logins := s.sshLogins("bai-a01")
		s.pulumi("up", "--yes")
		// The count itself is one more login.
		if after := s.sshLogins("bai-a01"); after != logins+1 {
			t.Errorf("the change of bai-a02 opened %d SSH session(s) to bai-a01", after-logins-1)
		}
		if s.agentStart("bai-a01") != agentsStarted["bai-a01"] {
			t.Error("the change of bai-a02 restarted the agent on bai-a01")
		}
		checkAgents(t, s, nodes["bai-m1"], map[string]int{"i-bai-a01": 2, "i-bai-a02": 3})
		s.pulumi("up", "--yes", "--expect-no-changes")
	})

	scenario("a sysctl change touches each host's sysctl step alone", func(t *testing.T, s *sandbox) {
		s.pulumi("config", "set", "--path", `sysctl["net.core.somaxconn"]`, "4096")
		if got, want := s.changes(), []string{"bai-a01-sysctl", "bai-a02-sysctl", "bai-m1-sysctl", "bai-s1-sysctl"}; !slices.Equal(got, want) {
			t.Errorf("the sysctl change touches %v, want exactly %v", got, want)
		}
		s.pulumi("up", "--yes")
		for name := range nodes {
			if got := s.ssh(name, "sysctl -n net.core.somaxconn; grep -x net.core.somaxconn=4096 /etc/sysctl.d/99-backendai.conf"); got != "4096\nnet.core.somaxconn=4096" {
				t.Errorf("%s: somaxconn after the change: %q", name, got)
			}
		}
		s.pulumi("up", "--yes", "--expect-no-changes")
	})

	scenario("a webserver change restarts the webserver alone", func(t *testing.T, s *sandbox) {
		// Only the webserver's config and its service step change, and only the webserver
		// restarts.
		mtimes := "stat -c '%n %Y' /home/bai/manager/manager.toml /home/bai/storage-proxy/storage-proxy.toml /etc/systemd/system/backendai-manager.service"
		before := s.ssh("bai-m1", mtimes)
		started := s.serviceStarts("bai-m1")
		s.pulumi("config", "set", "--path", "services.webserver.title", "Our GPU Cloud")
		if got, want := s.changes(), []string{"bai-m1-mgmt-verify", "bai-m1-mgmt-webserver-config", "bai-m1-mgmt-webserver-service", "verification-checks"}; !slices.Equal(got, want) {
			t.Errorf("the webserver change touches %v, want exactly %v", got, want)
		}
		// A pull request's comment of that change (tools/prcomment) shows the file's changing
		// line on its node, and no secret.
		comment, err := s.prComment()
		if err != nil || !strings.Contains(comment, "`/home/bai/webserver/webserver.conf on bai-m1`") ||
			!strings.Contains(comment, "\n  +text = 'Our GPU Cloud'\n") {
			t.Errorf("the pull request comment of the webserver change (%v):\n%s", err, comment)
		}
		noSecrets(t, "the pull request comment", comment, secrets)
		out, _ = s.pulumi("up", "--yes")
		if !strings.Contains(out, "4 updated") {
			t.Errorf("the webserver change did not update 4 resources:\n%s", out)
		}
		if got := s.ssh("bai-m1", "grep -c 'Our GPU Cloud' /home/bai/webserver/webserver.conf"); got != "1" {
			t.Errorf("webserver.conf does not have the new title: %s", got)
		}
		if after := s.ssh("bai-m1", mtimes); after != before {
			t.Errorf("the webserver change touched other services' files:\n%s\n%s", before, after)
		}
		restarted := s.serviceStarts("bai-m1")
		for svc, at := range restarted {
			if (at != started[svc]) != (svc == "webserver") {
				t.Errorf("after the webserver change, %s started at %s (before: %s); only the webserver restarts", svc, at, started[svc])
			}
		}

	})

	// Hand changes on the hosts: a refresh names their steps, and an up puts them back.
	scenario("drift", func(t *testing.T, s *sandbox) { checkDrift(t, s, secrets) })
	// No secret value anywhere one could go, on this machine or the hosts.
	scenario("secrets", func(t *testing.T, s *sandbox) {
		checkSecretsEverywhere(t, s, slices.Sorted(maps.Keys(nodes)), secrets, sampled)
	})

	scenario("destroy keeps the data", func(t *testing.T, s *sandbox) {
		state, _ := s.pulumi("stack", "export")
		noSecrets(t, "the stack state", state, secrets)
		if strings.Contains(state, "PRIVATE KEY") {
			t.Error("the stack state holds the login key in plaintext")
		}

		out, _ := s.pulumi("destroy", "--yes")
		if !strings.Contains(out, fmt.Sprintf("%d deleted", resources)) {
			t.Errorf("destroy did not delete the %d resources:\n%s", resources, out)
		}
		// Destroying the stack forgets the steps; it does not undo the hosts' setup or
		// delete the data.
		for name := range nodes {
			if got := s.ssh(name, "id -u bai"); got != "1100" {
				t.Errorf("%s: the account is gone after destroy: %q", name, got)
			}
		}
		if got := s.ssh("bai-m1", "docker volume ls -q --filter name=backendai-half | sort | tr '\\n' ' '"); got != "backendai-half-etcd-data backendai-half-postgres-data backendai-half-redis-data" {
			t.Errorf("the halfstack's data volumes after destroy: %q", got)
		}
		// The fixtures' rows are the cluster's data too (halfstack.deleteDataOnDestroy is off).
		if got := s.ssh("bai-m1", "docker exec backendai-half-db psql -At -U postgres -d backend -c 'select count(*) from users'"); got != "6" {
			t.Errorf("users after destroy: %q", got)
		}
		// And the shared volume's files.
		if got := s.ssh("bai-a02", "cat /vfroot/nfs/e2e-shared.txt"); got != "shared-by-bai-a01" {
			t.Errorf("the shared volume's file after destroy: %q", got)
		}
		s.pulumi("stack", "rm", "--yes")
	})
}

// verificationReport is the stack's verification output.
type verificationReport struct {
	Release, CheckedAt string
	Seconds            float64
	Checks             []struct {
		Check   string
		Seconds float64
		Result  json.RawMessage
	}
}

// verification reads the stack's verification output.
func verification(tb testing.TB, s *sandbox) verificationReport {
	tb.Helper()
	raw, _ := s.pulumi("stack", "output", "verification", "--json")
	tb.Logf("the stack's verification output:\n%s", raw)
	var v verificationReport
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		tb.Fatalf("the verification output: %v", err)
	}
	return v
}

// checkVerification: the stack's verification output shows every check passed, with
// the agents, and "hello" from a real compute session.
func checkVerification(t *testing.T, s *sandbox, version string, agents ...string) {
	t.Helper()
	v := verification(t, s)
	var names []string
	results := map[string]string{}
	for _, c := range v.Checks {
		names = append(names, c.Check)
		results[c.Check] = string(c.Result)
	}
	want := []string{"manager", "agents", "storage", "session", "user", "apps"}
	if s.noApps {
		want = want[:len(want)-1]
	}
	if !slices.Equal(names, want) || v.Release != version {
		t.Errorf("the verification checked %v of release %q, want %v of %s", names, v.Release, want, version)
	}
	var alive map[string]struct {
		Status string
		Slots  map[string]any
	}
	_ = json.Unmarshal([]byte(results["agents"]), &alive)
	for _, a := range agents {
		if alive[a].Status != "ALIVE" || alive[a].Slots["cpu"] == nil {
			t.Errorf("the verification does not show agent %s ALIVE with its slots: %s", a, results["agents"])
		}
	}
	var session struct{ Image, Output string }
	_ = json.Unmarshal([]byte(results["session"]), &session)
	if session.Output != "hello" {
		t.Errorf("the verification's session did not return hello: %s", results["session"])
	}
	t.Logf("the verification's compute session of %s returned %q", session.Image, session.Output)
	var user struct{ AccessKey, Volume, File string }
	_ = json.Unmarshal([]byte(results["user"]), &user)
	if user.AccessKey == "" || user.File != "written by a session" {
		t.Errorf("the verification's regular user did not read back the file a session wrote into a vfolder: %s", results["user"])
	} else {
		t.Logf("the regular user %s created a vfolder on %s, a session wrote %q into it, and another read it back", user.AccessKey, user.Volume, user.File)
	}
	if !s.noApps {
		checkApps(t, results["apps"], "http")
	}
}

// checkApps: the verification opened a session's Jupyter and its terminal through the
// App Proxy: each page came back from the worker's port range (10205-10300), over
// scheme, with the app's title.
func checkApps(t *testing.T, result, scheme string) {
	t.Helper()
	var apps map[string]struct{ URL, Title string }
	_ = json.Unmarshal([]byte(result), &apps)
	for app, title := range map[string]string{"jupyter": "Home Page", "ttyd": "ttyd"} {
		a := apps[app]
		u, err := url.Parse(a.URL)
		port, _ := strconv.Atoi(u.Port())
		if err != nil || u.Scheme != scheme || port < 10205 || port > 10300 || !strings.Contains(a.Title, title) {
			t.Errorf("the verification did not open %s through the App Proxy's worker (a page titled %q from its ports): %s", app, title, result)
			continue
		}
		t.Logf("the verification opened %s through the App Proxy: %s, %q", app, a.URL, a.Title)
	}
}

// checkLogin: a user of Backend.AI's example users logs in through the webserver, as
// the Web UI's login form does (POST /server/login), and a wrong password is refused.
func checkLogin(t *testing.T, webserver, version, email string) {
	t.Helper()
	checkLoginAs(t, webserver, email, userPassword(t, version, email))
}

// checkLoginAs: email logs in through the webserver with password, and not with a
// wrong one.
func checkLoginAs(t *testing.T, webserver, email, password string) {
	t.Helper()
	for _, try := range []struct {
		password string
		want     bool
	}{{password, true}, {password + "-wrong", false}} {
		body, _ := json.Marshal(map[string]string{"username": email, "password": try.password})
		resp, err := http.Post(webserver+"/server/login", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Errorf("logging in through %s: %v", webserver, err)
			return
		}
		var got struct {
			Authenticated bool `json:"authenticated"`
			Data          struct{ Role string }
		}
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil || got.Authenticated != try.want {
			t.Errorf("%s logging in through %s (right password: %v): authenticated %v, %v", email, webserver, try.want, got.Authenticated, err)
		}
		if try.want {
			t.Logf("%s logs in through the webserver %s as %s", email, webserver, got.Data.Role)
		}
	}
}

// checkWebUI: the superadmin logs in to the Web UI in a real browser (Debian's
// Chromium, tests/webui) and reaches the dashboard, its GraphQL queries answered through
// the GraphQL gateway; the screenshot is kept in the test's artifact directory
// (`go test -artifacts`, as tools/test.sh runs it). The dashboard shows the cluster's
// agents as schedulable (agents, "2 / 2").
func checkWebUI(t *testing.T, webserver, email, password, agents string) {
	t.Helper()
	got, err := webui.Browser{URL: webserver, Email: email, Password: password}.Login(filepath.Join(t.ArtifactDir(), "webui-dashboard.png"))
	if err != nil {
		t.Errorf("%s in the Web UI: %v", email, err)
		return
	}
	t.Logf("%s reached the Web UI's dashboard in Chromium in %.1f s: %s (%q), schedulable agents %s; screenshot %s",
		email, got.Seconds, got.URL, got.Title, got.Agents, got.Screenshot)
	if got.Agents != agents {
		t.Errorf("the Web UI's dashboard shows %q schedulable agents, want %q", got.Agents, agents)
	}
}

// userPassword is the password the release's own example users fixture gives email.
func userPassword(t *testing.T, version, email string) string {
	t.Helper()
	dir, err := catalog.Dir(version)
	if err != nil {
		t.Fatal(err)
	}
	users := filepath.Join(dir, "fixtures", "example-users.json")
	for _, tb := range parseFixture(t, version, users).Tables {
		for _, r := range tb.Rows {
			if tb.Name == "users" && r.Values["email"] == email {
				password, _ := r.Values["password"].(string)
				return password
			}
		}
	}
	t.Fatalf("%s has no user %s", users, email)
	return ""
}

// prComment is the pull request comment (tools/prcomment's text) of the stack's preview.
func (s *sandbox) prComment() (string, error) {
	s.t.Helper()
	raw, _ := s.pulumi("preview", "--json")
	p, err := review.Parse([]byte(raw))
	if err != nil {
		return "", err
	}
	var comment strings.Builder
	err = review.Write(&comment, s.stack, p)
	return comment.String(), err
}

// urn is the URN of the stack's resource named name (args: the stack command's others, as --cwd).
func (s *sandbox) urn(name string, args ...string) string {
	s.t.Helper()
	out, _ := s.pulumi(append([]string{"stack", "--show-urns"}, args...)...)
	m := regexp.MustCompile(`URN: (urn:pulumi:\S+::` + regexp.QuoteMeta(name) + `)\s`).FindStringSubmatch(out)
	if m == nil {
		s.t.Fatalf("no resource %s in the stack:\n%s", name, out)
	}
	return m[1]
}

// tail is the last n lines of text.
func tail(text string, n int) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// resources is what the whole-cluster stack holds (two agents).
var resources = clusterResources(newestRelease, true, 2)

// clusterResources is what a clusterStack holds after its first up: 1 stack, 1 cluster,
// its release record, the hosts with 7 steps each (the management node, the agents, a storage node when the
// storage role has its own host); the shared storage (its NFS server, the mounts on the
// management node and every agent); the management node, its halfstack step, 2 etcd key
// trees, 4 fixtures and 20 steps (the schema preflight, 3 of the GraphQL gateway), the
// superadmin's generated credentials and fixture, the resource presets' fixture, and
// the users' roles step; each agent with 7 steps (the image pull among them) and a
// mock accelerator with 2 steps; the verification with 2 steps (the client, the checks).
func clusterResources(version string, storageHost bool, agents int) int {
	hosts := 1 + agents
	if storageHost {
		hosts++
	}
	// The management node: the component, its halfstack step, 2 etcd key trees, 4 fixtures,
	// 20 steps, and the App Proxy (its secrets, database, 2 packages, 3 files, schema, 2
	// services and the resource group's row: 11).
	return 2 + 1 + hosts*8 + (1 + 1 + (1 + agents)) + (1 + 1 + 2 + 4 + 20 + 11) + 3 + 1 + agents*(1+7+1+2) + (1 + 2)
}

// adminClient is Backend.AI's own client on the management node (the one the
// verification installs), logged in as the stack's superadmin. The login is in a file
// of root's on the node (written over SSH's stdin), never in a command line, which a
// failed command's message would show.
func (s *sandbox) adminClient(manager string) string {
	s.t.Helper()
	const file = "/root/.e2e-superadmin.env"
	if !s.clientLogin[manager] {
		a := s.superadmin()
		name := s.nameOf(manager)
		login := "BACKEND_ENDPOINT=http://" + manager + ":8081\nBACKEND_ENDPOINT_TYPE=api\nBACKEND_ACCESS_KEY=" + a.AccessKey +
			"\nBACKEND_SECRET_KEY=" + a.SecretKey + "\n"
		if _, err := s.commandIn(login, "bash", "tests/sandbox/sandbox.sh", "ssh", name, "umask 077; cat >"+file); err != nil {
			s.t.Fatalf("writing the superadmin's login on %s: %v", name, err)
		}
		if s.clientLogin == nil {
			s.clientLogin = map[string]bool{}
		}
		s.clientLogin[manager] = true
	}
	return "set -a; . " + file + "; set +a; /home/bai/client/.venv/bin/backend.ai "
}

// superadminLogin is the stack output superadmin.
type superadminLogin struct{ Email, AccessKey, SecretKey, Password string }

// superadmin reads the superadmin's generated login from the stack's secret output.
func (s *sandbox) superadmin() superadminLogin {
	s.t.Helper()
	if s.admin == nil {
		a := s.superadminOf(s.stack)
		s.admin = &a
	}
	return *s.admin
}

// superadminOf is the superadmin login that stack (another program's, fully qualified,
// in the sandbox's backend) outputs.
func (s *sandbox) superadminOf(stack string) superadminLogin {
	s.t.Helper()
	out, err := s.command(filepath.Join(s.root, "bin", "pulumi"), "stack", "output", "superadmin", "--show-secrets", "--json", "--stack", stack)
	var a superadminLogin
	if err != nil || json.Unmarshal([]byte(out), &a) != nil || a.AccessKey == "" || a.SecretKey == "" || a.Password == "" {
		s.t.Fatalf("the stack output superadmin of %s: %v", stack, err) // never its text: it holds the secrets
	}
	return a
}

// checkSuperadmin: the superadmin's login is generated (none of Backend.AI's published
// keys), its secret key and password secret in the state, the output secret, and it
// logs in through the webserver.
func checkSuperadmin(t *testing.T, s *sandbox, a superadminLogin) {
	t.Helper()
	if !regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`).MatchString(a.AccessKey) || slices.Contains(spec.Published.AccessKeys, a.AccessKey) {
		t.Errorf("the superadmin's access key %s is not a generated one", a.AccessKey)
	}
	if out, _ := s.pulumi("stack", "output", "superadmin"); !strings.Contains(out, "[secret]") {
		t.Errorf("the stack output superadmin is shown without --show-secrets")
	}
	state, _ := s.pulumi("stack", "export")
	// The access key names the keypair's row (a preview shows which row changes), as a
	// user name would; the secret key and the password are secrets everywhere.
	for what, v := range map[string]string{"secret key": a.SecretKey, "password": a.Password} {
		if strings.Contains(state, v) {
			t.Errorf("the stack state holds the superadmin's %s in plaintext", what)
		}
	}
	nodes := s.nodes()
	checkLoginAs(t, "http://"+nodes["bai-m1"]+":8090", a.Email, a.Password)
	t.Logf("the superadmin %s (access key %s, generated) logs in; its secrets are encrypted in the state", a.Email, a.AccessKey)
}

// checkUsersSee: what a user of the cluster is offered: the resource presets (Backend.AI's
// own, with the GPU ones, for the mock plugin's cuda.device), and kernel images only (the
// halfstack's images share the local registry's project, and are not registered).
func checkUsersSee(t *testing.T, s *sandbox, manager string) {
	t.Helper()
	client := s.adminClient(manager)
	python := strings.Replace(client, "/home/bai/client/.venv/bin/backend.ai ", "/home/bai/client/.venv/bin/python -c ", 1)
	presets := s.ssh("bai-m1", python+`'import json; from ai.backend.client.session import Session
with Session() as s: print(" ".join(sorted(p["name"] for p in s.Resource.list()["presets"])))' 2>&1 || true`)
	if presets != "cpu01-small cpu02-medium cpu03-large cuda01-small cuda02-medium cuda03-large" {
		t.Errorf("the resource presets the client lists: %q", presets)
	}
	images := s.ssh("bai-m1", client+"--output json admin image list 2>&1 || true")
	var list struct {
		Items []struct{ Name string } `json:"items"`
	}
	if err := json.Unmarshal([]byte(images), &list); err != nil || len(list.Items) == 0 {
		t.Fatalf("backend.ai admin image list: %v\n%s", err, images)
	}
	for _, im := range list.Items {
		if !strings.Contains(im.Name, "python") {
			t.Errorf("the image list holds %s, which is no kernel image", im.Name)
		}
	}
	t.Logf("users are offered the presets %s and %d kernel image(s)", presets, len(list.Items))
}

// vfolder is one item of `backend.ai --output json vfolder list`, and its id.
type vfolder struct {
	ID   string `json:"-"`
	Name string `json:"name"`
	Host string `json:"host"`
}

// checkVFolder: a vfolder the admin creates through Backend.AI's client on the shared
// volume (which the stack granted the fixtures' domain and groups) is a directory of
// the account's on that volume, seen from an agent.
func checkVFolder(t *testing.T, s *sandbox, manager, agent string) {
	t.Helper()
	client := s.adminClient(manager)
	out := s.ssh("bai-m1", client+"vfolder create e2e-vf local:nfs 2>&1 || true")
	t.Logf("backend.ai vfolder create e2e-vf local:nfs:\n%s", out)
	list := s.ssh("bai-m1", client+"--output json vfolder list 2>&1 || true")
	var vfs struct {
		Items []vfolder `json:"items"`
	}
	if err := json.Unmarshal([]byte(list), &vfs); err != nil {
		t.Errorf("backend.ai vfolder list: %v\n%s", err, list)
		return
	}
	i := slices.IndexFunc(vfs.Items, func(v vfolder) bool { return v.Name == "e2e-vf" })
	if i < 0 {
		t.Errorf("the vfolder e2e-vf is not listed:\n%s", list)
		return
	}
	vf := vfs.Items[i]
	// The list shows no id; the info names it: Virtual folder "e2e-vf" (ID: <uuid>).
	info := s.ssh("bai-m1", client+"vfolder info e2e-vf 2>&1 || true")
	m := regexp.MustCompile(`\(ID: ([0-9a-f-]{32,36})\)`).FindStringSubmatch(info)
	if m == nil {
		t.Errorf("backend.ai vfolder info names no id:\n%s", info)
		return
	}
	vf.ID = m[1]
	if vf.Host != "local:nfs" {
		t.Errorf("the vfolder is on %q, want local:nfs", vf.Host)
	}
	hex := strings.ReplaceAll(vf.ID, "-", "")
	if got := s.ssh(agent, "find /vfroot/nfs -type d -path '*/"+hex[:2]+"/"+hex[2:4]+"/"+hex[4:]+"' -printf '%U:%G\\n'"); got != "1100:1100" {
		t.Errorf("%s: the vfolder %s on the shared volume: %q, want one directory of the account's", agent, vf.ID, got)
	}
}

// checkSharedVolume: a file the account writes under /vfroot/nfs on one node is on the
// others, the account's; the storage proxy's volume holds its layout version.
func checkSharedVolume(t *testing.T, s *sandbox, writer string, readers ...string) {
	t.Helper()
	s.ssh(writer, "setpriv --reuid=bai --regid=bai --init-groups sh -c 'echo shared-by-"+writer+" > /vfroot/nfs/e2e-shared.txt'")
	for _, r := range readers {
		if got := s.ssh(r, "stat -c '%u:%g' /vfroot/nfs/e2e-shared.txt; cat /vfroot/nfs/e2e-shared.txt"); got != "1100:1100\nshared-by-"+writer {
			t.Errorf("%s reads %q from the shared volume, want the account's file from %s", r, got, writer)
		}
	}
	if got := s.ssh("bai-m1", "cat /vfroot/nfs/version.txt; grep -c 'BEGIN backendai-infra vfroot' /etc/fstab"); got != "3\n1" {
		t.Errorf("bai-m1: the volume's layout version and the fstab block: %q", got)
	}
}

// checkAgents: each agent is ALIVE in the manager, as Backend.AI's own client lists
// it, with the mock plugin's devices among its slots (the manager has taken its
// heartbeat, not only its registration).
func checkAgents(t *testing.T, s *sandbox, manager string, devices map[string]int) {
	t.Helper()
	client := s.adminClient(manager) + "--output json admin agent list"
	var list struct {
		Items []struct {
			ID     string         `json:"id"`
			Status string         `json:"status"`
			Slots  map[string]any `json:"available_slots"`
		} `json:"items"`
	}
	var out string
	host := s.nameOf(manager)
	for i := 0; i < 40; i++ {
		out = s.ssh(host, client+" 2>&1 || true")
		list.Items = nil
		if err := json.Unmarshal([]byte(out), &list); err == nil {
			ok := 0
			for _, a := range list.Items {
				if want, known := devices[a.ID]; known && a.Status == "ALIVE" && fmt.Sprint(a.Slots["cuda.device"]) == fmt.Sprint(want) {
					ok++
				}
			}
			if ok == len(devices) {
				break
			}
		}
		time.Sleep(3 * time.Second)
	}
	t.Logf("backend.ai admin agent list:\n%s", out)
	for id, want := range devices {
		found := false
		for _, a := range list.Items {
			if a.ID != id {
				continue
			}
			found = true
			if a.Status != "ALIVE" || fmt.Sprint(a.Slots["cuda.device"]) != fmt.Sprint(want) {
				t.Errorf("agent %s: %s with slots %v, want ALIVE with cuda.device %d", id, a.Status, a.Slots, want)
			}
		}
		if !found {
			t.Errorf("agent %s is not listed by the manager", id)
		}
	}
}

// nameOf is the name of the stack's node at addr.
func (s *sandbox) nameOf(addr string) string {
	s.t.Helper()
	for name, a := range s.nodes() {
		if a == addr {
			return name
		}
	}
	s.t.Fatalf("no node of the stack is at %s", addr)
	return ""
}

// agentStart is when systemd last started the node's agent.
func (s *sandbox) agentStart(node string) string {
	s.t.Helper()
	return s.ssh(node, "systemctl show -p ExecMainStartTimestampMonotonic --value backendai-agent")
}

// sshLogins counts the SSH logins sshd accepted on the node.
func (s *sandbox) sshLogins(node string) int {
	s.t.Helper()
	n, err := strconv.Atoi(s.ssh(node, "journalctl -q --no-pager -t sshd-session -t sshd | grep -c 'Accepted publickey' || true"))
	if err != nil {
		s.t.Fatalf("counting %s's SSH logins: %v", node, err)
	}
	return n
}

// clusterStack starts sandbox hosts (NAME:ROLES, systemd as PID 1, as on real nodes, so
// the services really start and restart) and the stand-ins for them, and configures a
// fresh stack for them: the release, the secrets, Backend.AI's own fixture files of the
// release (users, keypairs, resource slot types) and the local registry's, the
// halfstack as a step from the stand-in images, and Backend.AI's mock accelerator
// plugin (two devices) on every agent. It returns the secrets, to search output for.
func clusterStack(t testing.TB, version string, hosts ...string) (*sandbox, *standins.Sandbox, map[string]string) {
	t.Helper()
	s := newSandboxWith(t, "SANDBOX_INIT=systemd", hosts...)
	names := make([]string, len(hosts))
	for i, h := range hosts {
		names[i], _, _ = strings.Cut(h, ":")
	}
	stand := startStandIns(t, s, names...)

	s.pulumi("stack", "init")
	key, err := os.ReadFile(filepath.Join(s.root, ".sandbox", "id_ed25519"))
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{
		"sshPrivateKey": string(key), "dbPassword": "e2e-db-pass%w0rd",
		"storageProxySecret": "e2e-proxy-secret-5f0c", "storageProxyJWT": "e2e-proxy-jwt-7d21",
	}
	for k, v := range secrets {
		s.setSecret(k, v)
	}
	release, fixtureSecrets := releaseConfig(t, s, version)
	for i, v := range fixtureSecrets {
		secrets[fmt.Sprintf("a fixture's secret #%d", i)] = v
	}
	config := append(release, [][2]string{
		{"halfstack.engine", "script"},
		{"halfstack.images.postgres", stand.Images.Postgres},
		{"halfstack.images.redis", stand.Images.Redis},
		{"halfstack.images.etcd", stand.Images.Etcd},
		{"services.packageIndex", stand.IndexURL},
		{"services.graphqlGateway.registry", stand.NPMRegistry},
		// The rescan reaches only the local registry, which serves the kernel stand-in
		// image; every agent pulls it, as a step, and the verification's session runs it.
		{"services.imageRegistries[0]", standins.HostRegistry},
		{"images.engine", "script"},
		{"images.pull[0]", stand.Images.Kernel},
	}...)
	// Every agent runs Backend.AI's mock accelerator plugin (no GPU here): two devices.
	for i, h := range hosts {
		if _, roles, _ := strings.Cut(h, ":"); slices.Contains(strings.Split(roles, ","), "agent") {
			config = append(config, [2]string{fmt.Sprintf("nodes[%d].accelerators[0].kind", i), "mock"})
		}
	}
	s.setConfig(config)
	return s, stand, secrets
}

// releaseConfig is the stack config of a release: its version, and Backend.AI's own
// fixture files of it (tests/catalog keeps them): users, keypairs, the resource slot
// types (the manager refuses an agent's heartbeat whose slots the table does not name),
// and the local registry's fixture in the release's shape. It returns the fixtures'
// passwords and secret keys too, to search output for.
func releaseConfig(t testing.TB, s *sandbox, version string) ([][2]string, []string) {
	t.Helper()
	if err := catalog.Ensure(s.root, version); err != nil {
		t.Fatal(err)
	}
	dir, err := catalog.Dir(version)
	if err != nil {
		t.Fatal(err)
	}
	registry, err := standins.RegistryFixture(version)
	if err != nil {
		t.Fatal(err)
	}
	registryFixture := filepath.Join(t.TempDir(), "local-registry.json")
	if err := os.WriteFile(registryFixture, []byte(registry), 0o644); err != nil {
		t.Fatal(err)
	}
	users, keypairs := filepath.Join(dir, "fixtures", "example-users.json"), filepath.Join(dir, "fixtures", "example-keypairs.json")
	return [][2]string{
		{"version", version},
		// Backend.AI's own example users and keypairs, unchanged: their credentials are
		// public, which a stack allows only for a throwaway test cluster.
		{"testCluster", "true"},
		{"fixtures[0]", users},
		{"fixtures[1]", keypairs},
		{"fixtures[2]", filepath.Join(dir, "fixtures", "example-resource-slot-types.json")},
		{"fixtures[3]", registryFixture},
	}, fixtureSecrets(t, version, users, keypairs)
}

// placeholderTitle is a web UI title that holds every secret placeholder.
const placeholderTitle = "Lab @BACKENDAI_DB_PASSWORD@ @BACKENDAI_DB_PASSWORD_URL@ @BACKENDAI_STORAGE_PROXY_SECRET@ @BACKENDAI_STORAGE_PROXY_JWT@"

// noSecrets fails the test for each secret value found in text.
func noSecrets(t *testing.T, what, text string, secrets map[string]string) {
	t.Helper()
	for k, v := range secrets {
		if strings.Contains(text, v) {
			t.Errorf("%s holds %s", what, k)
		}
	}
}

// parseFixture parses one of Backend.AI's fixture files for the release's line.
func parseFixture(t testing.TB, version, file string) fixtures.File {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	line, err := fixtures.LineOf(version)
	if err != nil {
		t.Fatal(err)
	}
	f, err := fixtures.Parse(file, string(data), line)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// fixtureSecrets are the passwords and secret keys the fixture files hold.
func fixtureSecrets(t testing.TB, version string, files ...string) []string {
	t.Helper()
	var out []string
	for _, f := range files {
		for _, tb := range parseFixture(t, version, f).Tables {
			for _, r := range tb.Rows {
				for col, v := range r.Values {
					if c, _ := tb.Column(col); (c.Kind == fixtures.Password || c.Kind == fixtures.Secret) && v != nil {
						out = append(out, v.(string))
					}
				}
			}
		}
	}
	if len(out) < 5 {
		t.Fatalf("only %d fixture secrets found", len(out))
	}
	return out
}

// checkHosts checks what the Host component did on every node.
func checkHosts(t *testing.T, s *sandbox, nodes map[string]string) {
	t.Helper()
	for name := range nodes {
		if got := s.ssh(name, "id -u bai; id -g bai"); got != "1100\n1100" {
			t.Errorf("%s: bai has uid/gid %q, want 1100/1100", name, got)
		}
		groups := strings.Fields(s.ssh(name, "id -nG bai"))
		for _, g := range []string{"sudo", "docker"} {
			if !slices.Contains(groups, g) {
				t.Errorf("%s: bai is not in group %s: %v", name, g, groups)
			}
		}
		hosts := s.ssh(name, "sed -n '/^##### BEGIN for Backend.AI services #####$/,/^##### END for Backend.AI services #####$/p' /etc/hosts")
		for other, addr := range nodes {
			if !strings.Contains(hosts, addr+" "+other+"  # ") && !strings.Contains(hosts, addr+"  "+other) {
				t.Errorf("%s: the hosts block has no alias %s for %s:\n%s", name, other, addr, hosts)
			}
		}
		if got := s.ssh(name, "grep -c '^bai .* nofile 512000$' /etc/security/limits.d/99-backendai.conf"); got != "2" {
			t.Errorf("%s: limits for bai: %s", name, got)
		}
		if got := s.ssh(name, "grep -x net.core.somaxconn=1024 /etc/sysctl.d/99-backendai.conf; sysctl -n net.core.somaxconn"); got != "net.core.somaxconn=1024\n1024" {
			t.Errorf("%s: somaxconn file and live value: %q", name, got)
		}
		if got := s.ssh(name, "docker --version && docker compose version --short && docker info --format '{{.ServerVersion}}'"); !strings.HasPrefix(got, "Docker version ") {
			t.Errorf("%s: docker: %q", name, got)
		}
	}
}

// checkManagementNode checks what the ManagementNode component did on the node.
func checkManagementNode(t *testing.T, s *sandbox, name, address string, secrets map[string]string) {
	t.Helper()
	health := s.ssh(name, "docker inspect -f '{{.Name}} {{.State.Health.Status}} {{.Config.Image}}' backendai-half-db backendai-half-redis backendai-half-etcd")
	t.Logf("%s: the halfstack's containers:\n%s", name, health)
	for _, want := range []string{"/backendai-half-db healthy " + standins.HostRegistry + "/standin/postgres:16",
		"/backendai-half-redis healthy " + standins.HostRegistry + "/standin/valkey:9", "/backendai-half-etcd healthy " + standins.HostRegistry + "/standin/etcd:3.5"} {
		if !strings.Contains(health, want) {
			t.Errorf("%s: halfstack containers:\n%s\nwant %q", name, health, want)
		}
	}
	etcd := func(key string) string {
		return s.ssh(name, "docker exec backendai-half-etcd etcdctl get --print-value-only /sorna/local/"+key)
	}
	if got := etcd("config/redis/addr"); got != address+":8110" {
		t.Errorf("etcd config/redis/addr = %q", got)
	}
	if got := etcd("volumes/proxies/local/secret"); got != secrets["storageProxySecret"] {
		t.Error("etcd volumes/proxies/local/secret is not the storage proxy's secret")
	}
	psql := func(sql string) string {
		return s.ssh(name, "docker exec backendai-half-db psql -At -U postgres -d backend -c \""+sql+"\"")
	}
	t.Logf("%s: etcd keys under /sorna/local:\n%s", name,
		s.ssh(name, "docker exec backendai-half-etcd etcdctl get --prefix --keys-only /sorna/local/ | grep -v '^$'"))
	t.Logf("%s: rows in the database:\n%s", name, psql("select 'users', email, role::text from users union all select 'keypairs', access_key, to_jsonb(k)->>'user' from keypairs k"))
	// The real schema, at the head of the installed release's migrations.
	if current := schemaHead(t, s, name); psql("select version_num from alembic_version") != current {
		t.Errorf("alembic_version does not hold the schema's revision %q", current)
	}
	if got := s.ssh(name, "stat -c '%U' /vfroot/nfs; cat /vfroot/nfs/version.txt"); got != "bai\n3" {
		t.Errorf("the storage proxy's volume: %q, want bai's, layout 3", got)
	}
	// Backend.AI's example files: 5 users and 5 keypairs; the local registry.
	if got := psql("select (select count(*) from users) || ' ' || (select count(*) from keypairs) || ' ' || (select count(*) from container_registries)"); got != "6 6 1" {
		t.Errorf("users, keypairs and registries from the fixtures: %q", got)
	}
	for _, f := range []string{"manager/manager.toml", "manager/alembic.ini", "storage-proxy/storage-proxy.toml", "webserver/webserver.conf",
		"manager/fixtures/manager/manager.key_secret"} {
		if got := s.ssh(name, "stat -c '%U %a' /home/bai/"+f); got != "bai 600" {
			t.Errorf("/home/bai/%s: owner and mode %q, want bai 600", f, got)
		}
	}
	// Placeholders are all filled; the web UI title's copies of them are the title's own.
	if got := s.ssh(name, "grep -H '@BACKENDAI_' /home/bai/*/*.toml /home/bai/*/*.ini /home/bai/*/*.conf | grep -v '^/home/bai/webserver/webserver.conf:text = ' || true"); got != "" {
		t.Errorf("placeholders left: %s", got)
	}
	if got := s.ssh(name, "grep -c 'secret = \""+secrets["storageProxySecret"]+"\"' /home/bai/storage-proxy/storage-proxy.toml"); got == "0" {
		t.Error("storage-proxy.toml does not have the shared secret")
	}
	// systemd runs each service from its unit, as bai, with its config.
	for _, svc := range []string{"manager", "storage-proxy", "webserver"} {
		unit := "backendai-" + svc
		if got := s.ssh(name, "systemctl is-active "+unit+"; systemctl is-enabled "+unit+"; ps -o user= -p $(systemctl show -p MainPID --value "+unit+")"); got != "active\nenabled\nbai" {
			t.Errorf("%s: state, enablement, user: %q", unit, got)
		}
		t.Logf("%s: %s", name, s.ssh(name, "systemctl status --no-pager --lines=1 "+unit+" | sed -n '1,3p;$p'"))
		t.Logf("%s: %s", name, s.ssh(name, "/home/bai/"+svc+"/.venv/bin/pip show backend.ai-"+svc+" | grep -E '^(Name|Version):' | tr '\\n' ' '"))
	}
	checkServicesAnswer(t, s, name, address)
}

// checkServicesAnswer checks that the real services work: the manager's API answers with
// the deployed release, the webserver serves the Web UI, and Backend.AI's own client
// (backend.ai-client, in a venv on the node) logs in with the admin keypair of the
// fixtures, lists the users they created and the storage proxy's volume.
func checkServicesAnswer(t *testing.T, s *sandbox, name, address string) {
	t.Helper()
	version := s.ssh(name, "/home/bai/manager/.venv/bin/pip show backend.ai-manager | sed -n 's/^Version: //p'")
	// The services need a moment after systemd starts them.
	var api string
	for i := 0; i < 60; i++ {
		if api = s.ssh(name, "curl -s --max-time 5 http://"+address+":8081/ || true"); strings.Contains(api, `"manager"`) {
			break
		}
		time.Sleep(2 * time.Second)
	}
	t.Logf("%s: the manager's API: %s", name, api)
	if !strings.Contains(api, `"manager": "`+version+`"`) {
		t.Errorf("the manager's API does not answer with release %s: %q", version, api)
	}
	page := s.ssh(name, "curl -s --max-time 10 http://"+address+":8090/ | head -c 2000")
	if !strings.Contains(page, "<html") || !strings.Contains(page, "Backend.AI") {
		t.Errorf("the webserver does not serve the Web UI:\n%s", page)
	}
	client := s.adminClient(address)
	users := s.ssh(name, client+"admin user list 2>&1")
	t.Logf("%s: backend.ai admin user list:\n%s", name, users)
	for _, email := range []string{"admin@lablup.com", "domain-admin@lablup.com", "user@lablup.com"} {
		if !strings.Contains(users, email) {
			t.Errorf("the client does not list %s", email)
		}
	}
	var storage string
	for i := 0; i < 30; i++ {
		if storage = s.ssh(name, client+"admin storage list 2>&1 || true"); strings.Contains(storage, "local:nfs") {
			break
		}
		time.Sleep(2 * time.Second)
	}
	t.Logf("%s: backend.ai admin storage list:\n%s", name, storage)
	if !strings.Contains(storage, "local:nfs") {
		t.Errorf("the storage proxy's volume is not listed")
	}
}

// serviceStarts is when systemd last started each of the node's services.
func (s *sandbox) serviceStarts(node string) map[string]string {
	s.t.Helper()
	out := map[string]string{}
	for _, svc := range []string{"manager", "storage-proxy", "webserver"} {
		out[svc] = s.ssh(node, "systemctl show -p ExecMainStartTimestampMonotonic --value backendai-"+svc)
	}
	return out
}

// changes previews the stack and returns the names of the resources it would change,
// each of which must be an update of its inputs.
func (s *sandbox) changes() []string {
	s.t.Helper()
	preview, _ := s.pulumi("preview", "--json")
	var plan struct {
		Steps []struct {
			Op  string `json:"op"`
			URN string `json:"urn"`
		} `json:"steps"`
	}
	if err := json.Unmarshal([]byte(preview), &plan); err != nil {
		s.t.Fatalf("preview --json: %v\n%s", err, preview)
	}
	var changed []string
	for _, st := range plan.Steps {
		if st.Op == "same" {
			continue
		}
		if st.Op != "update" {
			s.t.Errorf("%s: op %s, want an update", st.URN, st.Op)
		}
		changed = append(changed, st.URN[strings.LastIndex(st.URN, "::")+2:])
	}
	slices.Sort(changed)
	return changed
}

// schemaHead is the database's alembic revision, which must be the installed release's
// head.
func schemaHead(t *testing.T, s *sandbox, node string) string {
	t.Helper()
	out := s.ssh(node, "cd /home/bai/manager && setpriv --reuid=bai --regid=bai --init-groups env HOME=/home/bai .venv/bin/backend.ai mgr schema show -f alembic.ini 2>&1")
	t.Logf("%s: backend.ai mgr schema show:\n%s", node, out)
	var current, head string
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, "Current database revision: "); ok {
			current = v
		}
		if v, ok := strings.CutPrefix(l, "The head revision of available migrations: "); ok {
			head = v
		}
	}
	if current == "" || current != head {
		t.Errorf("%s: the schema's revision %q is not the head %q:\n%s", node, current, head, out)
	}
	return current
}
