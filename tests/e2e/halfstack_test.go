//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi-go-provider/infer"

	"github.com/backendai-infra/backendai-infra/internal/halfstack"
	"github.com/backendai-infra/backendai-infra/internal/scripts"
	"github.com/backendai-infra/backendai-infra/internal/spec"
	"github.com/backendai-infra/backendai-infra/provider"
	"github.com/backendai-infra/backendai-infra/tests/servers"
	"github.com/backendai-infra/backendai-infra/tests/standins"
)

// TestHalfstackOnDocker runs the halfstack's container settings (internal/halfstack, the
// same the Halfstack component gives the Docker provider) on a real Docker engine and
// waits for their health checks. The pulumi-docker provider cannot be built here (its
// module is not served by the Go module proxy), so this stands in for its `up`.
//
// Stand-ins, named: the official postgres, valkey and etcd images cannot be pulled
// here, so one image built from Debian's packages (tests/halfstack/standin.sh) plays all
// three, served by a local registry (Debian's docker-registry) under configured image
// references, as a private registry would serve the real ones.
func TestHalfstackOnDocker(t *testing.T) {
	parallel(t)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	sh := func(stdin string, env []string, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env, cmd.Stdin = root, append(os.Environ(), env...), strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	engine := []string{"SANDBOX_STACK=halfstack-check"}
	sh("", engine, "bash", "tests/sandbox/sandbox.sh", "engine")
	t.Cleanup(func() { sh("", engine, "bash", "tests/sandbox/sandbox.sh", "down") })

	const standin = standins.StandInImage
	sh("", nil, "bash", "tests/halfstack/standin.sh", standin)
	reg, err := standins.StartRegistry(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(reg.Stop)
	registry := reg.Addr
	h := spec.Halfstack{
		Images: &spec.HalfstackImages{
			Postgres: registry + "/standin/postgres:16",
			Redis:    registry + "/standin/valkey:9",
			Etcd:     registry + "/standin/etcd:3.5",
		},
		Ports:      &spec.HalfstackPorts{Postgres: servers.FreePort(t), Redis: servers.FreePort(t), Etcd: servers.FreePort(t)},
		DBPassword: "halfstack-check-password",
	}
	for _, ref := range []string{h.Images.Postgres, h.Images.Redis, h.Images.Etcd} {
		sh("", nil, "docker", "tag", standin, ref)
		sh("", nil, "docker", "push", "--quiet", ref)
		sh("", nil, "docker", "rmi", ref) // so that the run below really pulls it
	}

	services := halfstack.Services(h)
	t.Cleanup(func() {
		for _, s := range services {
			exec.Command("docker", "rm", "-f", s.Name).Run()
			exec.Command("docker", "volume", "rm", s.Volume).Run()
		}
		exec.Command("docker", "network", "rm", halfstack.Network).Run()
		// The pulled references of this test's registry, which is gone.
		exec.Command("docker", "rmi", h.Images.Postgres, h.Images.Redis, h.Images.Etcd).Run()
	})
	sh("", nil, "docker", "network", "create", halfstack.Network)
	secret := []string{"POSTGRES_PASSWORD=" + h.DBPassword}
	for _, s := range services {
		sh("", nil, "docker", "pull", "--quiet", s.Image)
		sh("", secret, "docker", s.RunArgs(h.DBPassword)...)
	}
	start := time.Now()
	for _, s := range services {
		waitHealthy(t, s.Name, 3*time.Minute)
	}
	t.Logf("the three halfstack containers were healthy %s after they started", time.Since(start).Round(time.Second))

	// The password is not on any command line: docker inspect shows the variable's name
	// in the container's config, never in its command.
	if args := sh("", nil, "docker", "inspect", "-f", "{{json .Args}}", "backendai-half-db"); strings.Contains(args, h.DBPassword) {
		t.Errorf("the database password is in the container's arguments: %s", args)
	}
	// PostgreSQL publishes on loopback only; Redis and etcd on every address.
	if got := sh("", nil, "docker", "port", "backendai-half-db", "5432/tcp"); got != "127.0.0.1:"+strconv.Itoa(h.Ports.Postgres) {
		t.Errorf("postgres port: %s", got)
	}

	// Redis answers.
	if got := redisPing(t, h.Ports.Redis); got != "+PONG" {
		t.Errorf("redis PING: %q", got)
	}

	// The data resources work against the containers: etcd keys, and fixture rows in
	// Backend.AI's tables (the stand-in schema; Backend.AI's package makes the real one).
	sh(servers.Schema(t, "26.8"), nil, "docker", "exec", "-i", "backendai-half-db", "psql", "-q", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-d", halfstack.Database)
	ctx := context.Background()
	tree := provider.KeyTreeArgs{
		Connection: provider.EtcdConnection{Endpoints: []string{fmt.Sprintf("127.0.0.1:%d", h.Ports.Etcd)}},
		Namespace:  "local", Prefix: "config",
		Value: map[string]any{"redis": map[string]any{"addr": fmt.Sprintf("127.0.0.1:%d", h.Ports.Redis)}},
	}
	if _, err := (&provider.KeyTree{}).Create(ctx, infer.CreateRequest[provider.KeyTreeArgs]{Name: "config", Inputs: tree}); err != nil {
		t.Fatal(err)
	}
	users, err := os.ReadFile(filepath.Join(root, "fixtures/example-users.json"))
	if err != nil {
		t.Fatal(err)
	}
	pw, port := h.DBPassword, h.Ports.Postgres
	fixture := provider.FixtureArgs{
		Connection:       provider.DBConnection{Host: "127.0.0.1", Port: &port, User: "postgres", Password: &pw, Database: halfstack.Database},
		BackendAIVersion: "26.8.1", Data: string(users),
	}
	if _, err := (&provider.Fixture{}).Create(ctx, infer.CreateRequest[provider.FixtureArgs]{Name: "users", Inputs: fixture}); err != nil {
		t.Fatal(err)
	}
	if got := sh("", nil, "docker", "exec", "backendai-half-db", "psql", "-At", "-U", "postgres", "-d", halfstack.Database, "-c", "SELECT count(*) FROM users"); got != "3" {
		t.Errorf("users in the container's database: %s", got)
	}
	if got := sh("", nil, "docker", "exec", "backendai-half-etcd", "etcdctl", "get", "--print-value-only", "/sorna/local/config/redis/addr"); got != tree.Value["redis"].(map[string]any)["addr"] {
		t.Errorf("the key in the container's etcd: %q", got)
	}

	// The data lives in the named volumes: a new container finds it.
	sh("", nil, "docker", "rm", "-f", "backendai-half-etcd")
	for _, s := range services {
		if s.Name == "backendai-half-etcd" {
			sh("", nil, "docker", s.RunArgs("")...)
		}
	}
	waitHealthy(t, "backendai-half-etcd", time.Minute)
	if got := sh("", nil, "docker", "exec", "backendai-half-etcd", "etcdctl", "get", "--print-value-only", "/sorna/local/config/redis/addr"); got == "" {
		t.Error("the etcd data did not survive the container")
	}
}

func waitHealthy(t *testing.T, name string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	status := ""
	for time.Now().Before(deadline) {
		out, _ := exec.Command("docker", "inspect", "-f", "{{.State.Health.Status}}", name).Output()
		if status = strings.TrimSpace(string(out)); status == "healthy" {
			return
		}
		time.Sleep(time.Second)
	}
	logs, _ := exec.Command("docker", "logs", "--tail", "30", name).CombinedOutput()
	t.Fatalf("%s is %q after %s:\n%s", name, status, limit, logs)
}

func redisPing(t *testing.T, port int) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(conn).ReadString('\n')
	return strings.TrimSpace(line)
}

// TestHalfstackScriptOnSandboxHost converges the same container settings on a sandbox
// management host's own Docker engine through the halfstack host step: all three
// healthy, a second run changes nothing, and a changed port recreates only that
// service's container. The images are the stand-in (see TestHalfstackOnDocker), loaded
// into the host's engine as a registry would deliver them.
func TestHalfstackScriptOnSandboxHost(t *testing.T) {
	parallel(t)
	s := newSandbox(t, "bai-h1:manager")
	for _, step := range []struct {
		script string
		env    map[string]string
	}{
		{scripts.Account, map[string]string{"BAI_USER": "bai", "BAI_UID": "1100", "BAI_GID": "1100"}},
		{scripts.Docker, map[string]string{"DOCKER_SOURCE": "distro", "BAI_USER": "bai"}},
	} {
		if out, err := s.sshScript("bai-h1", step.script, step.env); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}
	const standin = standins.StandInImage
	s.must("bash", "tests/halfstack/standin.sh", standin)
	container := s.stack + "-bai-h1"
	load := exec.Command("bash", "-c", fmt.Sprintf("docker save %s | docker exec -i %s docker load", standin, container))
	if out, err := load.CombinedOutput(); err != nil {
		t.Fatalf("loading the stand-in image into bai-h1: %v\n%s", err, out)
	}
	h := spec.Halfstack{
		Images:     &spec.HalfstackImages{Postgres: "standin/postgres:16", Redis: "standin/valkey:9", Etcd: "standin/etcd:3.5"},
		Ports:      &spec.HalfstackPorts{Postgres: 8100, Redis: 8110, Etcd: 8120},
		DBPassword: "halfstack-script-password",
	}
	for _, ref := range []string{h.Images.Postgres, h.Images.Redis, h.Images.Etcd} {
		s.ssh("bai-h1", "docker tag "+standin+" "+ref)
	}
	converge := func(h spec.Halfstack) string {
		t.Helper()
		env := halfstack.ScriptEnv(halfstack.Services(h))
		env["POSTGRES_PASSWORD"] = h.DBPassword
		out, err := s.sshScript("bai-h1", scripts.Halfstack, env)
		if err != nil {
			t.Fatalf("halfstack step: %v\n%s", err, out)
		}
		return out
	}
	ids := func() string {
		return s.ssh("bai-h1", "docker inspect -f '{{.Name}} {{.Id}}' backendai-half-db backendai-half-redis backendai-half-etcd")
	}
	if out := converge(h); !strings.Contains(out, "healthy changed=yes") {
		t.Errorf("first run:\n%s", out)
	}
	before := ids()
	if out := converge(h); !strings.Contains(out, "healthy changed=no") {
		t.Errorf("second run:\n%s", out)
	}
	if after := ids(); after != before {
		t.Errorf("the second run recreated containers:\n%s\n%s", before, after)
	}
	h.Ports.Etcd = 8121
	if out := converge(h); !strings.Contains(out, "changed=yes") {
		t.Errorf("run after a port change:\n%s", out)
	}
	after := strings.Split(ids(), "\n")
	was := strings.Split(before, "\n")
	if after[0] != was[0] || after[1] != was[1] || after[2] == was[2] {
		t.Errorf("a changed etcd port should recreate etcd alone:\n%s\n%s", before, strings.Join(after, "\n"))
	}
	if got := s.ssh("bai-h1", "docker port backendai-half-etcd 2379/tcp | head -n1"); got != "0.0.0.0:8121" {
		t.Errorf("etcd port: %s", got)
	}
	if got := s.ssh("bai-h1", "docker exec backendai-half-db psql -At -U postgres -d backend -c 'select 1'"); got != "1" {
		t.Errorf("the backend database: %q", got)
	}

	// The data resources reach these containers the way the management node's do:
	// through an SSH tunnel to the node, then its loopback (the stand-in schema first).
	if out, err := s.commandIn(servers.Schema(t, "26.8"), "bash", "tests/sandbox/sandbox.sh", "ssh", "bai-h1",
		"docker exec -i backendai-half-db psql -q -v ON_ERROR_STOP=1 -U postgres -d backend"); err != nil {
		t.Fatalf("schema: %v\n%s", err, out)
	}
	port, hostKey := s.sshOf("bai-h1")
	key, err := os.ReadFile(filepath.Join(s.root, ".sandbox", "id_ed25519"))
	if err != nil {
		t.Fatal(err)
	}
	via := &provider.Connection{Host: "127.0.0.1", Port: port, User: "root", PrivateKey: string(key), HostKey: &hostKey}
	ctx := context.Background()
	tree := provider.KeyTreeArgs{
		Connection: provider.EtcdConnection{Endpoints: []string{"127.0.0.1:8121"}, Via: via},
		Namespace:  "local", Prefix: "config", Value: map[string]any{"redis": map[string]any{"addr": "10.20.30.10:8110"}},
	}
	if _, err := (&provider.KeyTree{}).Create(ctx, infer.CreateRequest[provider.KeyTreeArgs]{Name: "config", Inputs: tree}); err != nil {
		t.Fatal(err)
	}
	users, err := os.ReadFile(filepath.Join(s.root, "fixtures/example-users.json"))
	if err != nil {
		t.Fatal(err)
	}
	pw, pgPort := h.DBPassword, h.Ports.Postgres
	fixture := provider.FixtureArgs{
		Connection:       provider.DBConnection{Host: "127.0.0.1", Port: &pgPort, User: "postgres", Password: &pw, Database: halfstack.Database, Via: via},
		BackendAIVersion: "26.8.1", Data: string(users),
	}
	created, err := (&provider.Fixture{}).Create(ctx, infer.CreateRequest[provider.FixtureArgs]{Name: "users", Inputs: fixture})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.ssh("bai-h1", "docker exec backendai-half-db psql -At -U postgres -d backend -c 'select count(*) from users'"); got != "3" {
		t.Errorf("users in bai-h1's database: %q", got)
	}
	if got := s.ssh("bai-h1", "docker exec backendai-half-etcd etcdctl get --print-value-only /sorna/local/config/redis/addr"); got != "10.20.30.10:8110" {
		t.Errorf("the key in bai-h1's etcd: %q", got)
	}
	// A row changed on the node is seen through the tunnel.
	s.ssh("bai-h1", "docker exec backendai-half-db psql -q -U postgres -d backend -c \"update users set full_name = 'x' where email = 'user@lablup.com'\"")
	read, err := (&provider.Fixture{}).Read(ctx, infer.ReadRequest[provider.FixtureArgs, provider.FixtureState]{ID: created.ID, Inputs: fixture, State: created.Output})
	if err != nil {
		t.Fatal(err)
	}
	if row := read.State.Rows["users/uuid=dfa9da54-4b28-432f-be29-c0d680c7a412"]; !strings.Contains(row, `"full_name":"x"`) {
		t.Errorf("the hand change is not seen through the tunnel: %s", row)
	}
}
