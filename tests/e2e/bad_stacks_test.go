//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/backendai-infra/backendai-infra/tests/sshkey"
)

// TestBadStacksThroughTheCLI previews every stack file of stacks/testdata/bad (the
// mistakes operators make) with the real CLI: each preview fails with the error its
// file's first line names, creates nothing and prints no secret. A preview needs no
// host. Then a stack that deploys the hosts only previews without the services'
// secrets.
func TestBadStacksThroughTheCLI(t *testing.T) {
	parallel(t)
	s := newStack(t)
	files, err := filepath.Glob(filepath.Join(s.root, "stacks/testdata/bad/*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no bad stack files: %v", err)
	}
	key, _ := sshkey.New(t)
	secrets := map[string]string{"sshPrivateKey": key, "dbPassword": "bad-stacks-db-password",
		"storageProxySecret": "bad-stacks-proxy-secret", "storageProxyJWT": "bad-stacks-proxy-jwt"}
	fixturePasswords := []string{"wJalrXUt", "cWbsM_vB", "C8qnIo29", "an-other-password"}
	s.pulumi("stack", "init")
	stackFile := filepath.Join(s.root, "Pulumi."+s.stack+".yaml")
	// The secrets are set once, through the CLI; each bad file gets them as the CLI
	// encrypted them (its salt and their ciphertexts), beside its own config.
	for k, v := range secrets {
		s.setSecret(k, v)
	}
	var encrypted struct {
		Salt   string         `yaml:"encryptionsalt"`
		Config map[string]any `yaml:"config"`
	}
	if raw, err := os.ReadFile(stackFile); err != nil || yaml.Unmarshal(raw, &encrypted) != nil || len(encrypted.Config) != len(secrets) {
		t.Fatalf("the stack file with the secrets: %v\n%s", err, raw)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := strings.CutPrefix(strings.SplitN(string(raw), "\n", 2)[0], "# want: ")
		var doc map[string]any
		if err := yaml.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		cfg, _ := doc["config"].(map[string]any)
		if cfg == nil {
			cfg = map[string]any{}
		}
		for k, v := range encrypted.Config {
			cfg[k] = v
		}
		doc["config"], doc["encryptionsalt"] = cfg, encrypted.Salt
		merged, err := yaml.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(stackFile, merged, 0o644); err != nil {
			t.Fatal(err)
		}
		out := s.pulumiFails("preview")
		if !strings.Contains(out, want) {
			t.Errorf("%s: the preview does not say %q", name, want)
		}
		// Only the stack itself is planned: the program stopped before registering anything.
		if !strings.Contains(out, "+ 1 to create") {
			t.Errorf("%s: the preview plans resources beyond the stack", name)
		}
		for k, v := range secrets {
			if strings.Contains(out, v) || k == "sshPrivateKey" && strings.Contains(out, "PRIVATE KEY") {
				t.Errorf("%s: the preview prints %s", name, k)
			}
		}
		for _, p := range fixturePasswords {
			if strings.Contains(out, p) {
				t.Errorf("%s: the preview prints a fixture's password", name)
			}
		}
	}

	// deploy: hosts needs none of the services' secrets (the schema requires none).
	if err := os.WriteFile(stackFile, []byte("config:\n  backendai-cluster:deploy: hosts\n"+
		"  backendai-cluster:nodes:\n    - {name: bai-dev, address: 10.20.30.5, roles: [manager, agent]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s.setSecret("sshPrivateKey", secrets["sshPrivateKey"])
	out, _ := s.pulumi("preview")
	if !strings.Contains(out, "bai-dev-docker") {
		t.Errorf("the hosts-only preview does not plan the host's steps:\n%s", out)
	}
}
