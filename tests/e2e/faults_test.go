//go:build e2e

package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// A fault is a way a sandbox host fails, and how it comes back.
type fault struct {
	name    string
	on, off func(s *sandbox, host string)
}

var (
	// hostStops freezes the host's container: nothing on it runs or answers, as the
	// deployer sees a host that hangs or loses power; thawed, it goes on with all it held.
	hostStops = fault{"the host stops", (*sandbox).pause,
		func(s *sandbox, host string) { s.must("docker", "unpause", s.stack+"-"+host) }}
	// hostGone is a host that loses its power, as the other hosts see it: its network
	// link goes down (they get no answer to ARP: "no route to host" within seconds, not
	// a connection that hangs) and nothing on it runs. Brought back, its link comes up with
	// its route, and it goes on with all it held, as after a short outage.
	hostGone = fault{"the host is gone",
		func(s *sandbox, host string) {
			s.t.Helper()
			s.nsenter(host, "ip", "link", "set", "eth0", "down")
			s.pause(host)
		},
		func(s *sandbox, host string) {
			s.t.Helper()
			s.must("docker", "unpause", s.stack+"-"+host)
			s.nsenter(host, "ip", "link", "set", "eth0", "up")
			gateway := strings.TrimSpace(s.must("docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.Gateway}}{{end}}", s.stack+"-"+host))
			s.nsenter(host, "ip", "route", "replace", "default", "via", gateway, "dev", "eth0")
		}}
	// sshCut drops every packet to the host's SSH port, in the host's network namespace:
	// the network between the deployer and the host fails, and the host itself runs on.
	sshCut = fault{"its SSH is cut",
		func(s *sandbox, host string) { s.sshRule(host, "-I") },
		func(s *sandbox, host string) { s.sshRule(host, "-D") }}
)

// pause freezes the host's container. The kernel's freezer gives up on a task it
// cannot stop at once (one waiting on NFS, say) and the pause fails: it is tried again,
// five times at most.
func (s *sandbox) pause(host string) {
	s.t.Helper()
	var out string
	var err error
	for range 5 {
		if out, err = s.command("docker", "pause", s.stack+"-"+host); err == nil {
			return
		}
		time.Sleep(time.Second)
	}
	s.t.Fatalf("docker pause %s-%s, five times: %v\n%s", s.stack, host, err, out)
}

// sshRule adds (-I) or deletes (-D) the rule that drops the host's SSH traffic.
func (s *sandbox) sshRule(host, op string) {
	s.t.Helper()
	s.nsenter(host, "iptables", "-w", op, "INPUT", "-p", "tcp", "--dport", "22", "-j", "DROP")
}

// nsenter runs a command in the host's network namespace.
func (s *sandbox) nsenter(host string, command ...string) {
	s.t.Helper()
	pid := strings.TrimSpace(s.must("docker", "inspect", "-f", "{{.State.Pid}}", s.stack+"-"+host))
	s.must("nsenter", append([]string{"-t", pid, "-n"}, command...)...)
}

// A faultPoint is a moment of an up, after when has passed since step (a name, or a
// prefix ending in "-") started on host, and the fault that strikes the host then. A step
// opens its SSH connection as it starts: a fault a few seconds later strikes the script
// while it runs; at once, the connection.
type faultPoint struct {
	stage, step, host string
	after             time.Duration
	fault             fault
}

func (p faultPoint) starts(line string) bool {
	name := regexp.QuoteMeta(p.step)
	if strings.HasSuffix(p.step, "-") {
		name += `\S+`
	}
	return regexp.MustCompile(`\s` + name + ` creating`).MatchString(line)
}

const (
	// faultBound is how soon after a fault the up must fail on the host: an SSH session
	// that gets no keepalive reply ends within 25 s, a connection without a banner in 10.
	faultBound = 60 * time.Second
	// faultUpBound bounds each up of the walk.
	faultUpBound = 30 * time.Minute
)

// A strike is a fault that struck a host during an up.
type strike struct {
	point  faultPoint
	at     time.Time
	failed time.Duration // how soon the up reported a failure on the host (0: none yet)
	line   string        // the line that reported it
}

// faultWalk brings the stack up through faults. While an up runs, each point's fault
// strikes its host when the point's step starts, and the host comes back as soon as the
// up reports a failure on it (or after faultBound). An up struck by a fault must fail,
// naming a step of the struck host, within faultBound; the next up goes on from where it
// stopped, and the walk goes on until every point has struck. Then an up with no fault
// must converge. It returns that last up's output.
func (s *sandbox) faultWalk(points []faultPoint) string {
	s.t.Helper()
	remaining := points
	for up := 1; len(remaining) > 0; up++ {
		if up > len(points)+2 {
			s.t.Fatalf("after %d ups, these points were never reached: %v", up-1, remaining)
		}
		var strikes []*strike
		var out string
		var err error
		remaining, strikes, out, err = s.upWithFaults(remaining)
		if len(strikes) == 0 {
			s.t.Fatalf("up %d of the fault walk: no point's step started (%v); the up ended (%v):\n%s", up, remaining, err, tail(out, 30))
		}
		if err == nil {
			s.t.Errorf("up %d of the fault walk succeeded, though faults struck it:\n%s", up, tail(out, 30))
		}
		for _, st := range strikes {
			p := st.point
			switch {
			case st.failed == 0:
				s.t.Errorf("up %d: %s on %s while %s starts (%s): the up reported no failure on %s within %s",
					up, p.fault.name, p.host, p.step, p.stage, p.host, faultBound)
			case st.failed > faultBound:
				s.t.Errorf("up %d: %s on %s during %s: the up reported it after %s, more than %s",
					up, p.fault.name, p.host, p.stage, st.failed.Round(100*time.Millisecond), faultBound)
			default:
				s.t.Logf("up %d: %s on %s during %s (as %s started): the up failed there %s later:\n  %s",
					up, p.fault.name, p.host, p.stage, p.step, st.failed.Round(100*time.Millisecond), strings.TrimSpace(st.line))
			}
			// The error names the step (its name holds the host's) and what happened: no
			// keepalive reply, no banner, or (a data resource through the host's tunnel) its
			// server not reachable via the host, whichever bound comes first.
			if !regexp.MustCompile(regexp.QuoteMeta(p.host) + `-\S+\):\s+error: .*(stopped answering|no SSH banner|did not finish|not reachable within)`).MatchString(out) {
				s.t.Errorf("up %d: the errors do not name a step of %s and why it failed:\n%s", up, p.host, tail(out, 40))
			}
		}
		if s.t.Failed() {
			s.t.FailNow()
		}
	}
	out, took := s.pulumi("up", "--yes")
	s.t.Logf("the up after the fault walk converged in %s", took)
	return out
}

// upWithFaults runs one up, striking hosts as the points' steps start, and returns the
// points not yet struck, the strikes, the up's output and how it ended.
func (s *sandbox) upWithFaults(points []faultPoint) ([]faultPoint, []*strike, string, error) {
	s.t.Helper()
	up := s.startUp()
	cmd, lines, done := up.cmd, up.lines, up.done

	var out strings.Builder
	var strikes []*strike
	due := map[string]*strike{}  // faults about to strike, by host
	down := map[string]*strike{} // hosts a fault holds now
	restore := func(host string) {
		if st := down[host]; st != nil {
			st.point.fault.off(s, host)
			delete(down, host)
		}
	}
	defer func() {
		for host := range down {
			restore(host)
		}
	}()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	limit := time.After(faultUpBound)
	var ended error
	for running := true; running || lines != nil; {
		select {
		case line, ok := <-lines:
			if !ok {
				lines = nil
				continue
			}
			fmt.Fprintln(&out, line)
			for i := 0; i < len(points); i++ {
				p := points[i]
				if down[p.host] != nil || due[p.host] != nil || !p.starts(line) {
					continue
				}
				due[p.host] = &strike{point: p, at: time.Now().Add(p.after)}
				points = append(points[:i:i], points[i+1:]...)
				i--
			}
			for host, st := range down {
				if strings.Contains(line, host+"-") && (strings.Contains(line, "error") || strings.Contains(line, "failed")) {
					st.failed, st.line = time.Since(st.at), line
					restore(host)
				}
			}
		case <-tick.C:
			for host, st := range due {
				if time.Now().After(st.at) {
					st.point.fault.on(s, host)
					st.at = time.Now()
					strikes, down[host] = append(strikes, st), st
					delete(due, host)
				}
			}
			for host, st := range down {
				if time.Since(st.at) > faultBound {
					restore(host)
				}
			}
		case ended = <-done:
			running = false
		case <-limit:
			_ = cmd.Process.Kill()
			s.t.Fatalf("an up of the fault walk did not end within %s:\n%s", faultUpBound, tail(out.String(), 30))
		}
	}
	for _, st := range due { // the up ended before they struck
		points = append(points, st.point)
	}
	s.t.Logf("$ pulumi up, struck by %d fault(s) (%v)\n%s", len(strikes), ended, out.String())
	return points, strikes, out.String(), ended
}

// checkNoDuplicateRows: the rows the fixtures load are there once each, by the keys
// users and operators know them by.
func checkNoDuplicateRows(t *testing.T, s *sandbox, host string) {
	t.Helper()
	const query = `select 'users', count(*) - count(distinct email) from users` +
		` union all select 'groups', count(*) - count(distinct (domain_name, name)) from groups` +
		` union all select 'association_groups_users', count(*) - count(distinct (group_id, user_id)) from association_groups_users` +
		` union all select 'keypairs', count(*) - count(distinct access_key) from keypairs` +
		` union all select 'resource_presets', count(*) - count(distinct name) from resource_presets` +
		` union all select 'container_registries', count(*) - count(distinct (url, project)) from container_registries`
	out := s.ssh(host, `docker exec backendai-half-db psql -At -F ' ' -U postgres -d backend -c "`+query+`"`)
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) != 2 || f[1] != "0" {
			t.Errorf("duplicate rows after the fault walk: %q (table, extra rows)", line)
		}
	}
	t.Logf("rows once each, by their keys (table, extra rows):\n%s", out)
}
