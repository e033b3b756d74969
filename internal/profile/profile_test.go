package profile

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

const stack = "urn:pulumi:dev::backendai-cluster::"

// up is an event log and a state of four steps: facts (0-2 s) and docker (2-10 s) on a
// host, the halfstack after docker (11-20 s), and python (2-5 s) beside docker.
func up(t *testing.T) *Profile {
	t.Helper()
	host := stack + "backendai:index:Host::bai-m1"
	mgmt := stack + "backendai:index:ManagementNode::bai-m1-mgmt"
	step := func(parent, name string) string {
		ptype := parent[strings.LastIndex(parent[:strings.LastIndex(parent, "::")], "::")+2 : strings.LastIndex(parent, "::")]
		return stack + ptype + "$backendai:remote:Script::" + name
	}
	facts, docker := step(host, "bai-m1-facts"), step(host, "bai-m1-docker")
	half, py := step(mgmt, "bai-m1-mgmt-halfstack"), step(mgmt, "bai-m1-mgmt-python")
	var events strings.Builder
	ev := func(ts int, kind, urn string) {
		fmt.Fprintf(&events, `{"sequence":1,"timestamp":%d,"%s":{"metadata":{"op":"create","urn":%q,"type":"backendai:remote:Script","new":{"custom":true}}}}`+"\n", ts, kind, urn)
	}
	// The stack and a component: no steps of their own, and last to end.
	fmt.Fprintf(&events, `{"sequence":1,"timestamp":99,"resourcePreEvent":{"metadata":{"op":"create","urn":%q,"type":"pulumi:pulumi:Stack","new":{"custom":false}}}}`+"\n", stack+"pulumi:pulumi:Stack::s")
	fmt.Fprintf(&events, `{"sequence":1,"timestamp":125,"resOutputsEvent":{"metadata":{"op":"create","urn":%q,"type":"pulumi:pulumi:Stack","new":{"custom":false}}}}`+"\n", stack+"pulumi:pulumi:Stack::s")
	ev(100, "resourcePreEvent", facts)
	ev(102, "resOutputsEvent", facts)
	ev(102, "resourcePreEvent", docker)
	ev(102, "resourcePreEvent", py)
	ev(105, "resOutputsEvent", py)
	ev(110, "resOutputsEvent", docker)
	ev(111, "resourcePreEvent", half)
	ev(120, "resOutputsEvent", half)
	res := func(urn, parent string, deps ...string) map[string]any {
		return map[string]any{"urn": urn, "type": "backendai:remote:Script", "parent": parent, "dependencies": deps}
	}
	d, err := json.Marshal(map[string]any{"version": 3, "deployment": map[string]any{"resources": []any{
		res(facts, host), res(docker, host, facts), res(py, mgmt, facts), res(half, mgmt, docker, py),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Read(strings.NewReader(events.String()), strings.NewReader(string(d)))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCriticalPath(t *testing.T) {
	p := up(t)
	var names []string
	for _, s := range p.CriticalPath() {
		names = append(names, s.Name)
	}
	if got, want := strings.Join(names, " "), "bai-m1-facts bai-m1-docker bai-m1-mgmt-halfstack"; got != want {
		t.Errorf("critical path %q, want %q", got, want)
	}
}

func TestPhases(t *testing.T) {
	p := up(t)
	tests := []struct{ step, phase string }{
		{"bai-m1-facts", "host preparation"},
		{"bai-m1-docker", "host preparation"},
		{"bai-m1-mgmt-halfstack", "halfstack"},
		{"bai-m1-mgmt-python", "packages"},
	}
	for _, tt := range tests {
		for _, s := range p.Steps {
			if s.Name == tt.step && s.Phase != tt.phase {
				t.Errorf("%s: phase %q, want %q", tt.step, s.Phase, tt.phase)
			}
		}
	}
}

func TestWrite(t *testing.T) {
	var b strings.Builder
	up(t).Write(&b)
	// Compared word by word: the columns' widths are the layout's.
	out := strings.Join(strings.Fields(b.String()), " ")
	for _, want := range []string{
		"profile: 4 steps in 26s; the critical path:",
		"bai-m1-docker", "8s (+0s waiting)",
		"bai-m1-mgmt-halfstack", "9s (+1s waiting)",
		"host preparation 10s 10s 2",
		"halfstack 9s 9s 1",
		"packages 0s 3s 1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the profile lacks %q:\n%s", want, b.String())
		}
	}
}
