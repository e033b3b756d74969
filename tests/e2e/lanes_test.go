//go:build e2e

package e2e

import (
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// The end-to-end tests run side by side in lanes (two, or E2E_LANES), the longest first:
// a long test that starts last runs alone at the end while the other lanes idle. Go
// releases its parallel tests in an order it does not promise (in practice the reverse of
// their declaration), so each test takes a lane here, after t.Parallel, and tools/test.sh
// sets `go test -parallel` above the number of tests.

// expected is how long each test took in a cold CI run (docs/measured.md; TestPlane's
// alone, warm, with the agent pool's scenario, which moved to it from
// TestUpPreviewChangeDestroy, counted), the order the lanes take them in; a test not
// listed goes last.
var expected = map[string]int{
	"TestPlane":                        1500,
	"TestUpPreviewChangeDestroy":       1120,
	"TestSharedState":                  749,
	"TestUpgrade":                      691,
	"TestTypeScriptCluster":            519,
	"TestPythonAndPackages":            194,
	"TestScriptsConverge":              129,
	"TestBrokenHost":                   109,
	"TestPythonHosts":                  95,
	"TestHalfstackOnDocker":            92,
	"TestHalfstackScriptOnSandboxHost": 86,
	"TestDataResources":                76,
	"TestConfigAndServiceScripts":      39,
	"TestBadStacksThroughTheCLI":       38,
	"TestYAMLHost":                     20,
	"TestScriptsRefuse":                13,
}

// settle is how long the lanes wait, after the first test queues, for the others (Go
// releases them together) before they hand out the first lanes.
const settle = 2 * time.Second

type laneQueue struct {
	mu      sync.Mutex
	free    int
	open    bool
	waiting []laneWaiter
}

type laneWaiter struct {
	name  string
	ready chan struct{}
}

var lanes = &laneQueue{free: laneCount()}

// laneCount is E2E_LANES, else 2.
func laneCount() int {
	if n, err := strconv.Atoi(os.Getenv("E2E_LANES")); err == nil && n > 0 {
		return n
	}
	return 2
}

// parallel runs the test beside the others: it waits for a lane, and gives it back when
// the test ends. The test's time in go test's report includes the wait, which it logs.
func parallel(t *testing.T) {
	t.Parallel()
	start := time.Now()
	<-lanes.queue(t.Name())
	t.Logf("a lane after %s", time.Since(start).Round(time.Second))
	t.Cleanup(lanes.release)
}

func (q *laneQueue) queue(name string) chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	w := laneWaiter{name, make(chan struct{})}
	q.waiting = append(q.waiting, w)
	if !q.open && len(q.waiting) == 1 {
		time.AfterFunc(settle, func() {
			q.mu.Lock()
			defer q.mu.Unlock()
			q.open = true
			q.dispatch()
		})
	}
	q.dispatch()
	return w.ready
}

func (q *laneQueue) release() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.free++
	q.dispatch()
}

// dispatch hands the free lanes to the longest waiting tests. Called with mu held.
func (q *laneQueue) dispatch() {
	if !q.open {
		return
	}
	slices.SortStableFunc(q.waiting, func(a, b laneWaiter) int { return expected[b.name] - expected[a.name] })
	for q.free > 0 && len(q.waiting) > 0 {
		close(q.waiting[0].ready)
		q.waiting = q.waiting[1:]
		q.free--
	}
}

// TestLanesLongestFirst: with one lane, the tests get it longest first, whatever order
// they queued in, each once the one before gave it back.
func TestLanesLongestFirst(t *testing.T) {
	q := &laneQueue{free: 1}
	ready := map[string]chan struct{}{}
	for _, name := range []string{"TestYAMLHost", "TestScriptsRefuse", "TestPlane", "TestUnlisted", "TestUpPreviewChangeDestroy"} {
		ready[name] = q.queue(name)
	}
	var got []string
	for len(got) < len(ready) {
		deadline := time.Now().Add(settle + time.Second)
		granted := ""
		for granted == "" && time.Now().Before(deadline) {
			for name, c := range ready {
				select {
				case <-c:
					if !slices.Contains(got, name) {
						granted = name
					}
				default:
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
		if granted == "" {
			t.Fatalf("no test got the lane after %v", got)
		}
		got = append(got, granted)
		q.release()
	}
	want := []string{"TestPlane", "TestUpPreviewChangeDestroy", "TestYAMLHost", "TestScriptsRefuse", "TestUnlisted"}
	if !slices.Equal(got, want) {
		t.Errorf("the lanes went to %v, want %v", got, want)
	}
}
