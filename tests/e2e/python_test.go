package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backendai-infra/backendai-infra/tests/pypicache"
)

// pulumiPython is the Pulumi Python SDK the consumers pin: the CLI's version.
const pulumiPython = "3.259.0"

// TestPythonHosts: a Python program (examples/python-hosts) prepares a sandbox host
// with the package's Host component through the generated Python SDK (sdk/python) and
// Pulumi's Automation API, an inline program: up prepares the node and returns the
// component's outputs, a preview then changes nothing, destroy removes the stack and
// leaves the host as it is.
func TestPythonHosts(t *testing.T) {
	t.Parallel()
	python := pythonSDK(t)
	s := newSandbox(t, "bai-p2:agent")
	port, hostKey := s.sshOf("bai-p2")
	nodes, _ := json.Marshal([]map[string]any{{"name": "bai-p2", "address": s.nodes()["bai-p2"], "host": "127.0.0.1",
		"port": port, "hostKey": hostKey, "roles": []string{"agent"}}})
	env := append(append([]string{}, s.env...), "BAI_STACK="+s.stack, "BAI_NODES="+string(nodes),
		"BAI_SSH_KEY_FILE="+filepath.Join(s.root, ".sandbox", "id_ed25519"),
		// The inline program's provider is found on PATH, beside the CLI.
		"PATH="+filepath.Join(s.root, "bin")+":"+filepath.Join(s.root, "bin", "backendai")+":"+os.Getenv("PATH"),
		"PULUMI_IGNORE_AMBIENT_PLUGINS=false")
	run := func(action string) string {
		t.Helper()
		cmd := exec.Command(python, filepath.Join(s.root, "examples", "python-hosts", "hosts.py"), action)
		cmd.Dir, cmd.Env = t.TempDir(), env
		out, err := cmd.CombinedOutput()
		t.Logf("$ python hosts.py %s\n%s", action, tail(string(out), 25))
		if err != nil {
			t.Fatalf("python hosts.py %s: %v", action, err)
		}
		return strings.TrimSpace(string(out))
	}

	out := run("up")
	var outputs map[string]string
	if err := json.Unmarshal([]byte(out[strings.LastIndex(out, "\n")+1:]), &outputs); err != nil || !strings.Contains(outputs["bai-p2-facts"], `"os":"debian"`) {
		t.Errorf("the Python program's outputs (%v): %v", err, outputs)
	}
	if got := s.ssh("bai-p2", "id -u bai; grep -c 'bai-p2  # agent' /etc/hosts; sysctl -n net.core.somaxconn"); got != "1100\n1\n4096" {
		t.Errorf("bai-p2 after the Python program's up (the account's UID, the hosts line, somaxconn): %q", got)
	}
	out = run("preview")
	var summary map[string]int
	if err := json.Unmarshal([]byte(out[strings.LastIndex(out, "\n")+1:]), &summary); err != nil || len(summary) != 1 || summary["same"] == 0 {
		t.Errorf("the Python program's second preview changes something (%v): %v", err, summary)
	}
	run("destroy")
	if got := s.ssh("bai-p2", "id -u bai"); got != "1100" {
		t.Errorf("destroy removed the account: %q", got)
	}
}

// pythonSDK is a venv's python with Pulumi's Python SDK (through the caching package
// index on loopback, in front of the index this machine's pip uses; the venv is kept in
// the cache) and the package's generated SDK, installed from sdk/python as it is now.
func pythonSDK(t *testing.T) string {
	t.Helper()
	if err := standIns.ServeIndex(); err != nil {
		t.Fatal(err)
	}
	index := standIns.LocalIndexURL()
	cache, err := pypicache.Dir()
	if err != nil {
		t.Fatal(err)
	}
	venv := filepath.Join(cache, "python-sdk", "pulumi-"+pulumiPython)
	python := filepath.Join(venv, "bin", "python")
	sh := func(name string, args ...string) {
		t.Helper()
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}
	if _, err := os.Stat(filepath.Join(venv, ".complete")); err != nil {
		_ = os.RemoveAll(venv)
		sh("python3", "-m", "venv", venv)
		// The generated SDK's own requirements (sdk/python/setup.py) beside Pulumi's.
		sh(python, "-m", "pip", "install", "--quiet", "--index-url", index, "pulumi=="+pulumiPython, "setuptools", "parver", "semver")
		sh("touch", filepath.Join(venv, ".complete"))
	}
	// Built from a copy: pip builds in the source tree, and sdk/ holds only generated files.
	src := filepath.Join(t.TempDir(), "python")
	sh("cp", "-r", filepath.Join(project(t), "sdk", "python"), src)
	sh(python, "-m", "pip", "install", "--quiet", "--index-url", index, "--no-deps", "--force-reinstall", src)
	return python
}
