package e2e

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/backendai-infra/backendai-infra/infra/spec"
	"github.com/backendai-infra/backendai-infra/tests/servers"
)

// standIns are what this machine cannot download, served to a sandbox host on its own
// loopback through SSH:
//   - a local registry (Debian's docker-registry) with the halfstack stand-in image
//     (tests/halfstack/standin.sh: Debian's postgresql, valkey and etcd) under three
//     references, in place of the official postgres, valkey and etcd images;
//   - a local package index serving stand-in wheels of backend.ai-manager,
//     backend.ai-storage-proxy and backend.ai-webserver (tests/servers/standin/), in
//     place of Backend.AI's wheels on PyPI.
type standIns struct {
	images spec.HalfstackImages
	index  string // the package index's URL, as the host sees it
}

// On the host, the stand-ins answer at these loopback addresses.
const (
	hostRegistry = "127.0.0.1:5000"
	hostIndex    = "127.0.0.1:3141"
)

func startStandIns(t *testing.T, s *sandbox, host, version string) standIns {
	t.Helper()
	const standin = "backendai-halfstack-standin:trixie-2"
	s.must("bash", "tests/halfstack/standin.sh", standin)
	registry := servers.StartRegistry(t)
	index := servers.ServeIndex(t, servers.StandInPackages(t, version))
	images := spec.HalfstackImages{Postgres: "standin/postgres:16", Redis: "standin/valkey:9", Etcd: "standin/etcd:3.5"}
	for _, ref := range []*string{&images.Postgres, &images.Redis, &images.Etcd} {
		local := registry + "/" + *ref
		s.must("docker", "tag", standin, local)
		s.must("docker", "push", "--quiet", local)
		s.must("docker", "rmi", local)
		*ref = hostRegistry + "/" + *ref
	}

	forward := exec.Command("bash", "tests/sandbox/sandbox.sh", "forward", host,
		strings.Split(hostRegistry, ":")[1]+":"+registry, strings.Split(hostIndex, ":")[1]+":"+index)
	forward.Dir, forward.Env = s.root, s.env
	if err := forward.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = forward.Process.Kill()
		_ = forward.Wait()
	})
	probe := "curl -sf http://" + hostRegistry + "/v2/ >/dev/null && curl -sf http://" + hostIndex + "/simple/backend-ai-manager/ >/dev/null"
	for i := 0; ; i++ {
		if _, err := s.command("bash", "tests/sandbox/sandbox.sh", "ssh", host, probe); err == nil {
			break
		}
		if i == 30 {
			t.Fatalf("the stand-in registry and index do not answer on %s", host)
		}
		time.Sleep(500 * time.Millisecond)
	}
	// The stand-in manager CLI does with psql what Backend.AI's does with SQLAlchemy.
	s.ssh(host, "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >/dev/null")
	return standIns{images: images, index: "http://" + hostIndex + "/simple"}
}
