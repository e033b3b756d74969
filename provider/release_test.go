package provider

import (
	"slices"
	"strings"
	"testing"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

func TestDowngrade(t *testing.T) {
	tests := []struct {
		old, new string
		refused  bool
	}{
		{"", "26.4.16", false},             // a new cluster
		{"26.4.16", "26.4.16", false},      // no change
		{"26.4.16", "26.8.3", false},       // an upgrade across lines
		{"26.4.9", "26.4.16", false},       // a patch release, compared as numbers
		{"26.8.0rc1", "26.8.0", false},     // a release after its candidate
		{"26.8.3", "26.4.16", true},        // back to the LTS line
		{"26.4.16", "26.4.9", true},        // an older patch
		{"26.8.0", "26.8.0rc1", true},      // back to the candidate
		{"26.9.6", "26.8.3", true},         // an older line
		{"not-a-release", "26.4.1", false}, // unknown forms are the version check's to refuse
	}
	for _, tt := range tests {
		reason := downgrade(tt.old, tt.new)
		if (reason != "") != tt.refused {
			t.Errorf("%s → %s: refused %v, want %v (%s)", tt.old, tt.new, reason != "", tt.refused, reason)
		}
		if tt.refused && !strings.Contains(reason, tt.new+" is older than "+tt.old) {
			t.Errorf("%s → %s: the reason does not name both releases: %s", tt.old, tt.new, reason)
		}
	}
}

// Through the server: the same release is no change, another one changes the version.
func TestReleaseDiff(t *testing.T) {
	s := newServer(t)
	state := property.NewMap(map[string]property.Value{"release": property.New("26.4.16"), "previous": property.New("")})
	for _, tt := range []struct {
		version string
		changes bool
	}{{"26.4.16", false}, {"26.8.3", true}} {
		d, err := s.Diff(p.DiffRequest{Urn: "urn:pulumi:s::p::backendai:index:Release::release", ID: "release", State: state,
			OldInputs: property.NewMap(map[string]property.Value{"release": property.New("26.4.16")}),
			Inputs:    property.NewMap(map[string]property.Value{"release": property.New(tt.version)})})
		if err != nil {
			t.Fatal(err)
		}
		if d.HasChanges != tt.changes || tt.changes && d.DetailedDiff["release"].Kind != p.Update {
			t.Errorf("26.4.16 → %s: %+v", tt.version, d)
		}
	}
}

func TestPlaneChange(t *testing.T) {
	plane := []string{"bai-m1", "bai-m2", "bai-m3"}
	tests := []struct {
		name     string
		was, now []string
		want     string // in the reason; "" for none
	}{
		{"a single node stays", nil, nil, ""},
		{"a plane stays", plane, plane, ""},
		{"a single node grows", nil, plane, "from one management node to bai-m1, bai-m2, bai-m3"},
		{"a plane shrinks", plane, nil, "from bai-m1, bai-m2, bai-m3 to one management node"},
		{"a plane grows", plane, append(slices.Clone(plane), "bai-m4", "bai-m5"), "to bai-m1, bai-m2, bai-m3, bai-m4, bai-m5"},
		{"a node is swapped", plane, []string{"bai-m1", "bai-m2", "bai-m9"}, "to bai-m1, bai-m2, bai-m9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reason := planeChange(tt.was, tt.now)
			if tt.want == "" && reason != "" || tt.want != "" && !strings.Contains(reason, tt.want) {
				t.Errorf("planeChange(%v, %v) = %q, want one with %q", tt.was, tt.now, reason, tt.want)
			}
		})
	}
}

// Through the server: a single management node's record given a plane's nodes is refused
// at its check, naming the field; a new cluster's plane is not.
func TestReleaseCheckPlane(t *testing.T) {
	s := newServer(t)
	plane := property.New([]property.Value{property.New("bai-m1"), property.New("bai-m2"), property.New("bai-m3")})
	single := property.NewMap(map[string]property.Value{"release": property.New("26.8.3")})
	for _, tt := range []struct {
		name    string
		old     property.Map
		refused bool
	}{{"a new plane", property.Map{}, false}, {"a single node grows", single, true}} {
		r, err := s.Check(p.CheckRequest{Urn: "urn:pulumi:s::p::backendai:index:Release::release", State: tt.old,
			Inputs: property.NewMap(map[string]property.Value{"release": property.New("26.8.3"), "managers": plane})})
		if err != nil {
			t.Fatal(err)
		}
		if refused := len(r.Failures) > 0; refused != tt.refused || refused && !strings.HasPrefix(r.Failures[0].Reason, "nodes: the manager role would go from one management node") {
			t.Errorf("%s: failures %+v, want refused %v", tt.name, r.Failures, tt.refused)
		}
	}
}
