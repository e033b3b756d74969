package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestUpPreviewChangeDestroy is the foundation's end to end run: `pulumi up` prepares a
// management and an agent host over real SSH; the hosts are checked over SSH; a
// no-change preview and a second up change nothing; a changed sysctl value updates
// exactly the sysctl step on each host; destroy leaves the hosts' data alone.
func TestUpPreviewChangeDestroy(t *testing.T) {
	s := newSandbox(t, "bai-m1:manager,storage", "bai-a01:agent")
	nodes := s.nodes()

	s.pulumi("stack", "init")
	key, err := os.ReadFile(filepath.Join(s.root, ".sandbox", "id_ed25519"))
	if err != nil {
		t.Fatal(err)
	}
	if out, err := s.commandIn(string(key), filepath.Join(s.root, "bin", "pulumi"), "config", "set", "--secret", "sshPrivateKey",
		"--stack", s.stack, "--non-interactive"); err != nil {
		t.Fatalf("config set: %v\n%s", err, out)
	}

	out, took := s.pulumi("up", "--yes")
	t.Logf("first pulumi up (2 hosts): %s", took)
	if !strings.Contains(out, "16 created") {
		t.Errorf("first up did not create 16 resources (1 stack, 1 cluster, 2 hosts, 12 steps):\n%s", out)
	}

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

	_, took = s.pulumi("preview", "--expect-no-changes")
	t.Logf("no-change pulumi preview (2 hosts): %s", took)
	s.pulumi("up", "--yes", "--expect-no-changes")

	s.pulumi("config", "set", "--path", `sysctl["net.core.somaxconn"]`, "4096")
	preview, _ := s.pulumi("preview", "--json")
	var plan struct {
		Steps []struct {
			Op          string   `json:"op"`
			URN         string   `json:"urn"`
			DiffReasons []string `json:"diffReasons"`
		} `json:"steps"`
	}
	if err := json.Unmarshal([]byte(preview), &plan); err != nil {
		t.Fatalf("preview --json: %v\n%s", err, preview)
	}
	var changed []string
	for _, st := range plan.Steps {
		if st.Op == "same" {
			continue
		}
		changed = append(changed, st.URN[strings.LastIndex(st.URN, "::")+2:])
		if st.Op != "update" || !slices.Equal(st.DiffReasons, []string{"environment"}) {
			t.Errorf("%s: op %s because of %v, want an update of its environment", st.URN, st.Op, st.DiffReasons)
		}
	}
	slices.Sort(changed)
	if want := []string{"bai-a01-sysctl", "bai-m1-sysctl"}; !slices.Equal(changed, want) {
		t.Errorf("the sysctl change touches %v, want exactly %v", changed, want)
	}

	s.pulumi("up", "--yes")
	for name := range nodes {
		if got := s.ssh(name, "sysctl -n net.core.somaxconn; grep -x net.core.somaxconn=4096 /etc/sysctl.d/99-backendai.conf"); got != "4096\nnet.core.somaxconn=4096" {
			t.Errorf("%s: somaxconn after the change: %q", name, got)
		}
	}
	s.pulumi("up", "--yes", "--expect-no-changes")

	state, _ := s.pulumi("stack", "export")
	if strings.Contains(state, "PRIVATE KEY") {
		t.Error("the stack state holds the SSH private key in plaintext")
	}

	out, _ = s.pulumi("destroy", "--yes")
	if !strings.Contains(out, "16 deleted") {
		t.Errorf("destroy did not delete the 16 resources:\n%s", out)
	}
	// Destroying the stack forgets the steps; it does not undo the hosts' setup.
	for name := range nodes {
		if got := s.ssh(name, "id -u bai"); got != "1100" {
			t.Errorf("%s: the account is gone after destroy: %q", name, got)
		}
	}
	s.pulumi("stack", "rm", "--yes")
}
