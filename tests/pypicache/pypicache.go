// Package pypicache is a caching Python package index on this machine's loopback:
// proxpi (a well-kept caching proxy, from PyPI) in its own venv, in front of the index
// this machine's pip is configured with (read at run time, never written here), keeping
// the files it serves under ~/.cache/backendai-infra/pypi so that later runs download
// nothing again. Sandbox hosts reach it through SSH forwarding (tests/standins).
package pypicache

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/backendai-infra/backendai-infra/tests/daemon"
)

// proxpiVersion is the caching proxy's release, pinned.
const proxpiVersion = "1.3.1"

// Cache is a running caching index; Stop ends it.
type Cache struct {
	Addr     string // 127.0.0.1:port
	Upstream string // the index it caches
	*daemon.Daemon
}

// URL is the index's simple API, for pip's --index-url, at an address that reaches it.
func URL(addr string) string { return "http://" + addr + "/index/" }

// Dir is where the cache and its venv live.
func Dir() (string, error) {
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "backendai-infra"), nil
}

// pipSettings prints pip's configured index and certificate bundle, as pip itself
// resolves them (environment, user and site files), or pip's default index.
const pipSettings = `
from pip._internal.configuration import Configuration
from pip._internal.models.index import PyPI
c = Configuration(isolated=False)
c.load()
def get(key):
    for section in (":env:", "install", "global"):
        try:
            return c.get_value(section + "." + key)
        except Exception:
            pass
    return ""
print(get("index-url") or PyPI.simple_url)
print(get("cert"))
`

// serve runs proxpi's server as `flask run` does (threaded), with one fix: proxpi 1.3.1
// publishes a file's download thread before it starts it, and a second request for the
// same file that joins it in between fails ("cannot join thread before it is started")
// and is redirected upstream, which a sandbox host cannot reach. Seen with two agents
// installing the same release at once. Here a join first waits for the start.
const serve = `
import sys, time
import proxpi._cache as cache
join = cache.Thread.join
def join_started(self, timeout=None):
    while self.ident is None:
        time.sleep(0.01)
    join(self, timeout)
cache.Thread.join = join_started
from proxpi.server import app
app.run(host=sys.argv[1], port=int(sys.argv[2]), threaded=True)
`

// Upstream is the index and certificate bundle this machine's pip uses.
func Upstream() (index, cert string, err error) {
	out, err := exec.Command("python3", "-c", pipSettings).Output()
	if err != nil {
		return "", "", fmt.Errorf("reading pip's configuration: %w", err)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) < 1 || lines[0] == "" {
		return "", "", errors.New("pip names no index")
	}
	// proxpi resolves project pages relative to it: the index URL must end in "/".
	index = strings.TrimSuffix(lines[0], "/") + "/"
	if len(lines) > 1 {
		cert = lines[1]
	}
	return index, cert, nil
}

// Start runs the caching index until Stop, installing proxpi into its venv first; the
// files it serves are kept under Dir()/pypi.
func Start() (*Cache, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	return StartWith(filepath.Join(dir, "pypi"))
}

// StartWith is Start with the files kept in files.
func StartWith(files string) (*Cache, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	venv := filepath.Join(dir, "proxpi-"+proxpiVersion)
	flask := filepath.Join(venv, "bin", "flask")
	if _, err := os.Stat(flask); err != nil {
		for _, args := range [][]string{{"python3", "-m", "venv", venv}, {filepath.Join(venv, "bin", "pip"), "install", "-q", "proxpi==" + proxpiVersion}} {
			if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
				_ = os.RemoveAll(venv)
				return nil, fmt.Errorf("installing proxpi: %s: %w\n%s", strings.Join(args, " "), err, out)
			}
		}
	}
	index, cert, err := Upstream()
	if err != nil {
		return nil, err
	}
	addr, err := daemon.FreeAddr()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(files, 0o755); err != nil {
		return nil, err
	}
	cmd := exec.Command(filepath.Join(venv, "bin", "python"), "-c", serve, "127.0.0.1", addr[strings.LastIndex(addr, ":")+1:])
	cmd.Env = append(os.Environ(), "PROXPI_INDEX_URL="+index, "PROXPI_CACHE_DIR="+files,
		// Serve every file from the cache, however long its download: a client sent
		// upstream instead could not reach it from a sandbox host.
		"PROXPI_DOWNLOAD_TIMEOUT=1800", "PROXPI_LOGGING_LEVEL=WARNING", "PROXPI_CACHE_SIZE=21474836480")
	if cert != "" {
		cmd.Env = append(cmd.Env, "REQUESTS_CA_BUNDLE="+cert)
	}
	// /health answers at once; /index/ would first fetch the upstream's whole list.
	d, err := daemon.Start("proxpi", cmd, filepath.Join(dir, "proxpi.log"), 60*time.Second, daemon.Answers("http://"+addr+"/health"))
	if err != nil {
		return nil, err
	}
	return &Cache{Addr: addr, Upstream: index, Daemon: d}, nil
}
