package e2e

import (
	"fmt"
	"strings"
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
// The engine runs at most 8 operations at once (the CLI's --parallel default on this
// 2-core machine); each step opens its own SSH connection to its host, so a host takes
// as many connections as it has steps (ssh/host).
func BenchmarkHostSteps(b *testing.B) {
	took := map[int]time.Duration{}
	for _, n := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("hosts=%d", n), func(b *testing.B) {
			var steps int
			for range b.N {
				b.StopTimer()
				hosts := []string{"bai-h01:manager,storage"}
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
				b.StartTimer()
				start := time.Now()
				out, _ := s.pulumi("up", "--yes")
				took[n] = time.Since(start)
				b.StopTimer()
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
		})
	}
}
