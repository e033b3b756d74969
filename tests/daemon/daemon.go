// Package daemon runs a server the tests start on this machine's loopback: in its own
// process group, logging to a file, ready once a probe succeeds, stopped by its PID.
package daemon

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Daemon is a running server.
type Daemon struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// FreeAddr is a free 127.0.0.1:port for a server to listen on.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Start runs cmd with its output in logPath until ready answers true or the time is up;
// the error of a server that exits or never gets ready carries its log.
func Start(name string, cmd *exec.Cmd, logPath string, within time.Duration, ready func() bool) (*Daemon, error) {
	log, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer log.Close() // the child has its own descriptor
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	d := &Daemon{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(d.done) }()
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if ready() {
			return d, nil
		}
		select {
		case <-d.done:
			out, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("%s exited:\n%s", name, bytes.TrimSpace(out))
		default:
		}
	}
	d.Stop()
	out, _ := os.ReadFile(logPath)
	return nil, fmt.Errorf("%s was not ready within %s:\n%s", name, within, bytes.TrimSpace(out))
}

// Listening is a readiness probe: something accepts connections at addr.
func Listening(addr string) func() bool {
	return func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	}
}

// Answers is a readiness probe: url answers 200 OK.
func Answers(url string) func() bool {
	return func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
}

// Stop ends the server by its PID: SIGTERM, then SIGKILL after 15 seconds.
func (d *Daemon) Stop() {
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(15 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.done
	}
}
