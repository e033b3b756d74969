// Package servers starts real servers for tests, from Debian's packages: etcd
// (etcd-server) and PostgreSQL (postgresql), on loopback ports, each stopped and
// removed when its test ends. A missing package fails the test with the reason.
package servers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/backendai-infra/backendai-infra/internal/fixtures"
	"github.com/backendai-infra/backendai-infra/tests/catalog"
)

// FreePort asks the kernel for a free loopback port.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// start runs a server and stops it (by its PID) when the test ends.
func start(t testing.TB, name string, cmd *exec.Cmd, logFile string) *exec.Cmd {
	t.Helper()
	log, err := os.Create(logFile)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		log.Close()
	})
	return cmd
}

// waitPort waits until addr accepts connections.
func waitPort(t testing.TB, name, addr, logFile string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	out, _ := os.ReadFile(logFile)
	t.Fatalf("%s did not listen on %s within 30s:\n%s", name, addr, out)
}

// Etcd is a running etcd server.
type Etcd struct {
	Endpoint string // 127.0.0.1:port
	Port     int
}

// StartEtcd runs Debian's etcd on loopback with a fresh data directory. With certs, it
// serves TLS and requires a client certificate signed by their CA.
func StartEtcd(t testing.TB, certs ...*Certs) *Etcd {
	t.Helper()
	bin, err := exec.LookPath("etcd")
	if err != nil {
		t.Fatal("etcd is missing: apt-get install etcd-server (tools/deps.sh does)")
	}
	dir := t.TempDir()
	client, peer := FreePort(t), FreePort(t)
	scheme := "http"
	if len(certs) > 0 {
		scheme = "https"
	}
	clientURL := fmt.Sprintf("%s://127.0.0.1:%d", scheme, client)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peer)
	args := []string{"--name", "test", "--data-dir", filepath.Join(dir, "data"),
		"--listen-client-urls", clientURL, "--advertise-client-urls", clientURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "test=" + peerURL, "--log-level", "warn"}
	if len(certs) > 0 {
		c := certs[0]
		args = append(args, "--cert-file", c.ServerFile, "--key-file", c.KeyFile,
			"--trusted-ca-file", c.CAFile, "--client-cert-auth")
	}
	cmd := exec.Command(bin, args...)
	logFile := filepath.Join(dir, "etcd.log")
	start(t, "etcd", cmd, logFile)
	addr := fmt.Sprintf("127.0.0.1:%d", client)
	waitPort(t, "etcd", addr, logFile)
	return &Etcd{Endpoint: addr, Port: client}
}

// Postgres is a running PostgreSQL server with a superuser "postgres".
type Postgres struct {
	Host     string
	Port     int
	User     string
	Password string
	dir      string
	bin      string
	runAs    *user.User
}

// StartPostgres runs Debian's PostgreSQL on loopback with a fresh cluster whose
// superuser "postgres" logs in with a password (scram-sha-256). With certs, it serves
// TLS with their server certificate.
func StartPostgres(t testing.TB, certs ...*Certs) *Postgres {
	t.Helper()
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(matches) == 0 {
		t.Fatal("PostgreSQL is missing: apt-get install postgresql (tools/deps.sh does)")
	}
	pg := &Postgres{Host: "127.0.0.1", Port: FreePort(t), User: "postgres", Password: "test-superuser-password", bin: filepath.Dir(matches[len(matches)-1])}
	// PostgreSQL refuses to run as root: as root, the cluster belongs to "postgres".
	dir, err := os.MkdirTemp("", "backendai-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	pg.dir = dir
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatal("no postgres user to run PostgreSQL as (the postgresql package makes it)")
		}
		pg.runAs = u
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	pwfile := filepath.Join(dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(pg.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pg.own(t, pwfile)
	if out, err := pg.command("initdb", "-D", filepath.Join(dir, "data"), "-U", "postgres", "--pwfile", pwfile,
		"--auth", "scram-sha-256", "-E", "UTF8", "--locale", "C").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	logFile := filepath.Join(dir, "postgres.log")
	f, err := os.Create(logFile)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	pg.own(t, logFile)
	args := []string{"-D", filepath.Join(dir, "data"), "-p", strconv.Itoa(pg.Port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + dir, "-c", "fsync=off"}
	if len(certs) > 0 {
		// The server reads its key as its own user, so it gets copies it owns.
		cert, key := filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem")
		for file, text := range map[string]string{cert: certs[0].ServerCert, key: certs[0].ServerKey} {
			if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			pg.own(t, file)
		}
		args = append(args, "-c", "ssl=on", "-c", "ssl_cert_file="+cert, "-c", "ssl_key_file="+key)
	}
	cmd := pg.command("postgres", args...)
	start(t, "postgres", cmd, logFile)
	// Listening is not enough: the server refuses connections while it starts up.
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := pg.command("pg_isready", "-q", "-h", pg.Host, "-p", strconv.Itoa(pg.Port)).Run()
		if err == nil {
			return pg
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(logFile)
			t.Fatalf("postgres did not accept connections on port %d within 30s:\n%s", pg.Port, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (pg *Postgres) own(t testing.TB, path string) {
	if pg.runAs == nil {
		return
	}
	uid, _ := strconv.Atoi(pg.runAs.Uid)
	gid, _ := strconv.Atoi(pg.runAs.Gid)
	if err := os.Chown(path, uid, gid); err != nil {
		t.Fatal(err)
	}
}

func (pg *Postgres) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(pg.bin, name), args...)
	if pg.runAs != nil {
		uid, _ := strconv.Atoi(pg.runAs.Uid)
		gid, _ := strconv.Atoi(pg.runAs.Gid)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	}
	cmd.Env = append(os.Environ(), "PGPASSWORD="+pg.Password)
	return cmd
}

// Psql runs SQL as the superuser on a database.
func (pg *Postgres) Psql(ctx context.Context, database, sql string) (string, error) {
	cmd := pg.command("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-A", "-t", "-h", pg.Host, "-p", strconv.Itoa(pg.Port), "-U", pg.User, "-d", database, "-c", sql)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), errors.Join(err, fmt.Errorf("%s", out))
	}
	return string(out), nil
}

// Schema is the real schema of a Backend.AI line: the pg_dump of what the line's
// release (fixtures.Releases) creates with its own `mgr schema oneshot` (tests/catalog;
// tools/test.sh makes it first). Settings that PostgreSQL 17's dump has and this
// machine's older server does not know are left out.
func Schema(t testing.TB, line string) string {
	t.Helper()
	sql, err := catalog.Read(fixtures.Releases[line], "schema.sql")
	if err != nil {
		t.Fatal(err)
	}
	var keep []string
	for _, l := range strings.Split(sql, "\n") {
		if !strings.HasPrefix(l, "SET transaction_timeout") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// Load runs a SQL script (psql meta-commands allowed) as the superuser on a database.
func (pg *Postgres) Load(ctx context.Context, database, script string) (string, error) {
	cmd := pg.command("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", pg.Host, "-p", strconv.Itoa(pg.Port), "-U", pg.User, "-d", database)
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), errors.Join(err, fmt.Errorf("%s", out))
	}
	return string(out), nil
}

// CreateBackendAIDatabase makes a database with the real schema of the given Backend.AI
// line and returns its name.
func (pg *Postgres) CreateBackendAIDatabase(t testing.TB, name, line string) string {
	t.Helper()
	ctx := context.Background()
	if out, err := pg.Psql(ctx, "postgres", "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v\n%s", name, err, out)
	}
	if out, err := pg.Load(ctx, name, Schema(t, line)); err != nil {
		t.Fatalf("schema %s: %v\n%s", line, err, out)
	}
	return name
}
