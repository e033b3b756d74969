//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/backendai-infra/backendai-infra/internal/configs"
	"github.com/backendai-infra/backendai-infra/internal/scripts"
	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// newestRelease is the newest Backend.AI release on PyPI, which the whole-cluster test
// and the demo deploy.
const newestRelease = "26.9.6"

// TestPythonAndPackages makes a service's venv on a sandbox host from the distribution's
// Python (3.13 on Debian 13) with uv and installs Backend.AI's real webserver package
// pinned to a release from PyPI, through the caching package index on this machine; a
// release the index does not serve fails naming the releases it has, and a release
// whose Python the node lacks fails at the Python step naming both versions. Then the
// run script starts the installed server module, as systemd would.
func TestPythonAndPackages(t *testing.T) {
	parallel(t)
	s := newSandbox(t, "bai-p1:manager")
	index := startIndex(t, s, "bai-p1")
	if out, err := s.sshScript("bai-p1", scripts.Account, map[string]string{"BAI_USER": "bai", "BAI_UID": "1100", "BAI_GID": "1100"}); err != nil {
		t.Fatalf("account: %v\n%s", err, out)
	}
	py := map[string]string{"PYTHON_SOURCE": "distro", "BAI_USER": "bai", "PYTHON_NEEDS": "3.13", "RELEASE": newestRelease,
		"UV_VERSION": spec.DefaultUV, "INDEX_URL": index.IndexURL}
	out, err := s.sshScript("bai-p1", scripts.Python, py)
	if err != nil || !strings.Contains(out, "python: /usr/bin/python3 3.13.") || !strings.Contains(out, "uv "+spec.DefaultUV+" changed=yes") {
		t.Fatalf("python: %v\n%s", err, out)
	}
	if got := s.ssh("bai-p1", "/opt/backendai/uv/bin/uv --version"); !strings.HasPrefix(got, "uv "+spec.DefaultUV) {
		t.Errorf("uv on the node: %q", got)
	}
	// A release whose packages need a Python the node does not have (a line needing
	// 3.14, on Debian 13's 3.13) stops at this step, naming both.
	py["PYTHON_NEEDS"], py["RELEASE"] = "3.14", "27.1.0"
	out, err = s.sshScript("bai-p1", scripts.Python, py)
	if err == nil || !strings.Contains(out, "python: /usr/bin/python3 is Python 3.13.") ||
		!strings.Contains(out, "Backend.AI 27.1.0's packages need Python 3.14") {
		t.Errorf("a node without the release's Python: %v\n%s", err, out)
	}

	env := map[string]string{"SERVICE_DIR": "/home/bai/webserver", "PYTHON": "/usr/bin/python3", "PACKAGE": "backend.ai-webserver",
		"VERSION": newestRelease, "INDEX_URL": index.IndexURL, "BAI_USER": "bai"}
	for i, want := range []string{"changed=yes", "changed=no"} {
		out, err := s.sshScript("bai-p1", scripts.Packages, env)
		if err != nil || !strings.Contains(out, "packages: backend.ai-webserver "+newestRelease+" in /home/bai/webserver/.venv "+want) {
			t.Fatalf("packages, run %d: %v\n%s", i+1, err, out)
		}
	}
	if got := s.ssh("bai-p1", "stat -c %U /home/bai/webserver/.venv/bin/python"); got != "bai" {
		t.Errorf("the venv belongs to %s", got)
	}
	t.Logf("installed: %s", s.ssh("bai-p1", "/home/bai/webserver/.venv/bin/pip show backend.ai-webserver | grep -E '^(Name|Version|Requires):'"))
	// A release the index does not have fails with pip's reason and the releases it has.
	env["VERSION"] = "26.9.99"
	out, err = s.sshScript("bai-p1", scripts.Packages, env)
	if err == nil || !strings.Contains(out, "backend.ai-webserver==26.9.99 from "+index.IndexURL+" failed") ||
		!strings.Contains(out, "has backend.ai-webserver "+newestRelease+",") {
		t.Errorf("a missing release: %v\n%s", err, out)
	}

	// The run script starts the installed module with its config, as systemd would: with
	// no config file, Backend.AI's webserver stops and says so.
	svc := configs.Services[2]
	senv := map[string]string{"SERVICE": svc.Name, "UNIT_TEXT": svc.UnitFile("/home/bai", configs.Account{Name: "bai", UID: 1100, GID: 1100}),
		"RUN_SCRIPT": "/home/bai/bin/run-webserver.sh", "RUN_SCRIPT_TEXT": svc.RunScript("/home/bai"), "BAI_USER": "bai"}
	if out, err := s.sshScript("bai-p1", scripts.ServiceUnit, senv); err != nil {
		t.Fatalf("service: %v\n%s", err, out)
	}
	got := s.ssh("bai-p1", "setpriv --reuid=bai --regid=bai --init-groups env -u HOME timeout 60 /home/bai/bin/run-webserver.sh 2>&1 | tail -n 3 || true")
	if !strings.Contains(got, "webserver.conf") {
		t.Errorf("the run script did not start the real webserver with its config path: %q", got)
	}
}
