package scripts

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNVIDIAStep runs nvidia.sh on this machine with stand-ins for the GPU tools, which
// no host here has (named as such: nvidia-smi, nvidia-ctk and systemctl are shell
// scripts in a temporary PATH directory). Without a driver the step fails with the
// reason; with one, Docker restarts when nvidia-ctk changes daemon.json, and only then.
// Its check mode changes nothing and reports a missing driver, and a daemon.json that
// nvidia-ctk would change (not one in another layout).
func TestNVIDIAStep(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	daemon := filepath.Join(dir, "daemon.json")
	restarts := filepath.Join(dir, "restarts")
	write := func(name, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Stand-ins: nvidia-ctk writes the runtime into the file it is given, as the real one does.
	write(filepath.Join(bin, "nvidia-ctk"), `#!/bin/sh
case "$1" in --version) echo "NVIDIA Container Toolkit CLI version 1.17.8 (stand-in)"; exit 0 ;; esac
for a; do case "$a" in --config=*) f=${a#--config=} ;; esac; done
printf '{\n  "runtimes": {"nvidia": {"path": "nvidia-container-runtime"}}\n}\n' >"$f"
`)
	write(filepath.Join(bin, "systemctl"), "#!/bin/sh\necho \"$*\" >>"+restarts+"\n")
	restarted := func() int {
		b, _ := os.ReadFile(restarts)
		return strings.Count(string(b), "restart docker")
	}
	run := func(env ...string) (string, error) {
		cmd := exec.Command("bash", "-s")
		cmd.Stdin = strings.NewReader(NVIDIA)
		cmd.Env = append([]string{"PATH=" + bin + ":" + os.Getenv("PATH"), "NVIDIA_REPO=https://nvidia.invalid", "DOCKER_DAEMON_JSON=" + daemon}, env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	// check runs the step's check mode, which must exit 0, leave daemon.json as it was and
	// restart nothing, and returns its drift lines.
	check := func() string {
		t.Helper()
		before, _ := os.ReadFile(daemon)
		restartsBefore := restarted()
		out, err := run("BAI_CHECK=1")
		if err != nil {
			t.Fatalf("check mode: %v\n%s", err, out)
		}
		if after, _ := os.ReadFile(daemon); string(after) != string(before) || restarted() != restartsBefore {
			t.Errorf("check mode changed daemon.json or restarted Docker:\n%s\n%s", before, after)
		}
		var drift []string
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "drift: ") {
				drift = append(drift, line)
			}
		}
		return strings.Join(drift, "\n")
	}
	if out, err := run(); err == nil || !strings.Contains(out, "has no driver (nvidia-smi is missing)") {
		t.Fatalf("without a driver: %v\n%s", err, out)
	}
	if got := check(); !strings.Contains(got, "drift: the node declares NVIDIA GPUs, but has no driver") {
		t.Errorf("check mode without a driver: %q", got)
	}
	write(filepath.Join(bin, "nvidia-smi"), "#!/bin/sh\necho 'NVIDIA A100-SXM4-40GB, 550.54.15'\n")
	if got, want := check(), "drift: "+daemon+" lacks the NVIDIA runtime (nvidia-ctk runtime configure would change it)"; got != want {
		t.Errorf("check mode before the first run: %q, want %q", got, want)
	}
	out, err := run()
	if err != nil || !strings.Contains(out, "NVIDIA A100-SXM4-40GB, 550.54.15") || !strings.HasSuffix(strings.TrimSpace(out), "changed=yes") {
		t.Fatalf("first run: %v\n%s", err, out)
	}
	if restarted() != 1 {
		t.Errorf("Docker restarted %d times after the runtime was configured, want 1", restarted())
	}
	out, err = run()
	if err != nil || !strings.HasSuffix(strings.TrimSpace(out), "changed=no") {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	if restarted() != 1 {
		t.Errorf("a second run restarted Docker (%d restarts)", restarted())
	}
	if got := check(); got != "" {
		t.Errorf("check mode after the runs reports drift: %q", got)
	}
	// The same runtime in another layout (daemon_json.sh writes the file its way): no drift.
	write(daemon, `{"runtimes": {"nvidia": {"path": "nvidia-container-runtime"}}}`)
	if got := check(); got != "" {
		t.Errorf("check mode after daemon.json was laid out anew reports drift: %q", got)
	}
	// The runtime removed by hand: drift, which the next run puts back.
	write(daemon, `{"insecure-registries": ["10.0.0.5:5000"]}`)
	if got := check(); !strings.Contains(got, "lacks the NVIDIA runtime") {
		t.Errorf("check mode after the runtime was removed: %q", got)
	}
	if _, err := run(); err != nil || restarted() != 2 {
		t.Errorf("the run after the runtime was removed: %v, %d restarts", err, restarted())
	}
	if got := check(); got != "" {
		t.Errorf("check mode after the rerun reports drift: %q", got)
	}
}

// TestFactsReportGPUs runs facts.sh with a stand-in nvidia-smi (a shell script): the
// facts name the driver's version and each GPU, as JSON.
func TestFactsReportGPUs(t *testing.T) {
	bin := t.TempDir()
	smi := "#!/bin/sh\necho '550.54.15, NVIDIA A100-SXM4-40GB'\necho '550.54.15, NVIDIA \"H100\"'\n"
	if err := os.WriteFile(filepath.Join(bin, "nvidia-smi"), []byte(smi), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-s")
	cmd.Stdin = strings.NewReader(Facts)
	cmd.Env = []string{"PATH=" + bin + ":" + os.Getenv("PATH")}
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	var facts struct {
		Driver string   `json:"nvidiaDriver"`
		GPUs   []string `json:"gpus"`
	}
	if err := json.Unmarshal(out, &facts); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if facts.Driver != "550.54.15" || len(facts.GPUs) != 2 || facts.GPUs[0] != "NVIDIA A100-SXM4-40GB" || facts.GPUs[1] != "NVIDIA H100" {
		t.Errorf("facts: %+v", facts)
	}
}
