// Package catalog makes, once per Backend.AI release, what the tests and the catalog
// tool (tools/catalog) need of the real Backend.AI: the schema its own `mgr schema
// oneshot` creates, that schema's tables, columns and keys as PostgreSQL's catalog tells
// them, what its fixture loader does per column, and its own fixture files. They are
// made on a sandbox host with the release's real manager from the caching package index
// (release.sh), and kept under ~/.cache/backendai-infra/catalog/<version>/.
package catalog

import (
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/backendai-infra/backendai-infra/internal/fixtures"
	"github.com/backendai-infra/backendai-infra/tests/pypicache"
	"github.com/backendai-infra/backendai-infra/tests/standins"
)

//go:embed release.sh
var releaseScript string

// files are what a release's directory holds once it is made.
var files = []string{"schema.sql", "catalog.json", "loader.json", "fixtures"}

// Dir is where a release's schema, catalog and fixture files are kept.
func Dir(version string) (string, error) {
	base, err := pypicache.Dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "catalog", version), nil
}

// Missing reports the releases whose files are not all made yet.
func Missing(versions ...string) ([]string, error) {
	var out []string
	for _, v := range versions {
		dir, err := Dir(v)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				out = append(out, v)
				break
			}
		}
	}
	return out, nil
}

// Ensure makes the files of every release that lacks them, on one sandbox host that
// it starts and removes. root is the repository (where tests/sandbox/sandbox.sh is).
func Ensure(root string, versions ...string) error {
	missing, err := Missing(versions...)
	if err != nil || len(missing) == 0 {
		return err
	}
	suffix := make([]byte, 3)
	if _, err := rand.Read(suffix); err != nil {
		return err
	}
	stack := "catalog-" + hex.EncodeToString(suffix)
	env := append(os.Environ(), "SANDBOX_STACK="+stack)
	sandbox := func(stdin string, args ...string) (string, error) {
		cmd := exec.Command("bash", append([]string{"tests/sandbox/sandbox.sh"}, args...)...)
		cmd.Dir, cmd.Env, cmd.Stdin = root, env, strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return string(out), fmt.Errorf("sandbox.sh %s: %w\n%s", strings.Join(args, " "), err, out)
		}
		return string(out), nil
	}
	if _, err := sandbox("", "up", "bai-catalog:manager"); err != nil {
		return err
	}
	defer func() {
		_, _ = sandbox("", "down")
		_ = os.Remove(filepath.Join(root, "Pulumi."+stack+".yaml"))
	}()
	dir, err := os.MkdirTemp("", "catalog-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	index, err := standins.Start(standins.Options{Root: root, Env: env, Hosts: []string{"bai-catalog"}, Dir: dir, IndexOnly: true})
	if err != nil {
		return err
	}
	defer index.Close()
	for _, v := range missing {
		script := fmt.Sprintf("export VERSION=%s INDEX_URL=%s CATALOG_SQL=%s\n%s", v, index.IndexURL, shellQuote(fixtures.CatalogSQL), releaseScript)
		out, err := sandbox(script, "ssh", "bai-catalog", "bash -s")
		if err != nil {
			return fmt.Errorf("Backend.AI %s: %w", v, err)
		}
		fmt.Fprint(os.Stderr, out)
		target, err := Dir(v)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(target, 0o755); err != nil {
			return err
		}
		// The host's files come back as a tar stream.
		get := exec.Command("bash", "-c", `bash tests/sandbox/sandbox.sh ssh bai-catalog "tar -C /tmp/catalog/$0 -c ." | tar -C "$1" -x`, v, target)
		get.Dir, get.Env = root, env
		if out, err := get.CombinedOutput(); err != nil {
			_ = os.RemoveAll(target)
			return fmt.Errorf("Backend.AI %s: copying its files: %w\n%s", v, err, out)
		}
	}
	return nil
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// Read returns one of a release's files (schema.sql, catalog.json, loader.json).
func Read(version, name string) (string, error) {
	dir, err := Dir(version)
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return "", fmt.Errorf("Backend.AI %s's %s is not made yet (go run ./tools/catalog makes it): %w", version, name, err)
	}
	return string(b), nil
}

// Fixtures returns a release's own fixture files by name (example-users.json, ...).
func Fixtures(version string) (map[string]string, error) {
	dir, err := Dir(version)
	if err != nil {
		return nil, err
	}
	paths, err := filepath.Glob(filepath.Join(dir, "fixtures", "*.json"))
	if err != nil || len(paths) == 0 {
		return nil, fmt.Errorf("Backend.AI %s's fixture files are not made yet (go run ./tools/catalog makes them)", version)
	}
	out := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out[filepath.Base(p)] = string(b)
	}
	return out, nil
}

// Versions are the releases the catalog describes, one per supported line.
func Versions() []string {
	var out []string
	for _, line := range slices.Sorted(slices.Values(fixtures.Lines)) {
		out = append(out, fixtures.Releases[line])
	}
	return out
}
