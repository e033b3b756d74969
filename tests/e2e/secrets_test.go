//go:build e2e

package e2e

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// checkSecretsEverywhere looks for each of the stack's secret values wherever one could
// go: the state's export, the engine's log of a preview (-v=3) and the preview itself,
// its pull request comment (tools/prcomment's text), a refresh's output, and on every
// sandbox host the process list, the journal and root's and the account's shell
// histories; sampled, the command lines of every process while the first up ran. It logs how many places it read and how many occurrences it found, which
// must be none.
func checkSecretsEverywhere(t *testing.T, s *sandbox, nodes []string, secrets map[string]string, sampled *processSampler) {
	t.Helper()
	places := map[string]string{}
	lines, samples := sampled.stop()
	places["the command lines of the processes while the first up ran"] = lines
	t.Logf("the process list sampled %d times during the first up: %d distinct command lines", samples, strings.Count(lines, "\n"))
	places["the state's export"], _ = s.pulumi("stack", "export")
	// The engine's and the provider's logs (-v=3, passed on to the plugins) beside the
	// preview's own output.
	logged, err := s.command(filepath.Join(s.root, "bin", "pulumi"), "preview", "--diff", "--logtostderr", "-v=3", "--logflow",
		"--stack", s.stack, "--non-interactive")
	if err != nil {
		t.Fatalf("pulumi preview -v=3: %v\n%s", err, tail(logged, 20))
	}
	places["a preview's output and the engine's log"] = logged
	comment, err := s.prComment()
	if err != nil {
		t.Errorf("the pull request comment: %v", err)
	}
	places["the pull request comment"] = comment
	places["a refresh's output"], _ = s.pulumi("refresh", "--yes", "--diff")
	for _, node := range nodes {
		places["the process list on "+node] = s.ssh(node, "ps -eo args")
		places["the journal on "+node] = s.ssh(node, "journalctl --no-pager -o cat 2>/dev/null || true")
		places["the shell histories on "+node] = s.ssh(node, "cat /root/.bash_history /home/*/.bash_history 2>/dev/null || true")
	}
	found := 0
	for _, where := range slices.Sorted(maps.Keys(places)) {
		for name, value := range secrets {
			if n := strings.Count(places[where], value); n > 0 {
				found += n
				t.Errorf("%s holds %s (%d times)", where, name, n)
			}
		}
	}
	t.Logf("secrets: %d values looked for in %d places (%d hosts' process lists, journals and histories among them); %d occurrences",
		len(secrets), len(places), len(nodes), found)
}

// processSampler reads every process's command line on this machine (the sandbox hosts'
// processes are among them) twice a second while it runs, keeping each distinct one: a
// secret passed on a command line shows there, however briefly.
type processSampler struct {
	quit, done chan struct{}
	seen       map[string]bool
	samples    int
}

func sampleProcesses() *processSampler {
	p := &processSampler{quit: make(chan struct{}), done: make(chan struct{}), seen: map[string]bool{}}
	go func() {
		defer close(p.done)
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			entries, _ := os.ReadDir("/proc")
			for _, e := range entries {
				if e.Name()[0] < '0' || e.Name()[0] > '9' {
					continue
				}
				if b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); err == nil && len(b) > 0 {
					p.seen[string(bytes.ReplaceAll(bytes.TrimRight(b, "\x00"), []byte{0}, []byte{' '}))] = true
				}
			}
			p.samples++
			select {
			case <-p.quit:
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

// stop ends the sampling and returns the command lines seen, one a line, and how many
// times the list was read.
func (p *processSampler) stop() (string, int) {
	select {
	case <-p.done:
	default:
		close(p.quit)
		<-p.done
	}
	var b strings.Builder
	for _, line := range slices.Sorted(maps.Keys(p.seen)) {
		b.WriteString(line + "\n")
	}
	return b.String(), p.samples
}
