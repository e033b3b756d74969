//go:build e2e

package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// The upgrade's releases. 26.4.10 is the newest 26.4 release that a 26.8 release on PyPI
// can migrate: 26.4.11 and later carry migration e1b7f3d20a94, a backport that is in
// 26.8.4 and 26.9.0 but not in 26.8.3, the newest 26.8 on PyPI (schema.sh refuses such
// an upgrade, naming the revision).
const (
	ltsRelease = "26.4.10"
	midRelease = "26.8.3"
)

// TestUpgrade upgrades a cluster in place by changing the stack's version. The cluster is
// first brought up through faults (faultWalk): its hosts stop, or their SSH is cut, during
// the host steps, the halfstack, an agent's install, the schema, the fixtures and a
// service's start; each up fails naming the host's step within a minute, the next goes
// on, and the last converges to a verified cluster that a refresh finds as made, its
// fixtures' rows once each. Then a management
// node and an agent at 26.4, with Backend.AI's example users and a vfolder holding a
// file, go to the newest 26.8 and then to the newest release. Each preview shows the
// plan (the release record, every package, the files in the new line's form, the
// schema, the services, the verification) before anything runs; each up installs the
// new packages, migrates the schema to the new head once, restarts the manager before
// the agent, and ends verified. The data stays: the user logs in through the webserver,
// the vfolder's file is there. A second up changes nothing, and going back is refused
// at preview. Each upgrade and the refused downgrade are subtests, each going on from the
// one before.
func TestUpgrade(t *testing.T) {
	parallel(t)
	s, _, secrets := clusterStack(t, ltsRelease, "bai-u1:manager,storage", "bai-u2:agent")
	// The apps are opened in the other whole-cluster tests; here their session would
	// queue behind the others on the one agent, three times.
	s.setConfigValue("verify", map[string]any{"apps": []any{}})
	s.noApps = true
	nodes := s.nodes()
	// The first up is struck by faults: each host stops, or its SSH is cut, at points of
	// the up, and the next up goes on from there; the last converges, verified.
	start := time.Now()
	out := s.faultWalk([]faultPoint{
		{"the host steps (Docker's install)", "bai-u2-docker", "bai-u2", 5 * time.Second, hostStops},
		{"the halfstack", "bai-u1-mgmt-halfstack", "bai-u1", 5 * time.Second, sshCut},
		{"an agent's install", "bai-u2-agent-agent-package", "bai-u2", 5 * time.Second, sshCut},
		{"the schema", "bai-u1-mgmt-schema", "bai-u1", 5 * time.Second, hostStops},
		// A fixture takes a second: its tunnel is cut as it starts.
		{"the fixtures", "bai-u1-mgmt-fixture-", "bai-u1", 0, sshCut},
		{"a service's start", "bai-u1-mgmt-manager-service", "bai-u1", 2 * time.Second, hostStops},
	})
	t.Logf("first pulumi up at %s (a management node, an agent), through 6 faults: %s", ltsRelease, time.Since(start).Round(time.Second))
	noSecrets(t, "the output of up", out, secrets)
	checkVerification(t, s, ltsRelease, "i-bai-u2")
	// Nothing the faults broke is left: a refresh reads back the hosts' steps (files,
	// units, venvs), the etcd keys and the fixtures' rows, and finds every one as made.
	s.pulumi("preview", "--refresh", "--expect-no-changes")
	checkNoDuplicateRows(t, s, "bai-u1")

	// A vfolder of the admin's, with a file in it, on the shared volume.
	client := s.adminClient(nodes["bai-u1"])
	s.ssh("bai-u1", "echo kept-across-the-upgrade > /tmp/upgrade.txt && "+client+"vfolder create upgrade-vf local:nfs && cd /tmp && "+client+"vfolder upload upgrade-vf upgrade.txt")
	if got := s.ssh("bai-u1", client+"vfolder ls upgrade-vf 2>&1 || true"); !strings.Contains(got, "upgrade.txt") {
		t.Fatalf("the vfolder's file before the upgrade:\n%s", got)
	}

	// Each upgrade is a scenario that goes on from the one before.
	for _, to := range []string{midRelease, newestRelease} {
		if !t.Run("to "+to, func(t *testing.T) { upgrade(t, s.on(t), to, secrets) }) {
			t.FailNow()
		}
	}
	t.Run("a downgrade is refused", func(t *testing.T) { checkDowngradeRefused(t, s.on(t)) })
	s.pulumi("destroy", "--yes")
	s.pulumi("stack", "rm", "--yes")
}

// checkDowngradeRefused: back to 26.8 (the stack's config as it was, its fixture files
// too) is refused at preview, naming both releases; nothing changes.
func checkDowngradeRefused(t *testing.T, s *sandbox) {
	t.Helper()
	back, _ := releaseConfig(t, s, midRelease)
	s.setConfig(back)
	out := s.pulumiFails("preview")
	if !strings.Contains(out, midRelease+" is older than "+newestRelease+", the release this cluster runs") {
		t.Errorf("the downgrade's preview does not refuse it with the reason:\n%s", tail(out, 15))
	}
	out = s.pulumiFails("up", "--yes")
	if !strings.Contains(out, "is older than") {
		t.Errorf("the downgrade's up does not refuse it:\n%s", tail(out, 15))
	}
	if got := s.ssh("bai-u1", "/home/bai/manager/.venv/bin/pip show backend.ai-manager | sed -n 's/^Version: //p'"); got != newestRelease {
		t.Errorf("the refused downgrade changed the manager to %s", got)
	}
}

// upgrade sets the stack to a release (its version and Backend.AI's own fixture files
// of it), checks the preview's plan, runs the up and checks the cluster after it.
func upgrade(t *testing.T, s *sandbox, to string, secrets map[string]string) {
	t.Helper()
	nodes := s.nodes()
	headBefore := schemaHead(t, s, "bai-u1")
	release, _ := releaseConfig(t, s, to)
	s.setConfig(release)

	// The plan: the release record, every release-bound step, nothing of the hosts'.
	plan := s.changes()
	t.Logf("the plan of the upgrade to %s (pulumi preview): %v", to, plan)
	for _, want := range []string{"release", "bai-u1-mgmt-manager-package", "bai-u1-mgmt-storage-proxy-package", "bai-u1-mgmt-webserver-package",
		"bai-u1-mgmt-schema", "bai-u1-mgmt-manager-service", "bai-u2-agent-agent-package", "bai-u2-agent-agent-config",
		"bai-u2-agent-agent-service", "verification-client-package", "verification-checks"} {
		if !slices.Contains(plan, want) {
			t.Errorf("the plan of the upgrade to %s does not update %s", to, want)
		}
	}
	for _, step := range plan {
		if strings.HasPrefix(step, "bai-u1-") && !strings.HasPrefix(step, "bai-u1-mgmt-") || step == "bai-u2-sysctl" {
			t.Errorf("the plan of the upgrade to %s touches the host step %s", to, step)
		}
	}

	out, took := s.pulumi("up", "--yes")
	t.Logf("the upgrade to %s (pulumi up): %s", to, took)
	noSecrets(t, "the output of the upgrade", out, secrets)
	if got := s.servicesRelease("bai-u1"); got != to {
		t.Errorf("the services' releases after the upgrade to %s: %q", to, got)
	}
	if got := s.ssh("bai-u2", "/home/bai/agent/.venv/bin/pip show backend.ai-agent | sed -n 's/^Version: //p'; grep -c '^initial-resource-group-name' /home/bai/agent/agent.toml"); got != to+"\n1" {
		t.Errorf("the agent after the upgrade to %s (release, the resource group key of 26.8 and later): %q", to, got)
	}
	// The schema is at the new release's head, a later one than before (schemaHead
	// fails the test unless the database's revision is the release's head).
	if head := schemaHead(t, s, "bai-u1"); head == headBefore {
		t.Errorf("the schema stayed at %s after the upgrade to %s", head, to)
	}
	// The manager restarted before the agent (one kernel: one monotonic clock).
	mgr := s.ssh("bai-u1", "systemctl show -p ExecMainStartTimestampMonotonic --value backendai-manager")
	agent := s.agentStart("bai-u2")
	if len(mgr) > len(agent) || len(mgr) == len(agent) && mgr > agent {
		t.Errorf("the agent (at %s µs) restarted before the manager (at %s µs)", agent, mgr)
	}
	checkVerification(t, s, to, "i-bai-u2")

	// The data is kept: the vfolder's file, and the users, who log in.
	if got := s.ssh("bai-u1", s.adminClient(nodes["bai-u1"])+"vfolder ls upgrade-vf 2>&1 || true"); !strings.Contains(got, "upgrade.txt") {
		t.Errorf("the vfolder's file after the upgrade to %s:\n%s", to, got)
	}
	checkLogin(t, "http://"+nodes["bai-u1"]+":8090", ltsRelease, "user@lablup.com")

	_, took = s.pulumi("up", "--yes", "--expect-no-changes")
	t.Logf("second pulumi up after the upgrade to %s, nothing to change: %s", to, took)
}

// servicesRelease is the releases of the node's manager, storage proxy and webserver,
// one line per release.
func (s *sandbox) servicesRelease(node string) string {
	s.t.Helper()
	return s.ssh(node, "for svc in manager storage-proxy webserver; do /home/bai/$svc/.venv/bin/pip show backend.ai-$svc | sed -n 's/^Version: //p'; done | sort -u")
}
