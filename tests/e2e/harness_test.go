//go:build e2e

// Package e2e runs the real Pulumi CLI (built from Go modules by tools/build.sh) on
// sandbox hosts: Debian containers on this machine, reached over SSH on 127.0.0.1.
// Nothing here is skipped: without Docker or the toolchain the tests fail and say why.
package e2e

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/backendai-infra/backendai-infra/internal/profile"
)

// project is the repository root, where Pulumi.yaml is.
func project(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"bin/pulumi", "bin/pulumi-language-go", "bin/backendai/pulumi-resource-backendai"} {
		if _, err := os.Stat(filepath.Join(root, tool)); err != nil {
			t.Fatalf("%s is missing: run tools/build.sh first (tools/test.sh does)", tool)
		}
	}
	if err := exec.Command("docker", "version").Run(); err != nil {
		// The sandbox script starts dockerd when it is installed; only its absence is fatal.
		if _, err := exec.LookPath("dockerd"); err != nil {
			t.Fatal("Docker Engine is missing: the sandbox hosts need it (tools/deps.sh installs docker.io)")
		}
	}
	return root
}

// sandbox is a stack of sandbox hosts with its own state backend.
type sandbox struct {
	t     testing.TB
	root  string
	stack string
	env   []string
	// admin is the stack's superadmin, once read; clientLogin the management nodes
	// (by address) that hold its login for the client.
	admin       *superadminLogin
	clientLogin map[string]bool
	// noApps says the stack's verification opens no app (verify.apps: []).
	noApps bool
}

// newSandbox starts hosts (NAME:ROLES) for a fresh stack and removes them when the test ends.
func newSandbox(t testing.TB, hosts ...string) *sandbox {
	t.Helper()
	return newSandboxWith(t, "", hosts...)
}

// newSandboxWith is newSandbox with a setting of sandbox.sh (VAR=value) in the stack's
// environment (as a test that runs in parallel cannot set the process's).
func newSandboxWith(t testing.TB, setting string, hosts ...string) *sandbox {
	t.Helper()
	s := newStack(t)
	if setting != "" {
		s.env = append(s.env, setting)
	}
	t.Cleanup(func() {
		if out, err := s.command("bash", "tests/sandbox/sandbox.sh", "down"); err != nil {
			t.Errorf("sandbox down: %v\n%s", err, out)
		}
	})
	s.must("bash", append([]string{"tests/sandbox/sandbox.sh", "up"}, hosts...)...)
	return s
}

// newStack is a fresh stack name with its own state backend, and no hosts; its stack
// file is removed when the test ends.
func newStack(t testing.TB) *sandbox {
	t.Helper()
	root := project(t)
	suffix := make([]byte, 3)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatal(err)
	}
	s := &sandbox{t: t, root: root, stack: "e2e-" + hex.EncodeToString(suffix)}
	s.env = append(os.Environ(),
		"PATH="+filepath.Join(root, "bin")+":"+os.Getenv("PATH"),
		"PULUMI_HOME="+filepath.Join(root, ".pulumi-home"),
		"PULUMI_BACKEND_URL=file://"+t.TempDir(),
		"PULUMI_CONFIG_PASSPHRASE=e2e-passphrase",
		"PULUMI_SKIP_UPDATE_CHECK=true",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true",
		"PULUMI_IGNORE_AMBIENT_PLUGINS=true",
		"PULUMI_SKIP_CONFIRMATIONS=true",
		"PULUMI_PARALLEL=64",            // as tools/env.sh sets it
		"PULUMI_CONTINUE_ON_ERROR=true", // as tools/env.sh sets it
		"SANDBOX_STACK="+s.stack,
		"SSH_AUTH_SOCK=",
	)
	t.Cleanup(func() { _ = os.Remove(filepath.Join(root, "Pulumi."+s.stack+".yaml")) })
	return s
}

// on is the sandbox with t for its failures: a subtest's (a scenario of a test that
// shares the sandbox).
func (s *sandbox) on(t testing.TB) *sandbox {
	c := *s
	c.t = t
	return &c
}

func (s *sandbox) command(name string, args ...string) (string, error) {
	return s.commandIn("", name, args...)
}

func (s *sandbox) commandIn(stdin, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = s.root, s.env
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func (s *sandbox) must(name string, args ...string) string {
	s.t.Helper()
	out, err := s.command(name, args...)
	if err != nil {
		s.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// pulumi runs the CLI on the sandbox stack and returns its output and wall time.
func (s *sandbox) pulumi(args ...string) (string, time.Duration) {
	s.t.Helper()
	start := time.Now()
	out, err := s.command(filepath.Join(s.root, "bin", "pulumi"), append(args, "--stack", s.stack, "--non-interactive")...)
	took := time.Since(start)
	if err != nil {
		s.t.Fatalf("pulumi %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	// The log shows what the engine did: every up, preview, refresh and destroy.
	if slices.Contains([]string{"up", "preview", "refresh", "destroy"}, args[0]) && !slices.Contains(args, "--json") {
		s.t.Logf("$ pulumi %s (%s)\n%s", strings.Join(args, " "), took.Round(time.Millisecond), out)
	}
	return out, took
}

// A runningUp is `pulumi up --yes` on the stack, running while the test reads its output.
type runningUp struct {
	cmd   *exec.Cmd
	lines <-chan string // the output, line by line; closed at its end
	done  <-chan error  // how the up ended
}

// startUp starts `pulumi up --yes`; its reader must read its lines to their end.
func (s *sandbox) startUp() runningUp {
	s.t.Helper()
	cmd := exec.Command(filepath.Join(s.root, "bin", "pulumi"), "up", "--yes", "--stack", s.stack, "--non-interactive")
	cmd.Dir, cmd.Env = s.root, s.env
	r, w := io.Pipe()
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		scan := bufio.NewScanner(r)
		scan.Buffer(make([]byte, 64*1024), 4*1024*1024)
		for scan.Scan() {
			lines <- scan.Text()
		}
		_, _ = io.Copy(io.Discard, r)
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); _ = w.Close() }()
	return runningUp{cmd: cmd, lines: lines, done: done}
}

// profiledUp is `pulumi up --yes` with the engine's event log, and logs the up's
// profile: its critical path and the time per phase (internal/profile).
func (s *sandbox) profiledUp() (string, time.Duration) {
	s.t.Helper()
	dir := s.t.TempDir()
	events, state := filepath.Join(dir, "up.events"), filepath.Join(dir, "state.json")
	// The CLI offers --event-log with its debug commands (as its Automation API uses it).
	env := s.env
	s.env = append(slices.Clip(env), "PULUMI_DEBUG_COMMANDS=true")
	out, took := s.pulumi("up", "--yes", "--event-log", events)
	s.env = env
	s.pulumi("stack", "export", "--file", state)
	p, err := profile.ReadFiles(events, state)
	if err != nil {
		s.t.Fatalf("the up's profile: %v", err)
	}
	var b strings.Builder
	p.Write(&b)
	s.t.Logf("the up's profile:\n%s", b.String())
	return out, took
}

// pulumiFails runs the CLI on the stack, requires it to fail, and returns its output.
func (s *sandbox) pulumiFails(args ...string) string {
	s.t.Helper()
	out, err := s.command(filepath.Join(s.root, "bin", "pulumi"), append(args, "--stack", s.stack, "--non-interactive")...)
	if err == nil {
		s.t.Fatalf("pulumi %s succeeded; it should fail:\n%s", strings.Join(args, " "), out)
	}
	s.t.Logf("$ pulumi %s (fails, as it should)\n%s", strings.Join(args, " "), out)
	return out
}

// setConfig sets the stack's config, each value at its path.
func (s *sandbox) setConfig(kvs [][2]string) {
	s.t.Helper()
	for _, kv := range kvs {
		s.pulumi("config", "set", "--path", kv[0], kv[1])
	}
}

// setConfigValue sets a config key of the project's namespace to a value the CLI's
// `config set --path` cannot write (an empty list), in the stack's file.
func (s *sandbox) setConfigValue(key string, value any) {
	s.t.Helper()
	file := filepath.Join(s.root, "Pulumi."+s.stack+".yaml")
	raw, err := os.ReadFile(file)
	if err != nil {
		s.t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		s.t.Fatal(err)
	}
	config, _ := doc["config"].(map[string]any)
	if config == nil {
		config = map[string]any{}
	}
	config["backendai-cluster:"+key] = value
	doc["config"] = config
	if raw, err = yaml.Marshal(doc); err == nil {
		err = os.WriteFile(file, raw, 0o644)
	}
	if err != nil {
		s.t.Fatal(err)
	}
}

// setSecret sets a secret config key of the stack; the value goes on stdin.
func (s *sandbox) setSecret(key, value string) {
	s.t.Helper()
	s.setSecretIn(s.root, key, value)
}

// setSecretIn sets a secret config key of the stack of the project in dir.
func (s *sandbox) setSecretIn(dir, key, value string) {
	s.t.Helper()
	if out, err := s.commandIn(value, filepath.Join(s.root, "bin", "pulumi"), "config", "set", "--secret", key,
		"--stack", s.stack, "--non-interactive", "--cwd", dir); err != nil {
		s.t.Fatalf("config set %s: %v\n%s", key, err, out)
	}
}

// ssh runs a command on a sandbox host and returns its trimmed stdout.
func (s *sandbox) ssh(host, command string) string {
	s.t.Helper()
	out, err := s.command("bash", "tests/sandbox/sandbox.sh", "ssh", host, command)
	if err != nil {
		s.t.Fatalf("on %s: %s: %v\n%s", host, command, err, out)
	}
	return strings.TrimSpace(out)
}

// sshScript runs a script on a host with the given environment exported first, the
// way the provider does.
func (s *sandbox) sshScript(host, script string, env map[string]string) (string, error) {
	var b strings.Builder
	for k, v := range env {
		fmt.Fprintf(&b, "export %s='%s'\n", k, strings.ReplaceAll(v, "'", `'\''`))
	}
	b.WriteString(script)
	return s.commandIn(b.String(), "bash", "tests/sandbox/sandbox.sh", "ssh", host, "bash -s")
}

// nodes reads the node addresses the sandbox wrote into the stack file.
func (s *sandbox) nodes() map[string]string {
	s.t.Helper()
	out := map[string]string{}
	for name, n := range s.nodeConfig() {
		out[name] = n["address"].(string)
	}
	return out
}

// sshOf reads how the sandbox reaches a host: its port on 127.0.0.1 and its host key.
func (s *sandbox) sshOf(name string) (int, string) {
	s.t.Helper()
	n, ok := s.nodeConfig()[name]
	if !ok {
		s.t.Fatalf("no node %s in Pulumi.%s.yaml", name, s.stack)
	}
	ssh := n["ssh"].(map[string]any)
	return ssh["port"].(int), ssh["hostKey"].(string)
}

// nodeConfig is the stack file's node list, by name.
func (s *sandbox) nodeConfig() map[string]map[string]any {
	s.t.Helper()
	out := map[string]map[string]any{}
	for _, n := range s.nodeList() {
		out[n["name"].(string)] = n
	}
	return out
}

// nodeList is the stack's nodes, in their order.
func (s *sandbox) nodeList() []map[string]any {
	s.t.Helper()
	raw, err := os.ReadFile(filepath.Join(s.root, "Pulumi."+s.stack+".yaml"))
	if err != nil {
		s.t.Fatal(err)
	}
	var file struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(raw, &file); err != nil {
		s.t.Fatal(err)
	}
	var out []map[string]any
	list, _ := file.Config["backendai-cluster:nodes"].([]any)
	for _, n := range list {
		out = append(out, n.(map[string]any))
	}
	if len(out) == 0 {
		s.t.Fatalf("no nodes in Pulumi.%s.yaml", s.stack)
	}
	return out
}
