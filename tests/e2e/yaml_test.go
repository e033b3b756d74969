//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestYAMLHost: a Pulumi YAML program (examples/yaml-hosts) uses the package's Host
// component, which the provider constructs, on a sandbox host: up prepares the node
// (its account, its /etc/hosts block, its kernel parameters), its outputs are the
// component's; a preview then changes nothing; destroy leaves the host as it is.
func TestYAMLHost(t *testing.T) {
	parallel(t)
	s := newSandbox(t, "bai-y1:agent")
	dir := filepath.Join(s.root, "examples", "yaml-hosts")
	t.Cleanup(func() { _ = os.Remove(filepath.Join(dir, "Pulumi."+s.stack+".yaml")) })
	port, hostKey := s.sshOf("bai-y1")
	address := s.nodes()["bai-y1"]
	in := func(args ...string) []string { return append(args, "--cwd", dir) }
	s.pulumi(in("stack", "init")...)
	for k, v := range map[string]string{"host": "127.0.0.1", "port": strconv.Itoa(port), "hostKey": hostKey, "address": address, "docker": "false"} {
		s.pulumi(in("config", "set", k, v)...)
	}
	s.setSecretIn(dir, "sshPrivateKey", s.must("cat", ".sandbox/id_ed25519"))

	out, took := s.pulumi(in("up", "--yes")...)
	t.Logf("pulumi up of the YAML program: %s", took)
	if !strings.Contains(out, "backendai:index:Host") || !strings.Contains(out, "bai-y1-sysctl") {
		t.Errorf("the YAML program's up did not construct the Host component and its steps:\n%s", tail(out, 30))
	}
	if got := s.ssh("bai-y1", "id -u bai; grep -c 'bai-y1  # agent' /etc/hosts; sysctl -n net.core.somaxconn"); got != "1100\n1\n4096" {
		t.Errorf("bai-y1 after the YAML program's up (the account's UID, the hosts line, somaxconn): %q", got)
	}
	raw, _ := s.pulumi(in("stack", "output", "facts", "--json")...)
	var facts struct{ OS, Arch string }
	var text string
	if err := json.Unmarshal([]byte(raw), &text); err != nil || json.Unmarshal([]byte(text), &facts) != nil || facts.OS != "debian" {
		t.Errorf("the YAML stack's facts output: %s", raw)
	}
	if got, _ := s.pulumi(in("stack", "output", "docker")...); !strings.Contains(got, "not installed") {
		t.Errorf("the YAML stack's docker output: %s", got)
	}
	s.pulumi(in("preview", "--expect-no-changes")...)
	s.pulumi(in("destroy", "--yes")...)
	if got := s.ssh("bai-y1", "id -u bai"); got != "1100" {
		t.Errorf("destroy removed the account: %q", got)
	}
	s.pulumi(in("stack", "rm", "--yes")...)
}
