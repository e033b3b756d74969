//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkHostSteps is the first `pulumi up` of the host steps alone (deploy: hosts,
// docker: false: facts, the account, the hosts block, limits and sysctl on each host)
// on 1, 8 and 32 sandbox hosts that run sshd only, and the ratio of each to one host's
// (x-one-host), from one run:
//
//	go test -run '^$' -bench HostSteps -benchtime 1x -timeout 60m ./tests/e2e
//
// The engine runs up to 64 operations at once (PULUMI_PARALLEL, as tools/env.sh and the
// harness set it); each step opens its own SSH connection to its host, so a host takes
// as many connections as it has steps (ssh/host). deployer-cpu-s is the CPU time the
// CLI, the program and the provider spent in the up; the hosts' own work (sshd, the
// scripts) runs on the same two cores, since every sandbox host is a container here.
func BenchmarkHostSteps(b *testing.B) {
	took := map[int]time.Duration{}
	for _, n := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("hosts=%d", n), func(b *testing.B) {
			var steps int
			var cpu time.Duration
			for range b.N {
				b.StopTimer()
				hosts := []string{"bai-h01:manager,storage,agent"}
				for i := 2; i <= n; i++ {
					hosts = append(hosts, fmt.Sprintf("bai-h%02d:agent", i))
				}
				s := newSandbox(b, hosts...)
				s.pulumi("stack", "init")
				cfg := [][2]string{{"deploy", "hosts"}}
				for i := range n {
					cfg = append(cfg, [2]string{fmt.Sprintf("nodes[%d].docker", i), "false"})
				}
				s.setConfig(cfg)
				s.setSecret("sshPrivateKey", s.must("cat", ".sandbox/id_ed25519"))
				// The program built (the language host links it once), so that every n
				// is timed alike.
				s.pulumi("preview")
				var before, after syscall.Rusage
				_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &before)
				b.StartTimer()
				start := time.Now()
				out, _ := s.pulumi("up", "--yes")
				took[n] = time.Since(start)
				b.StopTimer()
				_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &after)
				cpu = time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
				// One SSH connection per step that ran: the steps in the state.
				state, _ := s.pulumi("stack", "export")
				steps = strings.Count(state, `"type": "backendai:remote:Script"`)
				if steps != n*5 || !strings.Contains(out, "created") {
					b.Fatalf("the up made %d steps on %d hosts, want %d:\n%s", steps, n, n*5, tail(out, 20))
				}
				s.pulumi("destroy", "--yes")
			}
			b.ReportMetric(took[n].Seconds(), "s/up")
			b.ReportMetric(took[n].Seconds()/took[1].Seconds(), "x-one-host")
			b.ReportMetric(float64(steps)/float64(n), "ssh/host")
			// The CPU time of the CLI, the program and the provider (not the hosts').
			b.ReportMetric(cpu.Seconds(), "deployer-cpu-s")
		})
	}
}
