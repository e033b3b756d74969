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
//     kernel stand-in image (tests/kernel/standin.sh: Debian's python3 and ipykernel
//     with the labels of a Python kernel), in place of Backend.AI's python images; no
//     reachable registry serves any of them.
//
// The end-to-end tests and the demo use it (cmd/standins).
package standins

import (
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/backendai-infra/backendai-infra/infra/fixtures"
	"github.com/backendai-infra/backendai-infra/tests/npmcache"
	"github.com/backendai-infra/backendai-infra/tests/pypicache"
)

// On the host, the stand-ins answer at these loopback addresses.
const (
	HostRegistry = "127.0.0.1:5000"
	HostIndex    = "127.0.0.1:3141"
	HostNPM      = "127.0.0.1:4873"
	// StandInImage is the halfstack stand-in image tests/halfstack/standin.sh builds.
	StandInImage = "backendai-halfstack-standin:trixie-2"
	// KernelImage is the kernel stand-in image tests/kernel/standin.sh builds.
	KernelImage = "backendai-kernel-standin:trixie-2"
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

// Sandbox is the stand-ins serving one host.
type Sandbox struct {
	// Images are the halfstack's image references and the kernel image's, as the host
	// pulls them.
	Images struct{ Postgres, Redis, Etcd, Kernel string }
	// IndexURL is the package index, as the host reaches it.
	IndexURL string
	// NPMRegistry is the npm registry, as the host reaches it (empty with IndexOnly).
	NPMRegistry string

	registry *Registry
	index    *pypicache.Cache
	npm      *npmcache.Cache
	forwards []*exec.Cmd
}

// Start builds and serves the stand-ins and makes them reachable on the host.
func Start(o Options) (_ *Sandbox, err error) {
	s := &Sandbox{IndexURL: pypicache.URL(HostIndex)}
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
	if s.index, err = pypicache.Start(); err != nil {
		return nil, err
	}
	port := func(addr string) string { return addr[strings.LastIndex(addr, ":")+1:] }
	forwards := []string{port(HostIndex) + ":" + s.index.Addr}
	probe := fmt.Sprintf("curl -sf http://%s/health >/dev/null", HostIndex)
	if !o.IndexOnly {
		if err := run("bash", "tests/halfstack/standin.sh", StandInImage); err != nil {
			return nil, err
		}
		if err := run("bash", "tests/kernel/standin.sh", KernelImage); err != nil {
			return nil, err
		}
		if s.registry, err = StartRegistry(o.Dir); err != nil {
			return nil, err
		}
		for _, img := range []struct {
			ref         *string
			image, path string
		}{{&s.Images.Postgres, StandInImage, "standin/postgres:16"}, {&s.Images.Redis, StandInImage, "standin/valkey:9"},
			{&s.Images.Etcd, StandInImage, "standin/etcd:3.5"}, {&s.Images.Kernel, KernelImage, "standin/python:3.13-debian13"}} {
			local := s.registry.Addr + "/" + img.path
			for _, args := range [][]string{{"tag", img.image, local}, {"push", "--quiet", local}, {"rmi", local}} {
				if err := run("docker", args...); err != nil {
					return nil, err
				}
			}
			*img.ref = HostRegistry + "/" + img.path
		}
		forwards = append(forwards, port(HostRegistry)+":"+s.registry.Addr)
		probe += fmt.Sprintf(" && curl -sf http://%s/v2/ >/dev/null", HostRegistry)
		if s.npm, err = npmcache.Start(); err != nil {
			return nil, err
		}
		s.NPMRegistry = npmcache.URL(HostNPM)
		forwards = append(forwards, port(HostNPM)+":"+s.npm.Addr)
		probe += fmt.Sprintf(" && curl -sf %s-/ping >/dev/null", s.NPMRegistry)
	}

	for _, host := range o.Hosts {
		fw := exec.Command("bash", append([]string{"tests/sandbox/sandbox.sh", "forward", host}, forwards...)...)
		fw.Dir, fw.Env = o.Root, o.Env
		if err := fw.Start(); err != nil {
			return nil, fmt.Errorf("forwarding to %s: %w", host, err)
		}
		s.forwards = append(s.forwards, fw)
	}
	for _, host := range o.Hosts {
		for i := 0; run("bash", "tests/sandbox/sandbox.sh", "ssh", host, probe) != nil; i++ {
			if i == 30 {
				return nil, fmt.Errorf("the registry, the package index and the npm registry do not answer on %s", host)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	return s, nil
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

// Close stops the forwarding, the index, the npm registry and the registry, each by its
// own handle.
func (s *Sandbox) Close() {
	for _, fw := range s.forwards {
		if fw.Process != nil {
			_ = fw.Process.Kill()
			_ = fw.Wait()
		}
	}
	if s.index != nil {
		s.index.Stop()
	}
	if s.npm != nil {
		s.npm.Stop()
	}
	if s.registry != nil {
		s.registry.Stop()
	}
}
