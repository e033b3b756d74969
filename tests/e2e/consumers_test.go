//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// hostsProgram runs an Automation API program of examples/ (command, then its action:
// up, preview or destroy) that prepares one sandbox host with the Host component, and
// checks what each action does: up prepares the node (the account, its line in
// /etc/hosts, a kernel parameter) and prints the component's outputs as its last line,
// a preview then changes nothing (its last line is the change summary), destroy removes
// the stack and leaves the host as it is.
func hostsProgram(t *testing.T, node string, command ...string) {
	t.Helper()
	s := newSandbox(t, node+":agent")
	port, hostKey := s.sshOf(node)
	nodes, _ := json.Marshal([]map[string]any{{"name": node, "address": s.nodes()[node], "host": "127.0.0.1",
		"port": port, "hostKey": hostKey, "roles": []string{"agent"}}})
	run := automationProgram(t, s, []string{"BAI_NODES=" + string(nodes)}, command...)

	var outputs map[string]string
	if last := run("up"); json.Unmarshal([]byte(last), &outputs) != nil || !strings.Contains(outputs[node+"-facts"], `"os":"debian"`) {
		t.Errorf("the program's outputs: %s", last)
	}
	if got := s.ssh(node, "id -u bai; grep -c '"+node+"  # agent' /etc/hosts; sysctl -n net.core.somaxconn"); got != "1100\n1\n4096" {
		t.Errorf("%s after the program's up (the account's UID, the hosts line, somaxconn): %q", node, got)
	}
	var summary map[string]int
	if last := run("preview"); json.Unmarshal([]byte(last), &summary) != nil || len(summary) != 1 || summary["same"] == 0 {
		t.Errorf("the program's second preview changes something: %s", last)
	}
	run("destroy")
	if got := s.ssh(node, "id -u bai"); got != "1100" {
		t.Errorf("destroy removed the account: %q", got)
	}
}

// automationProgram is a runner of an Automation API program of examples/ (command, then
// its action: up, preview or destroy) on s's stack (BAI_STACK), with the sandbox's login
// key (BAI_SSH_KEY_FILE) and env; it returns the program's last line of output.
func automationProgram(t *testing.T, s *sandbox, env []string, command ...string) func(action string) string {
	t.Helper()
	env = append(append(append([]string{}, s.env...), env...), "BAI_STACK="+s.stack,
		"BAI_SSH_KEY_FILE="+filepath.Join(s.root, ".sandbox", "id_ed25519"),
		// An inline program's provider is found on PATH, beside the CLI.
		"PATH="+filepath.Join(s.root, "bin")+":"+filepath.Join(s.root, "bin", "backendai")+":"+os.Getenv("PATH"),
		"PULUMI_IGNORE_AMBIENT_PLUGINS=false")
	return func(action string) string {
		t.Helper()
		cmd := exec.Command(command[0], append(command[1:], action)...)
		cmd.Dir, cmd.Env = t.TempDir(), env
		out, err := cmd.CombinedOutput()
		t.Logf("$ %s %s\n%s", filepath.Base(command[len(command)-1]), action, tail(string(out), 25))
		if err != nil {
			var errs []string // the diagnostics' errors and what follows each, wherever they are in the output
			lines := strings.Split(string(out), "\n")
			for i, line := range lines {
				if strings.HasPrefix(strings.TrimSpace(line), "error: step ") {
					errs = append(errs, lines[i:min(i+20, len(lines))]...)
				}
			}
			t.Fatalf("%s %s: %v\n%s", filepath.Base(command[len(command)-1]), action, err, strings.Join(errs, "\n"))
		}
		out = []byte(strings.TrimSpace(string(out)))
		return string(out[strings.LastIndex(string(out), "\n")+1:])
	}
}
