//go:build e2e

package e2e

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/backendai-infra/backendai-infra/tests/brokenport"
	"github.com/backendai-infra/backendai-infra/tests/sshkey"
)

// TestBrokenHost: an up that is interrupted (SIGTERM, as `timeout` sends) stops
// promptly, and the next up converges; a node whose SSH port is broken the ways real
// hosts break fails its steps within 30 s, naming the node and the reason, while the
// steps of the node that works go on. The broken ports are listeners on loopback
// that the test starts.
func TestBrokenHost(t *testing.T) {
	parallel(t)
	s := newSandbox(t, "bai-b1:manager,agent,storage")
	s.pulumi("stack", "init")
	s.setConfig([][2]string{{"deploy", "hosts"}})
	s.setSecret("sshPrivateKey", s.must("cat", ".sandbox/id_ed25519"))

	// Interrupted while Docker is being installed: the up ends within seconds, and the
	// next one converges.
	out, stopped := s.interruptedUp("bai-b1-docker creating")
	t.Logf("pulumi up, sent SIGTERM while bai-b1-docker was being created: ended %s later\n%s", stopped.Round(time.Millisecond), out)
	if stopped > 15*time.Second {
		t.Errorf("the interrupted up took %s to stop, want under 15s", stopped)
	}
	if !strings.Contains(out, "SIGTERM received; cancelling") || !strings.Contains(out, "bai-b1-docker") || strings.Contains(out, "bai-b1-docker created") {
		t.Errorf("the up did not cancel the Docker step on SIGTERM")
	}
	s.pulumi("up", "--yes")
	s.pulumi("preview", "--expect-no-changes")

	// A second node whose SSH port is broken. Its address is only an alias in the hosts
	// block; what the steps reach is its ssh.port on 127.0.0.1.
	port, hostKey := s.sshOf("bai-b1")
	_, otherKey := sshkey.New(t)
	cases := []struct {
		name, addr, hostKey, want string
	}{
		{"accepts and never writes", brokenport.Silent(t), "", "no SSH banner within 10s"},
		{"answers HTTP", brokenport.HTTP(t), "", `not SSH: the port answered "HTTP/1.1 400 Bad Request"`},
		{"closed port", brokenport.Closed(t), "", "connection refused: nothing listens on the port"},
		{"host key mismatch", "127.0.0.1:" + strconv.Itoa(port), otherKey, "host key mismatch"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, p, _ := net.SplitHostPort(tc.addr)
			key := tc.hostKey
			if key == "" {
				key = hostKey // any key: the handshake never gets that far
			}
			s.setConfig([][2]string{
				{"nodes[1].name", "bai-b2"}, {"nodes[1].address", "10.231.0.2"}, {"nodes[1].roles[0]", "agent"},
				{"nodes[1].ssh.host", "127.0.0.1"}, {"nodes[1].ssh.port", p}, {"nodes[1].ssh.hostKey", key},
				// A change on bai-b1 too, so that its step runs while bai-b2's fail.
				{`sysctl["net.core.somaxconn"]`, strconv.Itoa(3000 + i)},
			})
			start := time.Now()
			out := s.pulumiFails("up", "--yes")
			took := time.Since(start)
			t.Logf("up with bai-b2 broken (%s): failed in %s", tc.name, took.Round(time.Millisecond))
			if !strings.Contains(out, "bai-b2-facts") || !strings.Contains(out, tc.want) {
				t.Errorf("the failed up does not name bai-b2's step and %q:\n%s", tc.want, tail(out, 30))
			}
			if took > 45*time.Second {
				t.Errorf("the up with a broken node took %s, want its steps to fail within 30s", took)
			}
			if got := s.ssh("bai-b1", "sysctl -n net.core.somaxconn"); got != strconv.Itoa(3000+i) {
				t.Errorf("bai-b1's sysctl step did not go on while bai-b2 failed: somaxconn is %s", got)
			}
		})
	}
	s.pulumi("config", "rm", "--path", "nodes[1]")
	s.pulumi("up", "--yes")
	s.pulumi("up", "--yes", "--expect-no-changes")
}

// interruptedUp starts an up, sends it SIGTERM once its output shows when, and
// returns its output and how long it took to end after the signal.
func (s *sandbox) interruptedUp(when string) (string, time.Duration) {
	s.t.Helper()
	up := s.startUp()
	var out strings.Builder
	var signal <-chan time.Time
	var sent time.Time
	var took time.Duration
	limit := time.After(10 * time.Minute)
	for running, lines := true, up.lines; running || lines != nil; {
		select {
		case line, ok := <-lines:
			if !ok {
				lines = nil
				continue
			}
			fmt.Fprintln(&out, line)
			if signal == nil && sent.IsZero() && strings.Contains(line, when) {
				signal = time.After(2 * time.Second)
			}
		case <-signal:
			signal, sent = nil, time.Now()
			_ = up.cmd.Process.Signal(syscall.SIGTERM)
			limit = time.After(2 * time.Minute)
		case err := <-up.done:
			running = false
			if sent.IsZero() {
				s.t.Fatalf("the up ended (%v) before %q:\n%s", err, when, out.String())
			}
			took = time.Since(sent)
		case <-limit:
			_ = up.cmd.Process.Kill()
			if sent.IsZero() {
				s.t.Fatalf("no %q within 10 minutes", when)
			}
			s.t.Errorf("the up did not stop within 2 minutes of SIGTERM")
			limit = nil
		}
	}
	return out.String(), took
}
