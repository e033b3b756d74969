package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

// Connection is how a remote step reaches its host.
type Connection struct {
	Host       string  `pulumi:"host"`
	Port       int     `pulumi:"port,optional"`
	User       string  `pulumi:"user,optional"`
	PrivateKey string  `pulumi:"privateKey" provider:"secret"`
	HostKey    *string `pulumi:"hostKey,optional"`
	// DialAttempts bounds the retries while a host boots or sshd restarts; they stop
	// after dialBudget in any case.
	DialAttempts *int `pulumi:"dialAttempts,optional"`
}

// The bounds of reaching a host. A broken host fails its step within dialBudget,
// naming what went wrong; a host that stops answering during a step fails it within
// keepaliveEvery+keepaliveWait.
const (
	defaultDialAttempts = 10
	// dialBudget bounds connecting, retries included: a refused or dropped connection
	// (sshd restarting, MaxStartups) is tried again until then.
	dialBudget = 25 * time.Second
	// connectTimeout bounds one TCP connect, handshakeTimeout the SSH banner, key
	// exchange and authentication after it.
	connectTimeout   = 10 * time.Second
	handshakeTimeout = 10 * time.Second
	// A connection whose host does not answer a keepalive within keepaliveWait is
	// closed, which ends the step running on it.
	keepaliveEvery = 10 * time.Second
	keepaliveWait  = 15 * time.Second
)

func (c Connection) addr() string {
	port := c.Port
	if port == 0 {
		port = 22
	}
	return net.JoinHostPort(c.Host, strconv.Itoa(port))
}

func (c Connection) user() string {
	if c.User == "" {
		return "root"
	}
	return c.User
}

func (c Connection) config() (*ssh.ClientConfig, error) {
	signer, err := ssh.ParsePrivateKey([]byte(c.PrivateKey))
	if err != nil {
		return nil, errors.New("connection.privateKey: not a usable private key") // never echo the key
	}
	cfg := &ssh.ClientConfig{
		User:            c.user(),
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), //nolint:gosec // only when the stack gives no host key
	}
	if c.HostKey != nil && *c.HostKey != "" {
		key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(*c.HostKey))
		if err != nil {
			return nil, fmt.Errorf("connection.hostKey: %w", err)
		}
		cfg.HostKeyCallback = func(_ string, _ net.Addr, got ssh.PublicKey) error {
			if !bytes.Equal(got.Marshal(), key.Marshal()) {
				return errHostKey
			}
			return nil
		}
		cfg.HostKeyAlgorithms = []string{key.Type()}
	}
	return cfg, nil
}

var errHostKey = errors.New("host key mismatch: the host's key is not the stack's hostKey (a reinstalled host, or another machine at this address)")

// client is an SSH connection kept alive by keepalives; lost says that the host
// stopped answering them, which closed it.
type client struct {
	*ssh.Client
	lost atomic.Bool
}

// dial connects within dialBudget. A refused, unreachable or dropped connection is
// tried again (a host booting, sshd restarting); a port that answers no SSH banner or
// something that is not SSH, a host key mismatch and a refused login fail at once.
func (c Connection) dial(ctx context.Context) (*client, error) {
	cfg, err := c.config()
	if err != nil {
		return nil, err
	}
	attempts := defaultDialAttempts
	if c.DialAttempts != nil && *c.DialAttempts > 0 {
		attempts = *c.DialAttempts
	}
	ctx, cancel := context.WithTimeout(ctx, dialBudget)
	defer cancel()
	var last error
	for i := range attempts {
		if i > 0 {
			select {
			case <-ctx.Done():
				return nil, c.dialError(ctx, last)
			case <-time.After(min(time.Duration(i)*500*time.Millisecond, 3*time.Second)):
			}
		}
		cl, err := c.dialOnce(ctx, cfg)
		if err == nil {
			return cl, nil
		}
		last = err
		var fatal fatalDialError
		if errors.As(err, &fatal) || ctx.Err() != nil {
			break
		}
	}
	return nil, c.dialError(ctx, last)
}

func (c Connection) dialError(ctx context.Context, last error) error {
	if last == nil {
		last = ctx.Err()
	}
	return fmt.Errorf("ssh %s@%s: %w", c.user(), c.addr(), last)
}

// fatalDialError is a failure that trying again would only repeat.
type fatalDialError struct{ error }

func (e fatalDialError) Unwrap() error { return e.error }

// handshakesPerHost bounds the SSH handshakes in flight to one host: OpenSSH drops
// unauthenticated connections beyond its MaxStartups (10 by default), and a refresh
// reads every step of a host at once.
const handshakesPerHost = 6

var handshakes = struct {
	sync.Mutex
	slots map[string]chan struct{}
}{slots: map[string]chan struct{}{}}

// handshakeSlot waits for a free handshake to addr and returns its release.
func handshakeSlot(ctx context.Context, addr string) (func(), error) {
	handshakes.Lock()
	slot, ok := handshakes.slots[addr]
	if !ok {
		slot = make(chan struct{}, handshakesPerHost)
		handshakes.slots[addr] = slot
	}
	handshakes.Unlock()
	select {
	case slot <- struct{}{}:
		return func() { <-slot }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for a free SSH handshake: %w", ctx.Err())
	}
}

func (c Connection) dialOnce(ctx context.Context, cfg *ssh.ClientConfig) (*client, error) {
	release, err := handshakeSlot(ctx, c.addr())
	if err != nil {
		return nil, err
	}
	defer release()
	d := net.Dialer{Timeout: connectTimeout}
	conn, err := d.DialContext(ctx, "tcp", c.addr())
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return nil, errors.New("connection refused: nothing listens on the port")
	case err != nil:
		return nil, fmt.Errorf("cannot connect: %w", err)
	}
	deadline := time.Now().Add(handshakeTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	// Closing the connection is what stops a handshake that the context cancels.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	seen := &firstBytes{Conn: conn}
	_ = conn.SetDeadline(deadline)
	sc, chans, reqs, err := ssh.NewClientConn(seen, c.addr(), cfg)
	if err != nil {
		_ = conn.Close()
		return nil, handshakeError(ctx, err, seen.bytes())
	}
	_ = conn.SetDeadline(time.Time{})
	cl := &client{Client: ssh.NewClient(sc, chans, reqs)}
	go cl.keepalive()
	return cl, nil
}

// handshakeError names why the SSH handshake failed, from what the port sent.
func handshakeError(ctx context.Context, err error, first []byte) error {
	var timeout net.Error
	isTimeout := errors.As(err, &timeout) && timeout.Timeout()
	switch {
	case errors.Is(err, errHostKey):
		return fatalDialError{errHostKey}
	case strings.Contains(err.Error(), "unable to authenticate"):
		return fatalDialError{errors.New("login refused: the host does not accept the stack's private key for this user")}
	case bytes.HasPrefix(first, []byte("Not allowed at this time")):
		// OpenSSH's MaxStartups: too many connections being set up at once; later, it lets in.
		return errors.New("the host refused more connections for now (sshd's MaxStartups)")
	case len(first) > 0 && !bytes.HasPrefix(first, []byte("SSH-")):
		line, _, _ := bytes.Cut(first, []byte("\n"))
		return fatalDialError{fmt.Errorf("not SSH: the port answered %q", strings.TrimRight(string(line), "\r"))}
	case len(first) == 0 && (isTimeout || ctx.Err() != nil):
		return fatalDialError{fmt.Errorf("no SSH banner within %s: the port accepts connections but nothing answers (a firewall, a wedged host, or not an SSH server)", handshakeTimeout)}
	case isTimeout:
		return fatalDialError{fmt.Errorf("the SSH handshake did not finish within %s", handshakeTimeout)}
	case len(first) == 0 && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)):
		return errors.New("the connection was closed before the SSH banner (sshd busy or restarting)")
	}
	return fmt.Errorf("ssh handshake: %w", err)
}

// firstBytes keeps the first bytes a connection reads, to tell a silent port from
// one that speaks another protocol.
type firstBytes struct {
	net.Conn
	mu   sync.Mutex
	head []byte
}

func (f *firstBytes) Read(b []byte) (int, error) {
	n, err := f.Conn.Read(b)
	f.mu.Lock()
	if room := 64 - len(f.head); room > 0 {
		f.head = append(f.head, b[:min(n, room)]...)
	}
	f.mu.Unlock()
	return n, err
}

func (f *firstBytes) bytes() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.head
}

// keepalive closes the connection when the host stops answering, so that nothing
// waits on it for ever; it ends with the connection.
func (cl *client) keepalive() {
	closed := make(chan struct{})
	go func() { _ = cl.Wait(); close(closed) }()
	tick := time.NewTicker(keepaliveEvery)
	defer tick.Stop()
	for {
		select {
		case <-closed:
			return
		case <-tick.C:
		}
		reply := make(chan error, 1)
		go func() { _, _, err := cl.SendRequest("keepalive@openssh.com", true, nil); reply <- err }()
		select {
		case <-closed:
			return
		case err := <-reply:
			if err == nil {
				continue
			}
		case <-time.After(keepaliveWait):
		}
		cl.lost.Store(true)
		_ = cl.Close()
		return
	}
}

// result is what a remote script left behind.
type result struct {
	stdout, stderr string
	exit           int
}

// run sends script on stdin to bash, through sudo when the user is not root, and
// waits at most timeout. The command line itself is fixed, so nothing the script
// carries appears in it.
func (c Connection) run(ctx context.Context, script string, timeout time.Duration) (result, error) {
	cl, err := c.dial(ctx)
	if err != nil {
		return result{}, err
	}
	defer cl.Close()
	session, err := cl.NewSession()
	if err != nil {
		return result{}, fmt.Errorf("ssh session on %s: %w", c.addr(), err)
	}
	defer session.Close()

	var stdout, stderr bytes.Buffer
	session.Stdin = strings.NewReader(script)
	session.Stdout, session.Stderr = &stdout, &stderr
	command := "bash -s"
	if c.user() != "root" {
		command = "sudo -n bash -s"
	}
	done := make(chan error, 1)
	go func() { done <- session.Run(command) }()
	limit := time.NewTimer(timeout)
	defer limit.Stop()
	select {
	case <-ctx.Done():
		_ = session.Signal(ssh.SIGTERM)
		return result{}, fmt.Errorf("on %s: stopped, the up was cancelled: %w", c.addr(), ctx.Err())
	case <-limit.C:
		_ = session.Signal(ssh.SIGTERM)
		return result{}, fmt.Errorf("on %s: the step did not finish within %s", c.addr(), timeout)
	case err = <-done:
	}
	res := result{stdout: stdout.String(), stderr: stderr.String()}
	var exit *ssh.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		res.exit = exit.ExitStatus()
	case cl.lost.Load():
		return res, fmt.Errorf("on %s: the host stopped answering (no reply to SSH keepalives within %s)", c.addr(), keepaliveWait)
	default:
		return res, fmt.Errorf("running on %s: %w", c.addr(), err)
	}
	return res, nil
}
