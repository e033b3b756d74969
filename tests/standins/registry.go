package standins

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/backendai-infra/backendai-infra/tests/daemon"
)

// Registry is Debian's docker-registry on a loopback port: Docker trusts registries on
// 127.0.0.0/8 without TLS.
type Registry struct {
	Addr string // 127.0.0.1:port
	*daemon.Daemon
}

// StartRegistry runs a registry that keeps its data and log in dir, until Stop.
func StartRegistry(dir string) (*Registry, error) {
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		return nil, fmt.Errorf("docker-registry is missing: apt-get install docker-registry (tools/deps.sh does)")
	}
	addr, err := daemon.FreeAddr()
	if err != nil {
		return nil, err
	}
	config := fmt.Sprintf("version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\nlog:\n  level: warn\n",
		filepath.Join(dir, "data"), addr)
	file := filepath.Join(dir, "registry.yml")
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		return nil, err
	}
	d, err := daemon.Start("docker-registry", exec.Command(bin, "serve", file), filepath.Join(dir, "registry.log"),
		30*time.Second, daemon.Listening(addr))
	if err != nil {
		return nil, err
	}
	return &Registry{Addr: addr, Daemon: d}, nil
}
