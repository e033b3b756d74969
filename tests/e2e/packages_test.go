package e2e

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/backendai-infra/backendai-infra/infra/configs"
	"github.com/backendai-infra/backendai-infra/infra/scripts"
	"github.com/backendai-infra/backendai-infra/tests/standins"
)

// TestPythonAndPackages makes a service's venv on a sandbox host from the distribution's
// Python and installs its package pinned to the release from a package index, then runs
// the service through its run script.
//
// Stand-ins, named: Backend.AI's wheels cannot be downloaded here, so the package is a
// stand-in wheel called backend.ai-webserver 26.8.1 (package standins) whose server
// module only reports how it was started, and the index is a local one (PEP 503 pages
// served by python3 -m http.server on the host's loopback).
func TestPythonAndPackages(t *testing.T) {
	s := newSandbox(t, "bai-p1:manager")
	if out, err := s.sshScript("bai-p1", scripts.Account, map[string]string{"BAI_USER": "bai", "BAI_UID": "1100", "BAI_GID": "1100"}); err != nil {
		t.Fatalf("account: %v\n%s", err, out)
	}
	out, err := s.sshScript("bai-p1", scripts.Python, map[string]string{"PYTHON_SOURCE": "distro", "BAI_USER": "bai"})
	if err != nil || !strings.Contains(out, "python: /usr/bin/python3 3.") {
		t.Fatalf("python: %v\n%s", err, out)
	}

	all, err := standins.Packages("26.8.1")
	if err != nil {
		t.Fatal(err)
	}
	w := all[2]
	if w.Project != "backend.ai-webserver" {
		t.Fatalf("the third stand-in wheel is %s", w.Project)
	}
	wheel, data := w.File, w.Data
	// The index lives on the host itself, like a mirror the node can reach.
	s.ssh("bai-p1", "mkdir -p /srv/index/simple/backend-ai-webserver")
	s.ssh("bai-p1", "echo "+base64.StdEncoding.EncodeToString(data)+" | base64 -d > /srv/index/simple/backend-ai-webserver/"+wheel)
	s.ssh("bai-p1", "echo "+base64.StdEncoding.EncodeToString([]byte(standins.SimpleIndexPage(wheel)))+" | base64 -d > /srv/index/simple/backend-ai-webserver/index.html")
	s.ssh("bai-p1", "cd /srv/index && (python3 -m http.server 8999 --bind 127.0.0.1 >/dev/null 2>&1 &) ; sleep 1")

	env := map[string]string{"SERVICE_DIR": "/home/bai/webserver", "PYTHON": "/usr/bin/python3", "PACKAGE": "backend.ai-webserver",
		"VERSION": "26.8.1", "INDEX_URL": "http://127.0.0.1:8999/simple", "BAI_USER": "bai"}
	for i, want := range []string{"changed=yes", "changed=no"} {
		out, err := s.sshScript("bai-p1", scripts.Packages, env)
		if err != nil || !strings.Contains(out, "packages: backend.ai-webserver 26.8.1 in /home/bai/webserver/.venv "+want) {
			t.Fatalf("packages, run %d: %v\n%s", i+1, err, out)
		}
	}
	if got := s.ssh("bai-p1", "stat -c %U /home/bai/webserver/.venv/bin/python"); got != "bai" {
		t.Errorf("the venv belongs to %s", got)
	}
	// A release the index does not have fails with pip's reason.
	env["VERSION"] = "26.8.2"
	if out, err := s.sshScript("bai-p1", scripts.Packages, env); err == nil || !strings.Contains(out, "backend.ai-webserver==26.8.2 from http://127.0.0.1:8999/simple failed") {
		t.Errorf("a missing release: %v\n%s", err, out)
	}

	// The run script starts the installed module with its config, as systemd would.
	svc := configs.Services[2]
	senv := map[string]string{"SERVICE": svc.Name, "UNIT_TEXT": svc.UnitFile("/home/bai", configs.Account{Name: "bai", UID: 1100, GID: 1100}),
		"RUN_SCRIPT": "/home/bai/bin/run-webserver.sh", "RUN_SCRIPT_TEXT": svc.RunScript("/home/bai"), "BAI_USER": "bai"}
	if out, err := s.sshScript("bai-p1", scripts.ServiceUnit, senv); err != nil {
		t.Fatalf("service: %v\n%s", err, out)
	}
	if got := s.ssh("bai-p1", "setpriv --reuid=bai --regid=bai --init-groups env -u HOME /home/bai/bin/run-webserver.sh"); got != "stand-in ai.backend.web.server -f /home/bai/webserver/webserver.conf (no config)" {
		t.Errorf("the run script started: %q", got)
	}
}
