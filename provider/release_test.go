package provider

import (
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
