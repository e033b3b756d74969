// Package standins serves what this machine cannot download to a sandbox host, on the
// host's own loopback through SSH:
//   - a local registry (Debian's docker-registry) with the halfstack stand-in image
//     (tests/halfstack/standin.sh: Debian's postgresql, valkey and etcd) under three
//     references, in place of the official postgres, valkey and etcd images;
//   - a local package index with stand-in wheels of backend.ai-manager,
//     backend.ai-storage-proxy and backend.ai-webserver (python/), in place of
//     Backend.AI's wheels on PyPI.
//
// The end-to-end tests and the demo use it (cmd/standins).
package standins

import (
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// On the host, the stand-ins answer at these loopback addresses.
const (
	HostRegistry = "127.0.0.1:5000"
	HostIndex    = "127.0.0.1:3141"
	// StandInImage is the halfstack stand-in image tests/halfstack/standin.sh builds.
	StandInImage = "backendai-halfstack-standin:trixie-2"
)

// Options say where the stand-ins go.
type Options struct {
	Root    string   // the repository, where tests/sandbox/sandbox.sh is
	Env     []string // the environment of sandbox.sh (SANDBOX_STACK)
	Host    string   // the sandbox host's name
	Version string   // the Backend.AI release the wheels claim to be
	Dir     string   // a directory for the registry's data and log
}

// Sandbox is the stand-ins serving one host.
type Sandbox struct {
	// Images are the halfstack's image references, as the host pulls them.
	Images struct{ Postgres, Redis, Etcd string }
	// IndexURL is the package index, as the host reaches it.
	IndexURL string

	registry *Registry
	index    *Index
	forward  *exec.Cmd
}

// Start builds and serves the stand-ins and makes them reachable on the host.
func Start(o Options) (_ *Sandbox, err error) {
	s := &Sandbox{IndexURL: "http://" + HostIndex + "/simple"}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	run := func(name string, args ...string) error {
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = o.Root, o.Env
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := run("bash", "tests/halfstack/standin.sh", StandInImage); err != nil {
		return nil, err
	}
	if s.registry, err = StartRegistry(o.Dir); err != nil {
		return nil, err
	}
	for _, img := range []struct {
		ref  *string
		path string
	}{{&s.Images.Postgres, "standin/postgres:16"}, {&s.Images.Redis, "standin/valkey:9"}, {&s.Images.Etcd, "standin/etcd:3.5"}} {
		local := s.registry.Addr + "/" + img.path
		for _, args := range [][]string{{"tag", StandInImage, local}, {"push", "--quiet", local}, {"rmi", local}} {
			if err := run("docker", args...); err != nil {
				return nil, err
			}
		}
		*img.ref = HostRegistry + "/" + img.path
	}
	wheels, err := Packages(o.Version)
	if err != nil {
		return nil, err
	}
	if s.index, err = ServeIndex(wheels); err != nil {
		return nil, err
	}

	port := func(addr string) string { return addr[strings.LastIndex(addr, ":")+1:] }
	s.forward = exec.Command("bash", "tests/sandbox/sandbox.sh", "forward", o.Host,
		port(HostRegistry)+":"+s.registry.Addr, port(HostIndex)+":"+s.index.Addr)
	s.forward.Dir, s.forward.Env = o.Root, o.Env
	if err := s.forward.Start(); err != nil {
		return nil, fmt.Errorf("forwarding to %s: %w", o.Host, err)
	}
	probe := fmt.Sprintf("curl -sf http://%s/v2/ >/dev/null && curl -sf http://%s/simple/backend-ai-manager/ >/dev/null", HostRegistry, HostIndex)
	for i := 0; run("bash", "tests/sandbox/sandbox.sh", "ssh", o.Host, probe) != nil; i++ {
		if i == 30 {
			return nil, fmt.Errorf("the stand-in registry and index do not answer on %s", o.Host)
		}
		time.Sleep(500 * time.Millisecond)
	}
	// The stand-in manager CLI does with psql what Backend.AI's does with SQLAlchemy.
	if err := run("bash", "tests/sandbox/sandbox.sh", "ssh", o.Host,
		"command -v psql >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >/dev/null; }"); err != nil {
		return nil, err
	}
	return s, nil
}

// Close stops the forwarding, the index and the registry, each by its own handle.
func (s *Sandbox) Close() {
	if s.forward != nil && s.forward.Process != nil {
		_ = s.forward.Process.Kill()
		_ = s.forward.Wait()
	}
	if s.index != nil {
		_ = s.index.Close()
	}
	if s.registry != nil {
		s.registry.Stop()
	}
}
