//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/backendai-infra/backendai-infra/tests/s3server"
)

// TestSharedState: the stack's state in an S3 bucket, as a team that deploys one cluster
// keeps it (`pulumi login s3://…`), on a real S3 server on loopback (SeaweedFS,
// tests/s3server). The sandbox stack's host steps (deploy: hosts) on two hosts: up,
// refresh and a no-change preview with the state there; then two ups at once, while
// one host's sshd is frozen for 8 s so that an up holds the stack: the lock the S3
// backend keeps in the bucket refuses one of them, naming the lock; the other converges
// once sshd answers again, and the
// state is whole afterwards (a refresh and a preview change nothing). Wrong keys are
// refused by the server.
func TestSharedState(t *testing.T) {
	parallel(t)
	store := s3server.Start(t)
	// systemd as PID 1: the test freezes a host's sshd, which PID 1 could not be.
	s := newSandboxWith(t, "SANDBOX_INIT=systemd", "bai-k1:manager,storage,agent", "bai-k2:agent")
	s.env = append(s.env, store.Env...) // the later value of a name wins
	s.pulumi("stack", "init")
	s.setConfig([][2]string{{"deploy", "hosts"}, {"nodes[0].docker", "false"}, {"nodes[1].docker", "false"}})
	s.setSecret("sshPrivateKey", s.must("cat", ".sandbox/id_ed25519"))
	out, _ := s.pulumi("up", "--yes")
	if !strings.Contains(out, "created") {
		t.Fatalf("the first up with the state in S3 created nothing:\n%s", tail(out, 20))
	}
	s.pulumi("refresh", "--yes", "--expect-no-changes")
	s.pulumi("preview", "--expect-no-changes")
	if got, _ := s.command(filepath.Join(s.root, "bin", "pulumi"), "whoami", "--verbose"); !strings.Contains(got, "Backend URL: s3://"+s3server.Bucket+"?") {
		t.Errorf("pulumi whoami does not show the bucket as the backend: %s", got)
	}
	if got, _ := s.pulumi("stack", "ls", "--json"); !strings.Contains(got, `"name": "`+s.stack+`"`) {
		t.Errorf("pulumi stack ls does not show the stack: %s", got)
	}

	// Two ups at once. bai-k2's sshd stops answering for 8 s (its listener frozen, then
	// let go by the host itself; the provider waits 10 s for a banner), so the up that got
	// the lock waits there while the other starts.
	s.pulumi("config", "set", "--path", `sysctl["net.core.somaxconn"]`, "3072")
	s.ssh("bai-k2", "nohup sh -c 'pkill -STOP -o -x sshd; sleep 8; pkill -CONT -o -x sshd' </dev/null >/dev/null 2>&1 &")
	first := s.start("up", "--yes")
	time.Sleep(2 * time.Second)
	second := s.start("up", "--yes")
	refused := second.wait(t, 2*time.Minute)
	converged := first.wait(t, 2*time.Minute)
	if converged.err != nil && refused.err == nil {
		refused, converged = converged, refused // the second one got the lock
	}
	t.Logf("two ups at once; the refused one:\n%s", tail(refused.out, 6))
	if refused.err == nil || !strings.Contains(refused.out, "the stack is currently locked by 1 lock(s)") {
		t.Errorf("of two ups at once, none was refused by the lock:\n%s\n---\n%s", tail(refused.out, 10), tail(converged.out, 10))
	}
	if converged.err != nil || !strings.Contains(converged.out, "updated") {
		t.Errorf("the up that held the lock did not converge once the host answered again: %v\n%s", converged.err, tail(converged.out, 15))
	}
	state, _ := s.pulumi("stack", "export")
	var exported struct {
		Deployment struct{ Resources []json.RawMessage } `json:"deployment"`
	}
	if err := json.Unmarshal([]byte(state), &exported); err != nil || len(exported.Deployment.Resources) == 0 {
		t.Errorf("the state in S3 after the two ups does not read back: %v", err)
	}
	s.pulumi("refresh", "--yes", "--expect-no-changes")
	s.pulumi("preview", "--expect-no-changes")

	// The server checks the keys: a wrong secret key is refused.
	wrong := append(append([]string{}, s.env...), "AWS_SECRET_ACCESS_KEY=not-the-key")
	cmd := exec.Command(filepath.Join(s.root, "bin", "pulumi"), "stack", "ls", "--non-interactive")
	cmd.Dir, cmd.Env = s.root, wrong
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("the bucket let in a wrong secret key: %s", out)
	}
	s.pulumi("destroy", "--yes")
}

// running is a Pulumi command started in the background.
type running struct {
	cmd *exec.Cmd
	buf *bytes.Buffer
}

// finished is how a background command ended.
type finished struct {
	out string
	err error
}

// start runs `pulumi args...` on the stack in the background.
func (s *sandbox) start(args ...string) running {
	s.t.Helper()
	cmd := exec.Command(filepath.Join(s.root, "bin", "pulumi"), append(args, "--stack", s.stack, "--non-interactive")...)
	var buf bytes.Buffer
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = s.root, s.env, &buf, &buf
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("pulumi %s: %v", strings.Join(args, " "), err)
	}
	return running{cmd: cmd, buf: &buf}
}

// wait waits for the command, at most within; one that takes longer is ended.
func (r running) wait(t *testing.T, within time.Duration) finished {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- r.cmd.Wait() }()
	select {
	case err := <-done:
		return finished{out: r.buf.String(), err: err}
	case <-time.After(within):
		_ = r.cmd.Process.Kill()
		<-done
		t.Errorf("pulumi did not end within %s", within)
		return finished{out: r.buf.String(), err: context.DeadlineExceeded}
	}
}
