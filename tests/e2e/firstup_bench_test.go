//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pipBaseline is the last commit whose nodes installed the services' packages with pip,
// one service after another (and the GraphQL gateway's packages after the manager's).
const pipBaseline = "c4f92bf"

// BenchmarkFirstUp is the first `pulumi up` of the demo's cluster (a management node,
// two agents, an NFS storage node) on fresh sandbox hosts with warm caches on this
// machine, until the cluster is verified: with the program of pipBaseline (pip) and
// with this one (uv), and the ratio of the two (x-pip). Then, on this program's cluster,
// a no-change `up` against the same stack's `preview`, the engine's floor (x-preview).
// One run:
//
//	go test -run '^$' -bench FirstUp -benchtime 1x -timeout 90m ./tests/e2e
func BenchmarkFirstUp(b *testing.B) {
	hosts := []string{"bai-m1:manager", "bai-a01:agent", "bai-a02:agent", "bai-s1:storage"}
	baseline := baselineTree(b)
	var pip time.Duration
	b.Run("pip", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			s, _, _ := clusterStack(b, newestRelease, hosts...)
			// The baseline program, with this stack's config, on the same kind of hosts.
			stackFile := "Pulumi." + s.stack + ".yaml"
			if out, err := exec.Command("cp", filepath.Join(s.root, stackFile), filepath.Join(baseline, stackFile)).CombinedOutput(); err != nil {
				b.Fatalf("copying the stack file: %v\n%s", err, out)
			}
			b.Cleanup(func() { _ = os.Remove(filepath.Join(baseline, stackFile)) })
			b.StartTimer()
			start := time.Now()
			s.pulumi("up", "--yes", "--cwd", baseline)
			pip = time.Since(start)
			b.StopTimer()
			if got := verification(b, s); got.Release != newestRelease {
				b.Fatalf("the baseline's cluster is not verified: %+v", got)
			}
			s.pulumi("destroy", "--yes", "--cwd", baseline)
		}
		b.ReportMetric(pip.Seconds(), "s/up")
	})
	b.Run("uv", func(b *testing.B) {
		var uv, preview, again time.Duration
		for range b.N {
			b.StopTimer()
			s, _, _ := clusterStack(b, newestRelease, hosts...)
			b.StartTimer()
			start := time.Now()
			s.profiledUp()
			uv = time.Since(start)
			b.StopTimer()
			if got := verification(b, s); got.Release != newestRelease {
				b.Fatalf("the cluster is not verified: %+v", got)
			}
			_, preview = s.pulumi("preview", "--expect-no-changes")
			_, again = s.pulumi("up", "--yes", "--expect-no-changes")
			s.pulumi("destroy", "--yes")
		}
		b.ReportMetric(uv.Seconds(), "s/up")
		if pip > 0 {
			b.ReportMetric(uv.Seconds()/pip.Seconds(), "x-pip")
		}
		b.ReportMetric(again.Seconds(), "s/no-change-up")
		b.ReportMetric(again.Seconds()/preview.Seconds(), "x-preview")
	})
}

// baselineTree is pipBaseline checked out beside the repository (a git worktree, removed
// when the benchmark ends), with this tree's CLI and its own provider built.
func baselineTree(b *testing.B) string {
	b.Helper()
	root := project(b)
	dir := filepath.Join(b.TempDir(), "baseline")
	run := func(cwd string, name string, args ...string) {
		cmd := exec.Command(name, args...)
		cmd.Dir = cwd
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}
	run(root, "git", "worktree", "add", "--detach", dir, pipBaseline)
	b.Cleanup(func() { _ = exec.Command("git", "-C", root, "worktree", "remove", "--force", dir).Run() })
	run(root, "cp", "-a", "bin", dir+"/")
	run(dir, "bash", "tools/build.sh")
	return dir
}
