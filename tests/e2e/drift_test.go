//go:build e2e

package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// checkDrift: hands change the cluster's hosts, one of each kind a step reads back (a
// marked block, a drop-in, a rendered config file, a unit's state, a venv's package,
// Docker's daemon.json, a key file's mode, a pulled image); `pulumi refresh` names those
// steps and only those, the next up reruns exactly them and puts the hosts back, and a
// second refresh finds nothing.
func checkDrift(t *testing.T, s *sandbox, secrets map[string]string) {
	t.Helper()
	// The kernel image the agents pull (images.pull[0]).
	kernel, _ := s.pulumi("config", "get", "--path", "images.pull[0]")
	kernel = strings.TrimSpace(kernel)
	// /etc/hosts is written in place: on the sandbox hosts it is a bind mount.
	edits := []struct{ node, step, edit, check string }{
		{"bai-a01", "bai-a01-hosts", `h=$(sed '/^##### END for Backend.AI services/i 10.9.9.9 intruder' /etc/hosts) && printf '%s\n' "$h" >/etc/hosts`,
			`! grep -q intruder /etc/hosts`},
		{"bai-a02", "bai-a02-limits", `echo '* soft nofile 1024' >>/etc/security/limits.d/99-backendai.conf`,
			`! grep -q '^\* soft nofile 1024' /etc/security/limits.d/99-backendai.conf`},
		{"bai-s1", "bai-s1-sysctl", `echo '# by hand' >>/etc/sysctl.d/99-backendai.conf`,
			`! grep -q 'by hand' /etc/sysctl.d/99-backendai.conf`},
		{"bai-s1", "bai-s1-docker-daemon", `python3 -c 'import json; p="/etc/docker/daemon.json"; c=json.load(open(p)) if __import__("os").path.exists(p) else {}; c["insecure-registries"]=["10.9.9.9:5000"]; json.dump(c, open(p, "w"))'`,
			`! grep -q 10.9.9.9 /etc/docker/daemon.json`},
		{"bai-a01", "bai-a01-agent-agent-config", `echo '# by hand' >>/home/bai/agent/agent.toml`,
			`! grep -q 'by hand' /home/bai/agent/agent.toml`},
		{"bai-m1", "bai-m1-mgmt-storage-proxy-service", `systemctl disable --quiet backendai-storage-proxy`,
			`systemctl is-enabled --quiet backendai-storage-proxy && systemctl is-active --quiet backendai-storage-proxy`},
		{"bai-m1", "bai-m1-mgmt-webserver-package", `/home/bai/webserver/.venv/bin/python -m pip uninstall -y -q backend.ai-webserver`,
			`/home/bai/webserver/.venv/bin/python -m pip show backend.ai-webserver | grep -q '^Version: '`},
		{"bai-a02", "bai-a02-storage-vfroot", `sed -i '/^# END backendai-infra vfroot/i # by hand' /etc/fstab`,
			`! grep -q 'by hand' /etc/fstab`},
		// The rerun keeps the keypair (the agents trust it) and makes its secret 0600 again.
		// An agent's secret key, not the manager's: the manager's keypair step prints the
		// certificate the agents take, so a preview of its rerun shows theirs as changing too.
		{"bai-a02", "bai-a02-agent-rpc-keys", `chmod 0640 /home/bai/agent/fixtures/agent.key_secret`,
			`[ "$(stat -c %a /home/bai/agent/fixtures/agent.key_secret)" = 600 ]`},
		// Untagged, even while a stopped session's container holds it; the rerun pulls it.
		{"bai-a01", "bai-a01-agent-images", `docker image rm -f ` + kernel + ` >/dev/null`,
			`docker image inspect ` + kernel + ` >/dev/null`},
	}
	var want []string
	for _, e := range edits {
		s.ssh(e.node, e.edit)
		want = append(want, e.step)
	}
	slices.Sort(want)
	out, took := s.pulumi("refresh", "--yes", "--diff")
	t.Logf("pulumi refresh after %d hand edits: %s", len(edits), took)
	noSecrets(t, "the refresh's output", out, secrets)
	for _, e := range edits {
		if !strings.Contains(out, e.step) {
			t.Errorf("the refresh does not name %s", e.step)
		}
	}
	if got := s.changes(); !slices.Equal(got, want) {
		t.Errorf("after the refresh, the next up would change %v, want exactly %v", got, want)
	}
	out, _ = s.pulumi("up", "--yes")
	if !strings.Contains(out, fmt.Sprintf("%d updated", len(edits))) {
		t.Errorf("the up after the refresh did not update the %d drifted steps:\n%s", len(edits), tail(out, 20))
	}
	for _, e := range edits {
		if got, err := s.command("bash", "tests/sandbox/sandbox.sh", "ssh", e.node, e.check); err != nil {
			t.Errorf("%s on %s is not put back by the up (%s): %s", e.step, e.node, e.check, got)
		}
	}
	s.pulumi("refresh", "--yes", "--expect-no-changes")
	s.pulumi("preview", "--expect-no-changes")
}
