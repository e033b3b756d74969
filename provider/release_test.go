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
		{"a single node grows", nil, plane, ""},
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

// Through the server: a single management node grows into a plane, but not while it
// upgrades too; a plane does not go back to one node. Each refusal names its field.
func TestReleaseCheckPlane(t *testing.T) {
	s := newServer(t)
	plane := property.New([]property.Value{property.New("bai-m1"), property.New("bai-m2"), property.New("bai-m3")})
	record := func(version string, managers *property.Value) property.Map {
		m := map[string]property.Value{"release": property.New(version)}
		if managers != nil {
			m["managers"] = *managers
		}
		return property.NewMap(m)
	}
	for _, tt := range []struct {
		name     string
		old, new property.Map
		refusal  string // the failure's start; "" for none
	}{
		{"a new plane", property.Map{}, record("26.8.3", &plane), ""},
		{"a single node grows", record("26.8.3", nil), record("26.8.3", &plane), ""},
		{"a single node grows and upgrades", record("26.4.10", nil), record("26.8.3", &plane), "version: growing one management node to 3 and going from 26.4.10 to 26.8.3"},
		{"a plane shrinks to one node", record("26.8.3", &plane), record("26.8.3", nil), "nodes: the manager role would go from bai-m1, bai-m2, bai-m3 to one management node"},
	} {
		r, err := s.Check(p.CheckRequest{Urn: "urn:pulumi:s::p::backendai:index:Release::release", State: tt.old, Inputs: tt.new})
		if err != nil {
			t.Fatal(err)
		}
		var got string
		if len(r.Failures) > 0 {
			got = r.Failures[0].Reason
		}
		if tt.refusal == "" && len(r.Failures) > 0 || tt.refusal != "" && !strings.HasPrefix(got, tt.refusal) {
			t.Errorf("%s: failures %+v, want %q", tt.name, r.Failures, tt.refusal)
		}
	}
}
