package components

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

var updatePlan = flag.Bool("update-plan", false, "rewrite testdata/single-manager.plan")

// TestSingleManagerPlanUnchanged: a single-manager cluster (a management node, two agents,
// an NFS storage node) registers the same resources with the same inputs as the plan
// recorded in testdata/single-manager.plan: a change to the program shows in a deployed
// cluster's `pulumi preview` only when this file changes with it. Each resource is one
// line: its type, name, parent, the resources it waits for, and a checksum of each input
// (secrets by their presence only). -update-plan rewrites the file.
func TestSingleManagerPlanUnchanged(t *testing.T) {
	m := runCluster(t, storageCluster(t, ""))
	var lines []string
	for _, r := range m.all {
		deps := slices.Clone(r.deps)
		slices.Sort(deps)
		var ins []string
		for _, k := range slices.Sorted(maps.Keys(r.inputs)) {
			ins = append(ins, string(k)+"="+inputSum(r.inputs[k]))
		}
		lines = append(lines, fmt.Sprintf("%s %s parent=%s deps=%s %s", r.typ, r.name, r.parent, strings.Join(deps, ","), strings.Join(ins, " ")))
	}
	slices.Sort(lines)
	got := strings.Join(lines, "\n") + "\n"
	file := filepath.Join("testdata", "single-manager.plan")
	if *updatePlan {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (go test ./components -run TestSingleManagerPlanUnchanged -update-plan writes it)", err)
	}
	wantLines := strings.Split(strings.TrimSuffix(string(want), "\n"), "\n")
	for _, l := range lines {
		if !slices.Contains(wantLines, l) {
			t.Errorf("changed or new: %s", l)
		}
	}
	for _, l := range wantLines {
		if !slices.Contains(lines, l) {
			t.Errorf("was: %s", l)
		}
	}
}

// inputSum is a short checksum of an input's value; a secret counts by its presence, so
// that a run's generated keys do not show as changes.
func inputSum(v resource.PropertyValue) string {
	if v.ContainsSecrets() {
		return "secret"
	}
	raw, err := json.Marshal(v.Mappable())
	if err != nil {
		return "unreadable"
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:6])
}
