package e2e

import (
	"slices"
	"strings"
	"testing"
)

// The releases the upgrade test goes between: the newest of the 26.4 LTS line and the
// newest release, both from PyPI. Not the newest 26.8 (26.8.3): 26.4.16's schema has a
// migration (e1b7f3d20a94) backported to 26.4.11 and 26.8.4, which 26.8.3 lacks, so no
// 26.8 release on PyPI can take a 26.4.16 database (schema.sh says so).
const (
	ltsRelease  = "26.4.16"
	nextRelease = newestRelease
)

// TestUpgrade upgrades a cluster in place by changing the stack's version: a management
// node and an agent at the newest 26.4 release, with Backend.AI's example users and a
// vfolder holding a file, go to the newest release. The preview shows the plan (the
// release record, every package, the files in the new line's form, the schema, the
// services, the verification) before anything runs; the up installs the new packages,
// migrates the schema to the new head once, restarts the manager before the agent, and
// ends verified. The data stays: the user logs in through the webserver, the vfolder's
// file is there. A second up changes nothing, and going back to 26.4 is refused at preview.
func TestUpgrade(t *testing.T) {
	s, _, secrets := clusterStack(t, ltsRelease, "bai-u1:manager,storage", "bai-u2:agent")
	nodes := s.nodes()
	out, took := s.pulumi("up", "--yes")
	t.Logf("first pulumi up at %s (a management node, an agent): %s", ltsRelease, took)
	noSecrets(t, "the output of up", out, secrets)
	checkVerification(t, s, ltsRelease, "i-bai-u2")
	headBefore := schemaHead(t, s, "bai-u1")
	managerStart := s.ssh("bai-u1", "systemctl show -p ExecMainStartTimestampMonotonic --value backendai-manager")

	// A vfolder of the admin's, with a file in it, on the shared volume.
	client := adminClient(nodes["bai-u1"])
	s.ssh("bai-u1", "echo kept-across-the-upgrade > /tmp/upgrade.txt && "+client+"vfolder create upgrade-vf local:nfs && cd /tmp && "+client+"vfolder upload upgrade-vf upgrade.txt")
	if got := s.ssh("bai-u1", client+"vfolder ls upgrade-vf 2>&1 || true"); !strings.Contains(got, "upgrade.txt") {
		t.Fatalf("the vfolder's file before the upgrade:\n%s", got)
	}

	// 26.8.3 cannot take this database: the up stops at the schema, saying why, before
	// any service restarts.
	s.pulumi("config", "set", "version", "26.8.3")
	out = s.pulumiFails("up", "--yes")
	if !strings.Contains(out, "the database is at revision e1b7f3d20a94, which Backend.AI 26.8.3's migrations do not contain") {
		t.Errorf("the up to 26.8.3 does not stop at the schema with the reason:\n%s", tail(out, 20))
	}
	if got := s.ssh("bai-u1", "systemctl show -p ExecMainStartTimestampMonotonic --value backendai-manager"); got != managerStart {
		t.Error("the refused upgrade restarted the manager")
	}

	// The plan: the release record, every release-bound step, nothing of the hosts'. The
	// fixture files go with the release: Backend.AI's own files of it, the same rows in
	// its tables' shapes (26.4's sgroups_for_domains.domain is 26.9's domain_id).
	release, _ := releaseConfig(t, s, nextRelease)
	for _, kv := range release {
		s.pulumi("config", "set", "--path", kv[0], kv[1])
	}
	plan := s.changes()
	t.Logf("the upgrade's plan (pulumi preview): %v", plan)
	for _, want := range []string{"release", "bai-u1-mgmt-manager-package", "bai-u1-mgmt-storage-proxy-package", "bai-u1-mgmt-webserver-package",
		"bai-u1-mgmt-schema", "bai-u1-mgmt-manager-service", "bai-u2-agent-agent-package", "bai-u2-agent-agent-config",
		"bai-u2-agent-agent-service", "verification-client-package", "verification-checks"} {
		if !slices.Contains(plan, want) {
			t.Errorf("the upgrade's plan does not update %s", want)
		}
	}
	for _, step := range plan {
		if strings.HasPrefix(step, "bai-u1-") && !strings.HasPrefix(step, "bai-u1-mgmt-") || step == "bai-u2-sysctl" {
			t.Errorf("the upgrade's plan touches the host step %s", step)
		}
	}
	out, took = s.pulumi("up", "--yes")
	t.Logf("the upgrade to %s (pulumi up): %s", nextRelease, took)
	noSecrets(t, "the output of the upgrade", out, secrets)
	if got := s.ssh("bai-u1", "for svc in manager storage-proxy webserver; do /home/bai/$svc/.venv/bin/pip show backend.ai-$svc | sed -n 's/^Version: //p'; done | sort -u"); got != nextRelease {
		t.Errorf("the services' releases after the upgrade: %q", got)
	}
	if got := s.ssh("bai-u2", "/home/bai/agent/.venv/bin/pip show backend.ai-agent | sed -n 's/^Version: //p'; grep -c '^initial-resource-group-name' /home/bai/agent/agent.toml"); got != nextRelease+"\n1" {
		t.Errorf("the agent after the upgrade (release, the resource group key of 26.8 and later): %q", got)
	}
	// The schema is at the new release's head, a later one than before.
	if head := schemaHead(t, s, "bai-u1"); head == headBefore {
		t.Errorf("the schema stayed at %s", head)
	}
	// The manager restarted before the agent (one kernel: one monotonic clock).
	mgr := s.ssh("bai-u1", "systemctl show -p ExecMainStartTimestampMonotonic --value backendai-manager")
	agent := s.agentStart("bai-u2")
	if len(mgr) > len(agent) || len(mgr) == len(agent) && mgr > agent {
		t.Errorf("the agent (at %s µs) restarted before the manager (at %s µs)", agent, mgr)
	}
	checkVerification(t, s, nextRelease, "i-bai-u2")

	// The data is kept: the vfolder's file, and the users, who log in.
	if got := s.ssh("bai-u1", client+"vfolder ls upgrade-vf 2>&1 || true"); !strings.Contains(got, "upgrade.txt") {
		t.Errorf("the vfolder's file after the upgrade:\n%s", got)
	}
	checkLogin(t, "http://"+nodes["bai-u1"]+":8090", ltsRelease, "user@lablup.com")

	_, took = s.pulumi("up", "--yes", "--expect-no-changes")
	t.Logf("second pulumi up after the upgrade, nothing to change: %s", took)

	// Back to 26.4 is refused at preview, naming both releases; nothing changes.
	s.pulumi("config", "set", "version", ltsRelease)
	out = s.pulumiFails("preview")
	if !strings.Contains(out, ltsRelease+" is older than "+nextRelease+", the release this cluster runs") {
		t.Errorf("the downgrade's preview does not refuse it with the reason:\n%s", tail(out, 15))
	}
	out = s.pulumiFails("up", "--yes")
	if !strings.Contains(out, "is older than") {
		t.Errorf("the downgrade's up does not refuse it:\n%s", tail(out, 15))
	}
	if got := s.ssh("bai-u1", "/home/bai/manager/.venv/bin/pip show backend.ai-manager | sed -n 's/^Version: //p'"); got != nextRelease {
		t.Errorf("the refused downgrade changed the manager to %s", got)
	}
	s.pulumi("config", "set", "version", nextRelease)
	s.pulumi("destroy", "--yes")
	s.pulumi("stack", "rm", "--yes")
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
