package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
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
	// DialAttempts bounds the retries while a host boots or sshd restarts.
	DialAttempts *int `pulumi:"dialAttempts,optional"`
}

const (
	defaultDialAttempts = 10
	dialTimeout         = 15 * time.Second
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
		Timeout:         dialTimeout,
	}
	if c.HostKey != nil && *c.HostKey != "" {
		key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(*c.HostKey))
		if err != nil {
			return nil, fmt.Errorf("connection.hostKey: %w", err)
		}
		cfg.HostKeyCallback = ssh.FixedHostKey(key)
		cfg.HostKeyAlgorithms = []string{key.Type()}
	}
	return cfg, nil
}

// dial connects with bounded retries: a host that is down fails the step after
// DialAttempts tries instead of hanging. Authentication and host key failures are
// not retried.
func (c Connection) dial(ctx context.Context) (*ssh.Client, error) {
	cfg, err := c.config()
	if err != nil {
		return nil, err
	}
	attempts := defaultDialAttempts
	if c.DialAttempts != nil && *c.DialAttempts > 0 {
		attempts = *c.DialAttempts
	}
	var last error
	for i := range attempts {
		if i > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(min(time.Duration(i)*time.Second, 5*time.Second)):
			}
		}
		client, err := ssh.Dial("tcp", c.addr(), cfg)
		if err == nil {
			return client, nil
		}
		last = err
		if strings.Contains(err.Error(), "unable to authenticate") || strings.Contains(err.Error(), "host key mismatch") {
			break
		}
	}
	return nil, fmt.Errorf("ssh %s@%s: %w", c.user(), c.addr(), last)
}

// result is what a remote script left behind.
type result struct {
	stdout, stderr string
	exit           int
}

// run sends script on stdin to bash, through sudo when the user is not root. The
// command line itself is fixed, so nothing the script carries appears in it.
func (c Connection) run(ctx context.Context, script string) (result, error) {
	client, err := c.dial(ctx)
	if err != nil {
		return result{}, err
	}
	defer client.Close()
	session, err := client.NewSession()
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
	select {
	case <-ctx.Done():
		_ = session.Signal(ssh.SIGTERM)
		return result{}, fmt.Errorf("on %s: %w", c.addr(), ctx.Err())
	case err = <-done:
	}
	res := result{stdout: stdout.String(), stderr: stderr.String()}
	var exit *ssh.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		res.exit = exit.ExitStatus()
	default:
		return res, fmt.Errorf("running on %s: %w", c.addr(), err)
	}
	return res, nil
}
