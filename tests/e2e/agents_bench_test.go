//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// BenchmarkAgentsConverge is the first `pulumi up` of a whole cluster on fresh sandbox
// hosts with 1, 2 and 4 agents (each with the mock accelerator plugin) beside one
// management node, until the cluster is verified (a session printed hello), the
// verification's own time (s/verify), and the ratio of each up to the single agent's
// (x-one-agent), from one run:
//
//	go test -run '^$' -bench AgentsConverge -benchtime 1x -timeout 90m ./tests/e2e
//
// The agents converge in parallel; on this 2-core machine they share the CPU (pip and
// the agents' first start), so the ratio says what a second and fourth agent cost here.
func BenchmarkAgentsConverge(b *testing.B) {
	took, verified := map[int]time.Duration{}, map[int]float64{}
	counts := []int{1, 2, 4}
	for _, n := range counts {
		b.Run(fmt.Sprintf("agents=%d", n), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				hosts := []string{"bai-m1:manager,storage"}
				for i := 1; i <= n; i++ {
					hosts = append(hosts, fmt.Sprintf("bai-a%02d:agent", i))
				}
				s, _, _ := clusterStack(b, newestRelease, hosts...)
				b.StartTimer()
				start := time.Now()
				out, _ := s.pulumi("up", "--yes")
				d := time.Since(start)
				b.StopTimer()
				if !strings.Contains(out, fmt.Sprintf("%d created", clusterResources(newestRelease, false, n))) {
					b.Fatalf("the up did not create the cluster's %d resources:\n%s", clusterResources(newestRelease, false, n), out)
				}
				took[n] = d
				verified[n] = verification(b, s).Seconds
			}
			b.ReportMetric(took[n].Seconds(), "s/up")
			// The verification is part of the up: its own time, of which the session's.
			b.ReportMetric(verified[n], "s/verify")
			if took[1] > 0 {
				b.ReportMetric(took[n].Seconds()/took[1].Seconds(), "x-one-agent")
			}
		})
	}
}
