// Package standins serves a sandbox host, on the host's own loopback through SSH, what
// its nodes would download on a real network:
//   - Backend.AI's real packages, from the caching package index on this machine
//     (tests/pypicache, in front of the index this machine's pip uses);
//   - the GraphQL gateway's real packages, from the caching npm registry on this
//     machine (tests/npmcache, in front of the registry this machine's npm uses);
//   - the stand-ins for what this machine cannot download, named as such: a local
//     registry (Debian's docker-registry) with the halfstack stand-in image
//     (tests/halfstack/standin.sh: Debian's postgresql, valkey and etcd) under three
//     references, in place of the official postgres, valkey and etcd images, and the
//     kernel stand-in image (tests/kernel/standin.sh: Debian's python3, ipykernel and
//     Jupyter Notebook with the labels of a Python kernel), in place of Backend.AI's python images; no
//     reachable registry serves any of them.
//
// The end-to-end tests and the demo use it (cmd/standins).
package standins

import (
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/backendai-infra/backendai-infra/internal/fixtures"
	"github.com/backendai-infra/backendai-infra/tests/npmcache"
	"github.com/backendai-infra/backendai-infra/tests/pypicache"
)

// On the host, the stand-ins answer at these loopback addresses.
const (
	HostRegistry = "127.0.0.1:5000"
	HostIndex    = "127.0.0.1:3141"
	HostNPM      = "127.0.0.1:4873"
	// StandInImage is the halfstack stand-in image tests/halfstack/standin.sh builds.
	StandInImage = "backendai-halfstack-standin:trixie-3"
	// KernelImage is the kernel stand-in image tests/kernel/standin.sh builds.
	KernelImage = "backendai-kernel-standin:trixie-3"
)

// Options say where the stand-ins go.
type Options struct {
	Root  string   // the repository, where tests/sandbox/sandbox.sh is
	Env   []string // the environment of sandbox.sh (SANDBOX_STACK)
	Hosts []string // the sandbox hosts' names
	Dir   string   // a directory for the registry's data and log
	// IndexOnly serves the package index alone, without the registry.
	IndexOnly bool
}

// Servers are the stand-ins' servers on this machine's loopback. Several sandboxes
// (stacks side by side) share one set: each host reaches them through its own forwards.
type Servers struct {
	mu sync.Mutex
	// Images are the halfstack's image references and the kernel image's, as the host
	// pulls them (empty until Images is served).
	Images struct{ Postgres, Redis, Etcd, Kernel string }
	// IndexURL is the package index, as the host reaches it.
	IndexURL string
	// NPMRegistry is the npm registry, as the host reaches it (empty until Images).
	NPMRegistry string

	registry *Registry
	index    *pypicache.Cache
	npm      *npmcache.Cache
}

// Sandbox is the stand-ins serving some hosts: the servers and the hosts' forwards.
type Sandbox struct {
	*Servers
	*Forwards
}

// Start serves the stand-ins and makes them reachable on o.Hosts; Close stops both.
func Start(o Options) (_ *Sandbox, err error) {
	s := &Servers{}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if o.IndexOnly {
		err = s.ServeIndex()
	} else {
		err = s.ServeAll(o.Root, o.Env, o.Dir)
	}
	if err != nil {
		return nil, err
	}
	fw, err := s.Forward(o.Root, o.Env, o.Hosts...)
	if err != nil {
		return nil, err
	}
	return &Sandbox{Servers: s, Forwards: fw}, nil
}

// Close stops the hosts' forwards, then the servers.
func (s *Sandbox) Close() {
	s.Forwards.Close()
	s.Servers.Close()
}

// ServeIndex starts the caching package index, unless it runs.
func (s *Servers) ServeIndex() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.serveIndex()
}

func (s *Servers) serveIndex() error {
	if s.index != nil {
		return nil
	}
	index, err := pypicache.Start()
	if err != nil {
		return err
	}
	s.index, s.IndexURL = index, pypicache.URL(HostIndex)
	return nil
}

// LocalIndexURL is the caching package index as this machine reaches it (on loopback),
// for what the tests install here; "" until the index is served.
func (s *Servers) LocalIndexURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.index == nil {
		return ""
	}
	return pypicache.URL(s.index.Addr)
}

// ServeAll starts the package index, the npm registry and the local registry with the
// stand-in images (built first, unless Docker has them), unless they run.
func (s *Servers) ServeAll(root string, env []string, dir string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.serveIndex(); err != nil {
		return err
	}
	if s.registry != nil {
		return nil
	}
	run := func(name string, args ...string) error {
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = root, env
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := run("bash", "tests/halfstack/standin.sh", StandInImage); err != nil {
		return err
	}
	if err := run("bash", "tests/kernel/standin.sh", KernelImage); err != nil {
		return err
	}
	registry, err := StartRegistry(dir)
	if err != nil {
		return err
	}
	s.registry = registry
	for _, img := range []struct {
		ref         *string
		image, path string
	}{{&s.Images.Postgres, StandInImage, "standin/postgres:16"}, {&s.Images.Redis, StandInImage, "standin/valkey:9"},
		{&s.Images.Etcd, StandInImage, "standin/etcd:3.5"}, {&s.Images.Kernel, KernelImage, "standin/python:3.13-debian13"}} {
		local := s.registry.Addr + "/" + img.path
		for _, args := range [][]string{{"tag", img.image, local}, {"push", "--quiet", local}, {"rmi", local}} {
			if err := run("docker", args...); err != nil {
				return err
			}
		}
		*img.ref = HostRegistry + "/" + img.path
	}
	return s.serveNPM()
}

// ServeNPM starts the caching npm registry, unless it runs.
func (s *Servers) ServeNPM() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.serveNPM()
}

func (s *Servers) serveNPM() error {
	if s.npm != nil {
		return nil
	}
	npm, err := npmcache.Start()
	if err != nil {
		return err
	}
	s.npm, s.NPMRegistry = npm, npmcache.URL(HostNPM)
	return nil
}

// LocalNPMURL is the caching npm registry as this machine reaches it (on loopback); ""
// until it is served.
func (s *Servers) LocalNPMURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.npm == nil {
		return ""
	}
	return npmcache.URL(s.npm.Addr)
}

// Forwards are one sandbox's SSH forwards to the servers. A forward that ends (its host
// stopped answering for a while: the fault tests stop hosts and cut their SSH) is started
// again, so the host reaches the servers once it is back.
type Forwards struct {
	mu     sync.Mutex
	cmds   map[string]*exec.Cmd // each host's running forward
	closed bool
	done   sync.WaitGroup
}

// Forward makes what the servers serve reachable on each host's loopback, and waits
// until it answers there.
func (s *Servers) Forward(root string, env []string, hosts ...string) (_ *Forwards, err error) {
	s.mu.Lock()
	port := func(addr string) string { return addr[strings.LastIndex(addr, ":")+1:] }
	forwards := []string{port(HostIndex) + ":" + s.index.Addr}
	probe := fmt.Sprintf("curl -sf http://%s/health >/dev/null", HostIndex)
	if s.registry != nil {
		forwards = append(forwards, port(HostRegistry)+":"+s.registry.Addr, port(HostNPM)+":"+s.npm.Addr)
		probe += fmt.Sprintf(" && curl -sf http://%s/v2/ >/dev/null && curl -sf %s-/ping >/dev/null", HostRegistry, s.NPMRegistry)
	}
	s.mu.Unlock()
	f := &Forwards{cmds: map[string]*exec.Cmd{}}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	for _, host := range hosts {
		if err := f.keep(host, func() *exec.Cmd {
			fw := exec.Command("bash", append([]string{"tests/sandbox/sandbox.sh", "forward", host}, forwards...)...)
			fw.Dir, fw.Env = root, env
			return fw
		}); err != nil {
			return nil, err
		}
	}
	for _, host := range hosts {
		for i := 0; ; i++ {
			cmd := exec.Command("bash", "tests/sandbox/sandbox.sh", "ssh", host, probe)
			cmd.Dir, cmd.Env = root, env
			if cmd.Run() == nil {
				break
			}
			if i == 30 {
				return nil, fmt.Errorf("the stand-ins do not answer on %s (%s)", host, probe)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	return f, nil
}

// keep starts host's forward and starts it again whenever it ends, until Close.
func (f *Forwards) keep(host string, command func() *exec.Cmd) error {
	fw := command()
	if err := fw.Start(); err != nil {
		return fmt.Errorf("forwarding to %s: %w", host, err)
	}
	f.mu.Lock()
	f.cmds[host] = fw
	f.mu.Unlock()
	f.done.Add(1)
	go func() {
		defer f.done.Done()
		for {
			_ = fw.Wait()
			time.Sleep(time.Second)
			f.mu.Lock()
			if f.closed {
				f.mu.Unlock()
				return
			}
			fw = command()
			if fw.Start() != nil {
				f.mu.Unlock()
				return
			}
			f.cmds[host] = fw
			f.mu.Unlock()
		}
	}()
	return nil
}

// Close stops the forwards, each by its own handle.
func (f *Forwards) Close() {
	f.mu.Lock()
	f.closed = true
	for _, fw := range f.cmds {
		_ = fw.Process.Kill()
	}
	f.mu.Unlock()
	f.done.Wait()
}

// RegistryFixture registers the local registry in Backend.AI's database, so that
// `mgr image rescan 127.0.0.1:5000` finds it: Backend.AI's container-registries fixture
// shape, and from 26.9 on the registry's virtual entity, which the API makes for a
// registry it creates and the rescan requires. Its project is the stand-in images' path.
func RegistryFixture(version string) (string, error) {
	line, err := fixtures.LineOf(version)
	if err != nil {
		return "", err
	}
	cat, err := fixtures.LineCatalog(line)
	if err != nil {
		return "", err
	}
	const id = "5b2a8b6e-7b53-4a40-9d3c-1f4d2a7c0e11"
	f := `{"container_registries": [{"id": "` + id + `", "url": "http://` + HostRegistry + `", "registry_name": "` + HostRegistry +
		`", "type": "docker", "project": "standin", "ssl_verify": false, "is_global": true}]`
	if _, ok := cat.Tables["virtual_entities"]; ok {
		f += `,
 "virtual_entities": [{"entity_type": "container_registry", "entity_id": "` + id + `"}]`
	}
	return f + "}\n", nil
}

// Close stops the index, the npm registry and the registry, each by its own handle.
func (s *Servers) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.index != nil {
		s.index.Stop()
	}
	if s.npm != nil {
		s.npm.Stop()
	}
	if s.registry != nil {
		s.registry.Stop()
	}
	s.index, s.npm, s.registry = nil, nil, nil
}
