package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backendai-infra/backendai-infra/tests/pypicache"
	"github.com/backendai-infra/backendai-infra/tests/standins"
)

// The Node.js packages the TypeScript consumer builds with: Pulumi's SDK at the CLI's
// version, TypeScript and Node.js's types.
var nodePackages = map[string]string{"@pulumi/pulumi": "3.259.0", "typescript": "5.9.3", "@types/node": "20.9.5"}

// TestTypeScriptCluster: a TypeScript program (examples/typescript-cluster) deploys a
// whole cluster, a management and storage node and an agent on sandbox hosts, with the
// package's Cluster component through the generated Node.js SDK (sdk/nodejs, built with
// tsc) and Pulumi's Automation API, an inline program; its settings are the stack
// config's, as typed objects. up deploys it and its verification passes (the agent
// ALIVE, a session runs, a regular user's vfolder); a preview then changes nothing;
// destroy removes the stack.
func TestTypeScriptCluster(t *testing.T) {
	t.Parallel()
	program := typescriptExample(t, "typescript-cluster")
	version := newestRelease
	s := newSandboxWith(t, "SANDBOX_INIT=systemd", "bai-c1:manager,storage", "bai-c2:agent")
	stand := startStandIns(t, s, "bai-c1", "bai-c2")
	release, _ := releaseConfig(t, s, version)
	var fixtures []string
	for _, kv := range release {
		if strings.HasPrefix(kv[0], "fixtures[") {
			fixtures = append(fixtures, kv[1])
		}
	}
	var nodes []map[string]any
	for _, name := range []string{"bai-c1", "bai-c2"} {
		n := s.nodeConfig()[name]
		node := map[string]any{"name": name, "address": n["address"], "roles": n["roles"], "ssh": n["ssh"]}
		if name == "bai-c2" {
			node["accelerators"] = []map[string]any{{"kind": "mock", "devices": 1}}
		}
		nodes = append(nodes, node)
	}
	// The sandbox's settings, as sandbox.sh writes them for a stack and clusterStack adds.
	settings := map[string]any{
		"nodes": nodes, "version": version, "testCluster": true,
		"docker":    map[string]any{"source": "distro"},
		"sysctl":    map[string]string{"fs.file-max": "", "vm.overcommit_memory": "", "net.core.rmem_max": "", "net.core.wmem_max": ""},
		"storage":   map[string]any{"nfsServer": "ganesha", "mount": "shared"},
		"halfstack": map[string]any{"engine": "script", "images": map[string]string{"postgres": stand.Images.Postgres, "redis": stand.Images.Redis, "etcd": stand.Images.Etcd}},
		"services": map[string]any{"packageIndex": stand.IndexURL, "graphqlGateway": map[string]string{"registry": stand.NPMRegistry},
			"imageRegistries": []string{standins.HostRegistry}},
		"images": map[string]any{"engine": "script", "pull": []string{stand.Images.Kernel}},
	}
	secrets := map[string]string{"dbPassword": "ts-db-pass%w0rd", "storageProxySecret": "ts-proxy-secret-1e8a", "storageProxyJWT": "ts-proxy-jwt-4b0c"}
	secretsFile := filepath.Join(t.TempDir(), "secrets.json")
	raw, _ := json.Marshal(secrets)
	if err := os.WriteFile(secretsFile, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	clusterJSON, _ := json.Marshal(settings)
	fixturesJSON, _ := json.Marshal(fixtures)
	run := automationProgram(t, s, []string{"BAI_CLUSTER=" + string(clusterJSON), "BAI_FIXTURES=" + string(fixturesJSON),
		"BAI_SECRETS_FILE=" + secretsFile}, "node", program)

	last := run("up")
	noSecrets(t, "the TypeScript program's up", last, secrets)
	var outputs struct {
		Endpoints    map[string]string
		Verification string
		AgentPool    string
	}
	if err := json.Unmarshal([]byte(last), &outputs); err != nil || outputs.Endpoints["webserver"] != "http://"+s.nodes()["bai-c1"]+":8090" {
		t.Errorf("the program's outputs (%v): %s", err, last)
	}
	var v verificationReport
	if err := json.Unmarshal([]byte(outputs.Verification), &v); err != nil || v.Release != version || len(v.Checks) != 5 {
		t.Errorf("the cluster's verification (%v): %s", err, outputs.Verification)
	}
	if !strings.Contains(outputs.AgentPool, `"managerPublicKey":"`) {
		t.Errorf("the cluster's agentPool output: %s", outputs.AgentPool)
	}
	var summary map[string]int
	if last := run("preview"); json.Unmarshal([]byte(last), &summary) != nil || len(summary) != 1 || summary["same"] == 0 {
		t.Errorf("the program's second preview changes something: %s", last)
	}
	run("destroy")
}

// typescriptExample builds examples/<name> and returns its compiled program:
// in a directory kept in the cache, Node.js packages from the caching npm registry on
// loopback (in front of the registry this machine's npm uses), the generated SDK built
// from sdk/nodejs as it is now with tsc and installed as a copy (one @pulumi/pulumi for
// both), then the program compiled beside it.
func typescriptExample(t *testing.T, name string) string {
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
	sh("cp", "-r", filepath.Join(root, "examples", name), example)
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
