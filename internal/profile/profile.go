// Package profile says where an `up`'s time went: from the engine's event log
// (`pulumi up --event-log FILE`) it takes when each resource's step began and ended,
// from the stack's state (`pulumi stack export`) what each waited for, and prints the
// critical path (the chain of steps the up waited for, each with its own time) and the
// time per phase of a cluster's deployment.
package profile

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// Step is one resource's operation in the up.
type Step struct {
	URN, Name, Type, Parent, Op string
	// Start and End are Unix seconds, as the engine stamps its events.
	Start, End int
	Deps       []string
	Phase      string
}

// Took is the step's own time in seconds.
func (s Step) Took() int { return s.End - s.Start }

// Profile is an up's steps, by URN.
type Profile struct {
	Steps map[string]*Step
	// Start and End bound the up: its first and last event.
	Start, End int
}

// Read builds the profile of the up whose event log is events, with the state
// exported after it.
func Read(events, state io.Reader) (*Profile, error) {
	p := &Profile{Steps: map[string]*Step{}}
	sc := bufio.NewScanner(events)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		var e apitype.EngineEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("event log: %w", err)
		}
		if p.Start == 0 || e.Timestamp < p.Start {
			p.Start = e.Timestamp
		}
		p.End = max(p.End, e.Timestamp)
		switch {
		case e.ResourcePreEvent != nil:
			m := e.ResourcePreEvent.Metadata
			// Steps are custom resources that did something; a component (the stack among
			// them) only groups its children, and a provider is the engine's.
			if m.Op == apitype.OpSame || m.Op == apitype.OpRead || m.New != nil && !m.New.Custom ||
				strings.HasPrefix(m.Type, "pulumi:providers:") {
				continue
			}
			p.Steps[m.URN] = &Step{URN: m.URN, Name: urnName(m.URN), Type: m.Type, Op: string(m.Op), Start: e.Timestamp, End: -1}
		case e.ResOutputsEvent != nil:
			if s := p.Steps[e.ResOutputsEvent.Metadata.URN]; s != nil {
				s.End = e.Timestamp
			}
		case e.ResOpFailedEvent != nil:
			if s := p.Steps[e.ResOpFailedEvent.Metadata.URN]; s != nil {
				s.End, s.Op = e.Timestamp, s.Op+" (failed)"
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("event log: %w", err)
	}
	var d apitype.UntypedDeployment
	if err := json.NewDecoder(state).Decode(&d); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	var dep apitype.DeploymentV3
	if err := json.Unmarshal(d.Deployment, &dep); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	parents := map[string]string{}
	for _, r := range dep.Resources {
		parents[string(r.URN)] = string(r.Parent)
		if s := p.Steps[string(r.URN)]; s != nil {
			s.Parent = string(r.Parent)
			for _, u := range r.Dependencies {
				s.Deps = append(s.Deps, string(u))
			}
		}
	}
	for urn, s := range p.Steps {
		if s.End < 0 { // never finished: the up ended with it
			s.End = p.End
		}
		s.Phase = phaseOf(s, parents[urn])
	}
	return p, nil
}

// ReadFiles is Read of the two files.
func ReadFiles(events, state string) (*Profile, error) {
	ef, err := os.Open(events)
	if err != nil {
		return nil, err
	}
	defer ef.Close()
	sf, err := os.Open(state)
	if err != nil {
		return nil, err
	}
	defer sf.Close()
	return Read(ef, sf)
}

func urnName(urn string) string { return urn[strings.LastIndex(urn, "::")+2:] }

// CriticalPath is the chain of steps the up waited for: from the step that ended last,
// back through the dependency of each that ended last, first step first.
func (p *Profile) CriticalPath() []*Step {
	var last *Step
	for _, s := range p.sorted() {
		if last == nil || s.End > last.End {
			last = s
		}
	}
	var path []*Step
	for s := last; s != nil; {
		path = append(path, s)
		var next *Step
		for _, u := range s.Deps {
			if d := p.Steps[u]; d != nil && (next == nil || d.End > next.End) {
				next = d
			}
		}
		s = next
	}
	slices.Reverse(path)
	return path
}

// sorted is the steps in the order they began (then by name), for stable output.
func (p *Profile) sorted() []*Step {
	steps := make([]*Step, 0, len(p.Steps))
	for _, s := range p.Steps {
		steps = append(steps, s)
	}
	slices.SortFunc(steps, func(a, b *Step) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return strings.Compare(a.Name, b.Name)
	})
	return steps
}

// Phases are a cluster deployment's phases, in order.
var Phases = []string{"host preparation", "halfstack", "packages", "schema and fixtures", "services", "gateway", "agents", "verification", "other"}

// phaseOf names the phase a step belongs to: by the component it is part of, then by
// its name's suffix.
func phaseOf(s *Step, parent string) string {
	ptype := ""
	if i := strings.LastIndex(parent, "::"); i > 0 {
		if j := strings.LastIndex(parent[:i], "::"); j >= 0 {
			ptype = parent[j+2 : i]
			if k := strings.LastIndex(ptype, "$"); k >= 0 {
				ptype = ptype[k+1:]
			}
		}
	}
	name := s.Name
	has := func(suffixes ...string) bool {
		for _, x := range suffixes {
			if strings.HasSuffix(name, x) || strings.Contains(name, x+"-") {
				return true
			}
		}
		return false
	}
	switch {
	case ptype == "backendai:index:Host" || ptype == "backendai:index:SharedStorage":
		return "host preparation"
	case ptype == "backendai:index:Verification" || has("-verify"):
		return "verification"
	case ptype == "backendai:index:AgentNode" || ptype == "backendai:index:Accelerator":
		return "agents"
	case has("-halfstack"):
		return "halfstack"
	case has("-graphql-gateway"):
		return "gateway"
	case has("-python", "-package"):
		return "packages"
	case s.Type == "backendai:db:Fixture" || strings.HasPrefix(s.Type, "backendai:etcd:") ||
		has("-schema", "-alembic", "-roles", "-rpc-keypair", "-image-rescan", "-fixture"):
		return "schema and fixtures"
	case has("-config", "-service", "-volumes"):
		return "services"
	}
	return "other"
}

// Write prints the profile: the up's wall time, the critical path with each step's own
// time and the wait before it, and per phase the time on the critical path and the
// steps' own time summed.
func (p *Profile) Write(w io.Writer) {
	path := p.CriticalPath()
	fmt.Fprintf(w, "profile: %d steps in %ds; the critical path:\n", len(p.Steps), p.End-p.Start)
	onPath := map[string]int{}
	prev := p.Start
	for _, s := range path {
		fmt.Fprintf(w, "  %5ds  %-48s %4ds  (+%ds waiting)  %s\n", s.Start-p.Start, s.Name, s.Took(), max(0, s.Start-prev), s.Phase)
		onPath[s.Phase] += s.Took()
		prev = s.End
	}
	busy := map[string]int{}
	count := map[string]int{}
	for _, s := range p.Steps {
		busy[s.Phase] += s.Took()
		count[s.Phase]++
	}
	fmt.Fprintf(w, "  %-20s %8s %8s %6s\n", "phase", "critical", "steps", "count")
	for _, ph := range Phases {
		if count[ph] == 0 {
			continue
		}
		fmt.Fprintf(w, "  %-20s %7ds %7ds %6d\n", ph, onPath[ph], busy[ph], count[ph])
	}
}
