//go:build e2e

package e2e

import (
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
	parallel(t)
	python := pythonSDK(t)
	hostsProgram(t, "bai-p2", python, filepath.Join(project(t), "examples", "python-hosts", "hosts.py"))
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
