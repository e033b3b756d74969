package provider

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/backendai-infra/backendai-infra/tests/brokenport"
	"github.com/backendai-infra/backendai-infra/tests/sshkey"
)

// TestBrokenHostsFailFast: a host that is broken the ways real hosts break fails the
// step within 30 s, naming what happened. Each case is a listener on loopback that the
// test starts.
func TestBrokenHostsFailFast(t *testing.T) {
	private, public := sshkey.New(t)
	_, otherKey := sshkey.New(t)
	tests := []struct {
		name    string
		addr    func(t testing.TB) string
		hostKey string
		timeout time.Duration
		want    string
		within  time.Duration
	}{
		{"accepts and never writes", brokenport.Silent, "", time.Minute, "no SSH banner within 10s", 12 * time.Second},
		{"answers HTTP", brokenport.HTTP, "", time.Minute, `not SSH: the port answered "HTTP/1.1 400 Bad Request"`, 2 * time.Second},
		{"closed port", brokenport.Closed, "", time.Minute, "connection refused: nothing listens on the port", 26 * time.Second},
		{"host key mismatch", func(t testing.TB) string { return sshServer(t, public, hang) }, otherKey, time.Minute, "host key mismatch", 2 * time.Second},
		{"stops answering during the step", func(t testing.TB) string { return sshServer(t, public, freeze) }, "", time.Minute, "the host stopped answering (no reply to SSH keepalives within 15s)", 27 * time.Second},
		{"step runs too long", func(t testing.TB) string { return sshServer(t, public, hang) }, "", 2 * time.Second, "the step did not finish within 2s", 4 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			host, port, _ := net.SplitHostPort(tt.addr(t))
			c := Connection{Host: host, PrivateKey: private}
			c.Port, _ = strconv.Atoi(port)
			if tt.hostKey != "" {
				c.HostKey = &tt.hostKey
			}
			start := time.Now()
			_, err := c.run(context.Background(), "true", tt.timeout)
			took := time.Since(start)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), c.addr()) {
				t.Fatalf("error %v, want it to name %s and %q", err, c.addr(), tt.want)
			}
			if took > tt.within {
				t.Errorf("failed after %s, want within %s", took.Round(time.Millisecond), tt.within)
			}
			t.Logf("%s in %s", err, took.Round(time.Millisecond))
		})
	}
}

// TestRunOnAnSSHServer: a host that answers runs the script and reports its exit.
func TestRunOnAnSSHServer(t *testing.T) {
	private, public := sshkey.New(t)
	host, port, _ := net.SplitHostPort(sshServer(t, public, exit(3)))
	c := Connection{Host: host, PrivateKey: private}
	c.Port, _ = strconv.Atoi(port)
	res, err := c.run(context.Background(), "exit 3", time.Minute)
	if err != nil || res.exit != 3 || res.stdout != "ran\n" {
		t.Fatalf("run = %+v, %v; want stdout ran and exit 3", res, err)
	}
}

// TestManyStepsOnOneHost: forty steps started at once on one host (as a refresh reads
// a host's steps) all run, though its sshd turns away connections beyond ten that are
// not logged in yet.
func TestManyStepsOnOneHost(t *testing.T) {
	private, public := sshkey.New(t)
	host, port, _ := net.SplitHostPort(sshServerWith(t, public, runBash, 10))
	c := Connection{Host: host, PrivateKey: private}
	c.Port, _ = strconv.Atoi(port)
	errs := make(chan error, 40)
	for range 40 {
		go func() {
			_, err := c.run(context.Background(), "true", time.Minute)
			errs <- err
		}()
	}
	for range 40 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestTunnelNamesALostHost: a data resource's connection through the SSH tunnel whose
// host stops answering ends within the keepalives' bound, with an error that names the
// tunnel's host (the server's client would otherwise see an EOF from its server).
func TestTunnelNamesALostHost(t *testing.T) {
	t.Parallel()
	private, public := sshkey.New(t)
	host, port, _ := net.SplitHostPort(sshServer(t, public, freeze))
	via := &Connection{Host: host, PrivateKey: private}
	via.Port, _ = strconv.Atoi(port)
	tun, err := openTunnel(context.Background(), via)
	if err != nil {
		t.Fatal(err)
	}
	defer tun.Close()
	conn, err := tun.dial(context.Background(), "tcp", "127.0.0.1:5432")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = conn.Read(make([]byte, 1))
	want := "the SSH tunnel via " + via.addr() + ": the host stopped answering (no reply to SSH keepalives within 15s)"
	if err == nil || err.Error() != want || time.Since(start) > 27*time.Second {
		t.Errorf("a read through the tunnel of a host that stopped answering: %v after %s, want %q within 27s", err, time.Since(start).Round(time.Second), want)
	}
}

// TestCancelStopsAHandshake: cancelling (the engine's answer to SIGINT or SIGTERM)
// ends a step that waits on a silent port at once.
func TestCancelStopsAHandshake(t *testing.T) {
	private, _ := sshkey.New(t)
	host, port, _ := net.SplitHostPort(brokenport.Silent(t))
	c := Connection{Host: host, PrivateKey: private}
	c.Port, _ = strconv.Atoi(port)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(500*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.run(ctx, "true", time.Minute)
	if err == nil || time.Since(start) > 2*time.Second {
		t.Fatalf("cancelled run returned %v after %s", err, time.Since(start))
	}
}

// What the test SSH server does with an exec request once it has accepted it.
type behaviour func(ch ssh.Channel, c *frozenConn)

// hang keeps the session open and goes on answering keepalives.
func hang(ssh.Channel, *frozenConn) {}

// freeze stops answering at all, as a host that died does.
func freeze(_ ssh.Channel, c *frozenConn) { c.freeze() }

// exit prints "ran" and ends the session with the status.
func exit(status uint32) behaviour {
	return func(ch ssh.Channel, _ *frozenConn) {
		_, _ = ch.Write([]byte("ran\n"))
		_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{status}))
		_ = ch.Close()
	}
}

// runBash runs what the client sends on stdin with this machine's bash, as a host's
// `bash -s` does, and ends the session with its exit status.
func runBash(ch ssh.Channel, _ *frozenConn) {
	cmd := exec.Command("bash", "-s")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = ch, ch, ch.Stderr()
	status := uint32(0)
	if err := cmd.Run(); err != nil {
		status = 255
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			status = uint32(exit.ExitCode())
		}
	}
	_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{status}))
	_ = ch.Close()
}

// sshServer is an SSH server on loopback that lets in the key authorized and does
// what on every exec; its host key is its own.
func sshServer(t testing.TB, authorized string, what behaviour) string {
	return sshServerWith(t, authorized, what, 0)
}

// sshServerWith is sshServer that, like OpenSSH's MaxStartups, turns away a connection
// while maxStartups others are not logged in yet (0: none is turned away).
func sshServerWith(t testing.TB, authorized string, what behaviour, maxStartups int32) string {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	want, _, _, _, err := ssh.ParseAuthorizedKey([]byte(authorized))
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
		if string(key.Marshal()) != string(want.Marshal()) {
			return nil, net.ErrClosed
		}
		return nil, nil
	}}
	cfg.AddHostKey(signer)
	var starting atomic.Int32
	addr := brokenport.Serve(t, func(raw net.Conn) {
		if n := starting.Add(1); maxStartups > 0 && n > maxStartups {
			starting.Add(-1)
			_, _ = raw.Write([]byte("Not allowed at this time\r\n"))
			_ = raw.Close()
			return
		}
		conn := &frozenConn{Conn: raw, frozen: make(chan struct{})}
		_, chans, reqs, err := ssh.NewServerConn(conn, cfg)
		starting.Add(-1)
		if err != nil {
			return
		}
		go ssh.DiscardRequests(reqs) // answers keepalives with a failure, as OpenSSH does
		for nc := range chans {
			ch, chReqs, err := nc.Accept()
			if err != nil {
				return
			}
			if nc.ChannelType() == "direct-tcpip" { // a tunnel's connection: no exec comes
				go ssh.DiscardRequests(chReqs)
				go what(ch, conn)
				continue
			}
			go func() {
				for r := range chReqs {
					_ = r.Reply(r.Type == "exec", nil)
					if r.Type == "exec" {
						go what(ch, conn)
					}
				}
			}()
		}
	})
	return addr
}

// frozenConn stops reading and writing once frozen, until it is closed.
type frozenConn struct {
	net.Conn
	once   sync.Once
	frozen chan struct{}
}

func (c *frozenConn) freeze() { c.once.Do(func() { close(c.frozen) }) }

func (c *frozenConn) Read(b []byte) (int, error) {
	select {
	case <-c.frozen:
		select {} // a dead host: nothing ever arrives
	default:
	}
	return c.Conn.Read(b)
}

func (c *frozenConn) Write(b []byte) (int, error) {
	select {
	case <-c.frozen:
		return len(b), nil // swallowed
	default:
	}
	return c.Conn.Write(b)
}
