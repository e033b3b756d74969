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

	"github.com/backendai-infra/backendai-infra/infra/halfstack"
	"github.com/backendai-infra/backendai-infra/infra/provider"
	"github.com/backendai-infra/backendai-infra/infra/spec"
	"github.com/backendai-infra/backendai-infra/tests/servers"
)

// TestHalfstackOnDocker runs the halfstack's container settings (infra/halfstack, the
// same the Halfstack component gives the Docker provider) on a real Docker engine and
// waits for their health checks. The pulumi-docker provider cannot be built here (its
// module is not served by the Go module proxy), so this stands in for its `up`.
//
// Stand-ins, named: the official postgres, valkey and etcd images cannot be pulled
// here, so one image built from Debian's packages (tests/halfstack/standin.sh) plays all
// three, served by a local registry (Debian's docker-registry) under configured image
// references, as a private registry would serve the real ones.
func TestHalfstackOnDocker(t *testing.T) {
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

	const standin = "backendai-halfstack-standin:trixie-2"
	sh("", nil, "bash", "tests/halfstack/standin.sh", standin)
	registry := servers.StartRegistry(t)
	h := spec.Halfstack{
		Images: spec.HalfstackImages{
			Postgres: registry + "/standin/postgres:16",
			Redis:    registry + "/standin/valkey:9",
			Etcd:     registry + "/standin/etcd:3.5",
		},
		Ports:      spec.HalfstackPorts{Postgres: servers.FreePort(t), Redis: servers.FreePort(t), Etcd: servers.FreePort(t)},
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
	users, err := os.ReadFile(filepath.Join(root, "infra/provider/testdata/users.json"))
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
