//go:build e2e

package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/backendai-infra/backendai-infra/tests/pypicache"
	"github.com/backendai-infra/backendai-infra/tests/standins"
	"github.com/backendai-infra/backendai-infra/tests/tlscert"
	"github.com/backendai-infra/backendai-infra/tests/webui"
)

// The Node.js packages the TypeScript consumer builds with: Pulumi's SDK at the CLI's
// version, TypeScript and Node.js's types.
var nodePackages = map[string]string{"@pulumi/pulumi": "3.259.0", "typescript": "5.9.3", "@types/node": "20.9.5"}

// TestTypeScriptCluster: a TypeScript program (examples/typescript-cluster) deploys a
// cluster in two stacks, as a platform team and a GPU team would, through the package's
// generated Node.js SDK (sdk/nodejs, built with tsc) and Pulumi's Automation API, inline
// programs: the plane stack's ManagementNode (a management and storage node, from
// settings with the stack config's names, as typed objects), then the agents' stack,
// which reads the plane's through stack references: an AgentNode that joins it, and a
// Verification from the management node as the plane's superadmin (the agent ALIVE with
// its mock device, the volume, a session that prints hello, its apps). In Chromium, the
// plane's superadmin starts a session from the Web UI and opens its Jupyter and its
// terminal, over HTTPS (checkWebUIApps). A preview of each then
// changes nothing; destroying the agents' stack stops and disables the agent, and the
// plane's destroy removes the rest.
func TestTypeScriptCluster(t *testing.T) {
	parallel(t)
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
	nodes := s.nodeConfig()
	mgmt, agent := nodes["bai-c1"], nodes["bai-c2"]
	// Users reach the Web UI and the apps over HTTPS, with a certificate of a CA the
	// test makes and trusts.
	certs := tlscert.New(t, mgmt["address"].(string))
	// The sandbox's settings, as sandbox.sh writes them for a stack and clusterStack
	// adds; the plane's storage node exports the volume to the agent's node.
	settings := map[string]any{
		"nodes":   []map[string]any{{"name": "bai-c1", "address": mgmt["address"], "roles": mgmt["roles"], "ssh": mgmt["ssh"]}},
		"version": version, "testCluster": true,
		"docker":    map[string]any{"source": "distro"},
		"sysctl":    map[string]string{"fs.file-max": "", "vm.overcommit_memory": "", "net.core.rmem_max": "", "net.core.wmem_max": ""},
		"storage":   map[string]any{"nfsServer": "ganesha", "mount": "shared", "clients": []any{agent["address"]}},
		"halfstack": map[string]any{"engine": "script", "images": map[string]string{"postgres": stand.Images.Postgres, "redis": stand.Images.Redis, "etcd": stand.Images.Etcd}},
		"services": map[string]any{"packageIndex": stand.IndexURL, "graphqlGateway": map[string]string{"registry": stand.NPMRegistry},
			"imageRegistries": []string{standins.HostRegistry}, "tls": map[string]string{"certificate": certs.Chain, "ca": certs.CA}},
		"images": map[string]any{"engine": "script", "pull": []string{stand.Images.Kernel}},
	}
	agents := []map[string]any{{"name": "bai-c2", "address": agent["address"], "connection": agent["ssh"],
		"accelerators": []map[string]any{{"kind": "mock", "devices": 1}}}}
	secrets := map[string]string{"dbPassword": "ts-db-pass%w0rd", "storageProxySecret": "ts-proxy-secret-1e8a", "storageProxyJWT": "ts-proxy-jwt-4b0c",
		"tlsKey": certs.Key}
	secretsFile := filepath.Join(t.TempDir(), "secrets.json")
	raw, _ := json.Marshal(secrets)
	if err := os.WriteFile(secretsFile, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"BAI_CLUSTER=" + mustJSON(settings), "BAI_FIXTURES=" + mustJSON(fixtures), "BAI_SECRETS_FILE=" + secretsFile,
		"BAI_AGENTS=" + mustJSON(agents), "BAI_VERIFY_FROM=" + mustJSON(mgmt["ssh"])}
	plane := automationProgram(t, s, append(env, "BAI_PART=plane"), "node", program)
	joined := automationProgram(t, s, append(env, "BAI_PART=agents"), "node", program)

	last := plane("up")
	noSecrets(t, "the plane's up", last, secrets)
	var planeOut struct {
		Endpoints  map[string]string
		AgentPool  string
		Superadmin string
	}
	webserver := "https://" + s.nodes()["bai-c1"] + ":8090"
	if err := json.Unmarshal([]byte(last), &planeOut); err != nil || planeOut.Endpoints["webserver"] != webserver ||
		!strings.Contains(planeOut.AgentPool, `"managerPublicKey":"`) || planeOut.Superadmin != "[secret]" {
		t.Errorf("the plane's outputs (%v): %s", err, last)
	}
	t.Run("the Web UI over HTTPS", func(t *testing.T) { checkHTTPS(t, webserver, certs.CA) })

	last = joined("up")
	noSecrets(t, "the agents' up", last, secrets)
	var agentsOut struct {
		Agents       []string
		Verification string
	}
	if err := json.Unmarshal([]byte(last), &agentsOut); err != nil || !slices.Equal(agentsOut.Agents, []string{"i-bai-c2"}) {
		t.Errorf("the agents' outputs (%v): %s", err, last)
	}
	t.Run("verified", func(t *testing.T) {
		var v verificationReport
		var checks []string
		if err := json.Unmarshal([]byte(agentsOut.Verification), &v); err == nil {
			for _, c := range v.Checks {
				checks = append(checks, c.Check)
			}
		}
		if v.Release != version || !slices.Equal(checks, []string{"manager", "agents", "storage", "session", "apps"}) {
			t.Errorf("the verification of release %q checked %v: %s", v.Release, checks, agentsOut.Verification)
		}
		for _, c := range v.Checks {
			if c.Check == "apps" {
				checkApps(t, string(c.Result), "https")
			}
		}
	})
	// A user's way to the apps: the plane's superadmin, in Chromium trusting the test's CA,
	// starts a session from the Web UI and opens its Jupyter and its terminal.
	t.Run("a session's apps from the Web UI", func(t *testing.T) {
		s := s.on(t)
		admin := s.superadminOf("organization/backendai-typescript-cluster/" + s.stack + "-plane")
		checkWebUIApps(t, webui.Browser{URL: webserver, Email: admin.Email, Password: admin.Password, CA: certs.CA}, "https://"+s.nodes()["bai-c1"])
	})
	for name, run := range map[string]func(string) string{"plane": plane, "agents": joined} {
		var summary map[string]int
		if last := run("preview"); json.Unmarshal([]byte(last), &summary) != nil || len(summary) != 1 || summary["same"] == 0 {
			t.Errorf("the %s stack's second preview changes something: %s", name, last)
		}
	}
	joined("destroy")
	if got := s.ssh("bai-c2", "systemctl is-active backendai-agent; systemctl is-enabled backendai-agent || true"); got != "inactive\ndisabled" {
		t.Errorf("bai-c2's agent after the agents' stack is destroyed: %q, want inactive and disabled", got)
	}
	plane("destroy")
}

// checkWebUIApps: in the Web UI, b's user starts an interactive session from the session
// launcher and opens its Jupyter Notebook and its Console from the app launcher, each in
// the window the Web UI opens at an App Proxy worker's port of origin (the management
// node, over https when origin is), and terminates the session; the screenshots (the
// launcher, the running session, each app's page) are kept in the test's artifacts.
func checkWebUIApps(t *testing.T, b webui.Browser, origin string) {
	t.Helper()
	got, err := b.Apps("webui-apps", t.ArtifactDir())
	if err != nil {
		t.Errorf("%s opening a session's apps in the Web UI: %v", b.Email, err)
		return
	}
	t.Logf("%s started the session %s in the Web UI, opened its apps and terminated it in %.1f s; screenshots %s",
		b.Email, got.Session, got.Seconds, strings.Join(got.Screenshots, ", "))
	for _, app := range []string{"jupyter", "ttyd"} {
		page, ok := got.Apps[app]
		port := strings.TrimPrefix(page.URL, origin+":")
		if !ok || port == page.URL || strings.HasPrefix(page.URL, b.URL) || page.Title == "" {
			t.Errorf("the Web UI's %s window: %q (%q), want a page of the App Proxy worker at %s", app, page.URL, page.Title, origin)
			continue
		}
		t.Logf("the Web UI opened %s at %s: %q", app, page.URL, page.Title)
	}
}

// checkHTTPS: url answers over HTTPS with a page, its certificate trusted through ca
// (and checked for the address), and not over plain HTTP.
func checkHTTPS(t *testing.T, url, ca string) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(ca))
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(url + "/")
	if err != nil {
		t.Errorf("the Web UI over HTTPS: %v", err)
		return
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(strings.ToLower(string(page)), "<title>") {
		t.Errorf("the Web UI over HTTPS answered %s: %.200s", resp.Status, page)
	} else {
		t.Logf("the Web UI answers at %s, its certificate %q trusted through the test's CA", url, resp.TLS.PeerCertificates[0].Subject.CommonName)
	}
	if resp, err := client.Get("http" + strings.TrimPrefix(url, "https") + "/"); err == nil && resp.StatusCode == http.StatusOK {
		resp.Body.Close()
		t.Errorf("the Web UI also answers over plain HTTP")
	}
}

// mustJSON is v as JSON.
func mustJSON(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(raw)
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
