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

// The Node.js packages the TypeScript consumer builds with: Pulumi's SDK at the CLI's
// version, TypeScript and Node.js's types.
var nodePackages = map[string]string{"@pulumi/pulumi": "3.259.0", "typescript": "5.9.3", "@types/node": "20.9.5"}

// TestTypeScriptHosts: a TypeScript program (examples/typescript-hosts) prepares a
// sandbox host with the package's Host component through the generated Node.js SDK
// (sdk/nodejs, built with tsc) and Pulumi's Automation API, an inline program: up
// prepares the node and returns the component's outputs, a preview then changes
// nothing, destroy removes the stack and leaves the host as it is.
func TestTypeScriptHosts(t *testing.T) {
	t.Parallel()
	program := typescriptExample(t)
	hostsProgram(t, "bai-t1", "node", program)
}

// typescriptExample builds examples/typescript-hosts and returns its compiled program:
// in a directory kept in the cache, Node.js packages from the caching npm registry on
// loopback (in front of the registry this machine's npm uses), the generated SDK built
// from sdk/nodejs as it is now with tsc and installed as a copy (one @pulumi/pulumi for
// both), then the program compiled beside it.
func typescriptExample(t *testing.T) string {
	t.Helper()
	if err := standIns.ServeNPM(); err != nil {
		t.Fatal(err)
	}
	cache, err := pypicache.Dir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cache, "node-sdk", "pulumi-"+nodePackages["@pulumi/pulumi"])
	sh := func(name string, args ...string) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}
	write := func(path string, v any) {
		t.Helper()
		raw, _ := json.MarshalIndent(v, "", "  ")
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err != nil {
		_ = os.RemoveAll(dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		write(filepath.Join(dir, "package.json"), map[string]any{"private": true, "dependencies": nodePackages})
		sh("npm", "install", "--registry", standIns.LocalNPMURL(), "--no-audit", "--no-fund", "--loglevel", "error")
		sh("touch", ".complete")
	}
	// The sources under dir, where Node.js and tsc find dir/node_modules.
	work, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(work) })
	sdk, example := filepath.Join(work, "sdk"), filepath.Join(work, "example")
	root := project(t)
	sh("cp", "-r", filepath.Join(root, "sdk", "nodejs"), sdk)
	sh("cp", "-r", filepath.Join(root, "examples", "typescript-hosts"), example)
	tsc := filepath.Join(dir, "node_modules", ".bin", "tsc")
	sh(tsc, "-p", sdk)
	// Installed as a copy: the compiled SDK with its package.json, the version filled in.
	installed := filepath.Join(dir, "node_modules", "@backendai-infra", "backendai")
	_ = os.RemoveAll(installed)
	if err := os.MkdirAll(filepath.Dir(installed), 0o755); err != nil {
		t.Fatal(err)
	}
	sh("cp", "-r", filepath.Join(sdk, "bin"), installed)
	var pkg map[string]any
	raw, err := os.ReadFile(filepath.Join(sdk, "package.json"))
	if err != nil || json.Unmarshal(raw, &pkg) != nil {
		t.Fatalf("the generated package.json: %v", err)
	}
	pkg["version"] = "0.1.0"
	write(filepath.Join(installed, "package.json"), pkg)
	sh(tsc, "-p", example)
	return filepath.Join(example, "bin", "index.js")
}
