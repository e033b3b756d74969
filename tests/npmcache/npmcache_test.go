//go:build integration

package npmcache

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestInstallThroughTheCache installs a package through the caching registry, as a
// sandbox host's npm does, and finds it kept in the cache.
func TestInstallThroughTheCache(t *testing.T) {
	c, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	dir := t.TempDir()
	cmd := exec.Command("npm", "install", "--prefix", dir, "--ignore-scripts", "--no-audit", "--no-fund", "--registry", URL(c.Addr), "graphql@16.11.0")
	cmd.Env = append(os.Environ(), "npm_config_cache="+filepath.Join(dir, ".npm")) // nothing from this machine's npm cache
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm install through %s: %v\n%s", URL(c.Addr), err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "graphql", "package.json")); err != nil {
		t.Errorf("graphql is not installed: %v", err)
	}
	cacheDir, _ := os.UserCacheDir()
	if base := os.Getenv("XDG_CACHE_HOME"); base != "" {
		cacheDir = base
	}
	if _, err := os.Stat(filepath.Join(cacheDir, "backendai-infra", "npm", "graphql", "graphql-16.11.0.tgz")); err != nil {
		t.Errorf("the cache does not keep graphql 16.11.0: %v", err)
	}
}
