package e2e

import (
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// checkSecretsEverywhere looks for each of the stack's secret values wherever one could
// go: the state's export, the engine's log of a preview (-v=3) and the preview itself,
// its pull request comment (tools/prcomment's text), a refresh's output, and on every
// sandbox host the process list, the journal and root's and the account's shell
// histories. It logs how many places it read and how many occurrences it found, which
// must be none.
func checkSecretsEverywhere(t *testing.T, s *sandbox, nodes []string, secrets map[string]string) {
	t.Helper()
	places := map[string]string{}
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
