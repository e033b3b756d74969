// Package npmcache is a caching npm registry on this machine's loopback: Verdaccio (a
// well-kept caching registry, from npm) in front of the registry this machine's npm is
// configured with (read at run time, never written here), keeping the packages it
// serves under ~/.cache/backendai-infra/npm so that later runs download nothing again.
// Sandbox hosts reach it through SSH forwarding (tests/standins), for the GraphQL
// gateway's packages.
package npmcache

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/backendai-infra/backendai-infra/tests/daemon"
	"github.com/backendai-infra/backendai-infra/tests/pypicache"
)

// verdaccioVersion is the caching registry's release, pinned: the newest that runs on
// Node.js 20.
const verdaccioVersion = "6.2.1"

// Cache is a running caching registry; Stop ends it.
type Cache struct {
	Addr     string // 127.0.0.1:port
	Upstream string // the registry it caches
	*daemon.Daemon
}

// URL is the registry, for npm's --registry, at an address that reaches it.
func URL(addr string) string { return "http://" + addr + "/" }

// npmConfig is one of npm's settings as npm resolves it ("" when unset).
func npmConfig(key string) (string, error) {
	out, err := exec.Command("npm", "config", "get", key).Output()
	if err != nil {
		return "", fmt.Errorf("npm config get %s: %w", key, err)
	}
	v := strings.TrimSpace(string(out))
	if v == "null" || v == "undefined" {
		v = ""
	}
	return v, nil
}

// Start runs the caching registry until Stop, installing Verdaccio first; the packages
// it serves are kept under the cache directory's npm/.
func Start() (*Cache, error) {
	dir, err := pypicache.Dir()
	if err != nil {
		return nil, err
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return nil, fmt.Errorf("npm is missing (apt-get install npm): %w", err)
	}
	prefix := filepath.Join(dir, "verdaccio-"+verdaccioVersion)
	bin := filepath.Join(prefix, "node_modules", ".bin", "verdaccio")
	if _, err := os.Stat(bin); err != nil {
		cmd := exec.Command("npm", "install", "--prefix", prefix, "--ignore-scripts", "--no-audit", "--no-fund", "verdaccio@"+verdaccioVersion)
		if out, err := cmd.CombinedOutput(); err != nil {
			_ = os.RemoveAll(prefix)
			return nil, fmt.Errorf("installing verdaccio %s: %w\n%s", verdaccioVersion, err, out)
		}
	}
	upstream, err := npmConfig("registry")
	if err != nil {
		return nil, err
	}
	if upstream == "" {
		return nil, fmt.Errorf("npm names no registry")
	}
	cafile, err := npmConfig("cafile")
	if err != nil {
		return nil, err
	}
	storage := filepath.Join(dir, "npm")
	if err := os.MkdirAll(storage, 0o755); err != nil {
		return nil, err
	}
	// Every package from the upstream; the cached ones served without asking it again
	// for 30 minutes, and for as long as it cannot be reached.
	config := fmt.Sprintf(`storage: %q
uplinks:
  upstream:
    url: %q
    timeout: 120s
    maxage: 30m
packages:
  '**':
    access: $all
    proxy: upstream
log: { type: stdout, format: pretty, level: warn }
`, storage, upstream)
	configPath := filepath.Join(dir, "verdaccio.yaml")
	if err := os.WriteFile(configPath, []byte(config), 0o644); err != nil {
		return nil, err
	}
	addr, err := daemon.FreeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--config", configPath, "--listen", addr)
	cmd.Env = os.Environ()
	if cafile != "" {
		cmd.Env = append(cmd.Env, "NODE_EXTRA_CA_CERTS="+cafile)
	}
	d, err := daemon.Start("verdaccio", cmd, filepath.Join(dir, "verdaccio.log"), 60*time.Second, daemon.Answers(URL(addr)+"-/ping"))
	if err != nil {
		return nil, err
	}
	return &Cache{Addr: addr, Upstream: upstream, Daemon: d}, nil
}
