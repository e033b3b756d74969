// Package pypicache is a caching Python package index on this machine's loopback:
// proxpi (a well-kept caching proxy, from PyPI) in its own venv, in front of the index
// this machine's pip is configured with (read at run time, never written here), keeping
// the files it serves under ~/.cache/backendai-infra/pypi so that later runs download
// nothing again. Sandbox hosts reach it through SSH forwarding (tests/standins).
package pypicache

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// proxpiVersion is the caching proxy's release, pinned.
const proxpiVersion = "1.3.1"

// Cache is a running caching index.
type Cache struct {
	Addr     string // 127.0.0.1:port
	Upstream string // the index it caches
	cmd      *exec.Cmd
	done     chan struct{}
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

// Start runs the caching index until Stop, installing proxpi into its venv first.
func Start() (*Cache, error) {
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
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	files := filepath.Join(dir, "pypi")
	if err := os.MkdirAll(files, 0o755); err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "proxpi.log")
	log, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	c := &Cache{Addr: addr, Upstream: index, done: make(chan struct{})}
	c.cmd = exec.Command(flask, "--app", "proxpi.server", "run", "--host", "127.0.0.1", "--port", addr[strings.LastIndex(addr, ":")+1:])
	c.cmd.Env = append(os.Environ(), "PROXPI_INDEX_URL="+index, "PROXPI_CACHE_DIR="+files,
		// Serve every file from the cache, however long its download: a client sent
		// upstream instead could not reach it from a sandbox host.
		"PROXPI_DOWNLOAD_TIMEOUT=1800", "PROXPI_LOGGING_LEVEL=WARNING", "PROXPI_CACHE_SIZE=21474836480")
	if cert != "" {
		c.cmd.Env = append(c.cmd.Env, "REQUESTS_CA_BUNDLE="+cert)
	}
	c.cmd.Stdout, c.cmd.Stderr = log, log
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting proxpi: %w", err)
	}
	go func() { _ = c.cmd.Wait(); close(c.done) }()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		// /health answers at once; /index/ would first fetch the upstream's whole list.
		if resp, err := http.Get("http://" + addr + "/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c, nil
			}
		}
		select {
		case <-c.done:
			out, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("proxpi exited:\n%s", bytes.TrimSpace(out))
		default:
		}
	}
	c.Stop()
	out, _ := os.ReadFile(logPath)
	return nil, fmt.Errorf("proxpi did not answer on %s within 60s:\n%s", addr, out)
}

// Stop ends the caching index, by its PID.
func (c *Cache) Stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(15 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}
