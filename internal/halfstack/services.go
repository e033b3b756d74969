// Package halfstack describes Backend.AI's halfstack containers (PostgreSQL, Redis or
// Valkey, etcd) once, as docker-compose.halfstack-main.yml runs them: the Pulumi
// component builds its Docker resources from it, and the tests run the same settings
// on a real Docker engine.
package halfstack

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// Network is the halfstack's Docker network ("half" in the compose file).
const Network = "backendai-half"

// Service is one halfstack container.
type Service struct {
	Name          string   // container name, e.g. backendai-half-db
	Image         string   // image reference
	Command       []string // the container's command
	Env           []string // KEY=value, not secret
	SecretEnvKey  string   // an environment variable whose value is a secret ("" for none)
	HostIP        string   // the host address the port is published on
	HostPort      int
	ContainerPort int
	Volume        string // the named data volume
	MountPath     string // where the volume is mounted in the container
	Health        Health
}

// Health is a container health check, as in the compose file: test, interval, timeout,
// retries.
type Health struct {
	Test     []string
	Interval string
	Timeout  string
	Retries  int
}

// Database is the name of Backend.AI's database (POSTGRES_DB in the compose file).
const Database = "backend"

// Services are the three halfstack containers. PostgreSQL listens on the management
// node's loopback only: the manager is its only client. Redis and etcd are published
// on every address: agents and storage proxies on other nodes use them.
func Services(h spec.Halfstack) []Service {
	health := func(test ...string) Health {
		return Health{Test: test, Interval: "5s", Timeout: "3s", Retries: 10}
	}
	return []Service{
		{
			Name:    "backendai-half-db",
			Image:   h.Images.Postgres,
			Command: []string{"postgres", "-c", "max_connections=256"},
			Env:     []string{"POSTGRES_DB=" + Database, "POSTGRES_USER=postgres"},
			// The password comes from the stack's secret dbPassword.
			SecretEnvKey: "POSTGRES_PASSWORD",
			HostIP:       "127.0.0.1", HostPort: h.Ports.Postgres, ContainerPort: 5432,
			Volume: "backendai-half-postgres-data", MountPath: "/var/lib/postgresql/data",
			Health: health("CMD", "pg_isready", "-U", "postgres"),
		},
		{
			Name:    "backendai-half-redis",
			Image:   h.Images.Redis,
			Command: []string{"valkey-server", "--appendonly", "yes"},
			HostIP:  "0.0.0.0", HostPort: h.Ports.Redis, ContainerPort: 6379,
			Volume: "backendai-half-redis-data", MountPath: "/data",
			Health: health("CMD-SHELL", "valkey-cli ping | grep PONG"),
		},
		{
			Name:  "backendai-half-etcd",
			Image: h.Images.Etcd,
			Command: []string{"/usr/local/bin/etcd", "--name", "backendai-etcd", "--data-dir", "/etcd-data",
				"--listen-client-urls", "http://0.0.0.0:2379", "--advertise-client-urls", "http://0.0.0.0:2379",
				"--listen-peer-urls", "http://0.0.0.0:2380", "--initial-advertise-peer-urls", "http://0.0.0.0:2380",
				"--initial-cluster", "backendai-etcd=http://0.0.0.0:2380", "--initial-cluster-token", "backendai-etcd-token",
				"--initial-cluster-state", "new", "--enable-v2=true", "--auto-compaction-retention", "1", "--metrics=extensive"},
			HostIP: "0.0.0.0", HostPort: h.Ports.Etcd, ContainerPort: 2379,
			Volume: "backendai-half-etcd-data", MountPath: "/etcd-data",
			Health: health("CMD", "etcdctl", "endpoint", "health"),
		},
	}
}

// RunArgs are the `docker run` arguments of the same container settings: what the
// Docker provider creates, said in the Docker CLI's words. The tests run them on a
// real engine; secretEnv is the value of SecretEnvKey.
func (s Service) RunArgs(secretEnv string) []string {
	args := []string{"run", "--detach", "--name", s.Name, "--network", Network,
		"--restart", "unless-stopped",
		"--publish", s.HostIP + ":" + strconv.Itoa(s.HostPort) + ":" + strconv.Itoa(s.ContainerPort),
		"--volume", s.Volume + ":" + s.MountPath,
		"--health-cmd", healthCmd(s.Health.Test), "--health-interval", s.Health.Interval,
		"--health-timeout", s.Health.Timeout, "--health-retries", strconv.Itoa(s.Health.Retries)}
	for _, e := range s.Env {
		args = append(args, "--env", e)
	}
	if s.SecretEnvKey != "" {
		// The name alone: docker takes the value from its own environment, so the
		// secret never appears on a command line.
		args = append(args, "--env", s.SecretEnvKey)
	}
	args = append(args, s.Image)
	return append(args, s.Command...)
}

// healthCmd is the test in the CLI's --health-cmd form, which runs it with a shell.
func healthCmd(test []string) string {
	if len(test) > 0 && test[0] == "CMD-SHELL" {
		return test[1]
	}
	return strings.Join(test[1:], " ")
}

// ScriptEnv is the input of the halfstack host script (internal/scripts/halfstack.sh): the
// same container settings, for an engine reached by a remote step instead of the
// Docker provider. The secret's value is not in it; the step passes it separately.
func ScriptEnv(services []Service) map[string]string {
	env := map[string]string{"HALFSTACK_NETWORK": Network}
	var ids []string
	for _, s := range services {
		id := strings.TrimPrefix(s.Name, "backendai-half-")
		ids = append(ids, id)
		args := s.RunArgs("")[1:] // without "run"
		quoted := make([]string, len(args))
		for i, a := range args {
			quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		sum := sha256.Sum256([]byte(strings.Join(args, "\x00")))
		prefix := "HALFSTACK_" + id + "_"
		env[prefix+"NAME"], env[prefix+"IMAGE"], env[prefix+"VOLUME"] = s.Name, s.Image, s.Volume
		env[prefix+"ARGS"] = strings.Join(quoted, " ")
		env[prefix+"SHA"] = hex.EncodeToString(sum[:8])
	}
	env["HALFSTACK_SERVICES"] = strings.Join(ids, " ")
	return env
}
