package components

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

var updateDocs = flag.Bool("update", false, "rewrite docs/steps.md")

// TestStepsDoc: docs/steps.md is each component's steps as the program registers them
// for a management node, two agents and an NFS storage node: per step its script, what
// it waits for and what reruns it. -update rewrites it.
func TestStepsDoc(t *testing.T) {
	m := runCluster(t, storageCluster(t, ""))
	files := scriptFiles(t)
	var b strings.Builder
	b.WriteString(`# The steps

Each component's steps, the steps they wait for first, for a cluster of a management node
(` + "`bai-m1`" + `), two agents and an NFS storage node (` + "`bai-s1`" + `); one instance of each
component is shown. A step reruns when its script or one of its inputs changes (a secret input
by its name only), or when a refresh found it drifted ([operations.md](operations.md)). Written
by ` + "`go test ./components -run TestStepsDoc -update`" + `, and checked by it.
`)
	seen := map[string]bool{}
	var order []string
	byParent := map[string][]mockResource{}
	for _, r := range m.all {
		if r.parent == "" || !strings.HasPrefix(r.typ, "backendai:") || strings.HasPrefix(r.typ, "backendai:index:") {
			continue
		}
		if _, ok := byParent[r.parent]; !ok {
			order = append(order, r.parent)
		}
		byParent[r.parent] = append(byParent[r.parent], r)
	}
	// Registration order varies (steps register as their inputs resolve): each component's
	// steps are ordered by how deep they wait (the steps before them), then by name.
	depth := depths(m)
	for _, rs := range byParent {
		slices.SortStableFunc(rs, func(a, b mockResource) int {
			if d := depth[a.name] - depth[b.name]; d != 0 {
				return d
			}
			return strings.Compare(a.name, b.name)
		})
	}
	slices.SortStableFunc(order, func(a, b string) int {
		if d := componentRank(a) - componentRank(b); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	for _, parent := range order {
		kind, name := urnParts(parent)
		if seen[kind] {
			continue
		}
		seen[kind] = true
		fmt.Fprintf(&b, "\n## %s (`%s`)\n\n| step | script | waits for | reruns when these change |\n|---|---|---|---|\n",
			strings.TrimPrefix(kind, "backendai:index:"), name)
		for _, r := range byParent[parent] {
			script, inputs := "", []string{}
			switch r.typ {
			case "backendai:remote:Script":
				script = "`" + files[r.inputs["script"].StringValue()] + "`"
				if script == "``" {
					t.Errorf("%s: its script is none of internal/scripts/*.sh", r.name)
				}
				for _, key := range []string{"environment", "secretEnvironment"} {
					if v, ok := r.inputs[resource.PropertyKey(key)]; ok && v.IsObject() {
						for _, k := range v.ObjectValue().StableKeys() {
							inputs = append(inputs, "`"+string(k)+"`")
						}
					}
				}
			default:
				script = "(" + r.typ + ")"
				for _, k := range r.inputs.StableKeys() {
					inputs = append(inputs, "`"+string(k)+"`")
				}
			}
			var waits []string
			for _, d := range r.deps {
				if _, n := urnParts(d); n != "" {
					waits = append(waits, "`"+n+"`")
				}
			}
			slices.Sort(waits)
			slices.Sort(inputs)
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", r.name, script, orNone(slices.Compact(waits)), orNone(slices.Compact(inputs)))
		}
	}
	path := filepath.Join("..", "docs", "steps.md")
	if *updateDocs {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil || string(want) != b.String() {
		t.Errorf("docs/steps.md is not the program's steps (%v): go test ./components -run TestStepsDoc -update", err)
	}
}

// depths is, for each resource, the length of the longest chain of resources it waits for.
func depths(m *mocks) map[string]int {
	deps := map[string][]string{}
	for _, r := range m.all {
		for _, d := range r.deps {
			if _, n := urnParts(d); n != "" {
				deps[r.name] = append(deps[r.name], n)
			}
		}
	}
	out := map[string]int{}
	var depth func(string, int) int
	depth = func(name string, guard int) int {
		if d, ok := out[name]; ok || guard > len(m.all) {
			return d
		}
		d := 0
		for _, n := range deps[name] {
			d = max(d, depth(n, guard+1)+1)
		}
		out[name] = d
		return d
	}
	for _, r := range m.all {
		depth(r.name, 0)
	}
	return out
}

// componentRank orders the components as a cluster's up meets them.
func componentRank(urn string) int {
	kind, _ := urnParts(urn)
	for i, k := range []string{"Host", "SharedStorage", "Cluster", "ManagementNode", "Halfstack", "AgentNode", "Accelerator", "Verification"} {
		if kind == "backendai:index:"+k {
			return i
		}
	}
	return 100
}

// scriptFiles maps each script, as a step sends it (after the prelude), to its file.
func scriptFiles(t *testing.T) map[string]string {
	t.Helper()
	dir := filepath.Join("..", "internal", "scripts")
	prelude, err := os.ReadFile(filepath.Join(dir, "prelude.sh"))
	if err != nil {
		t.Fatal(err)
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*.sh"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range paths {
		text, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[string(prelude)+string(text)] = filepath.Base(p)
	}
	return out
}

// urnParts is a URN's type (the last of its type chain) and name.
func urnParts(urn string) (string, string) {
	i := strings.LastIndex(urn, "::")
	if i < 0 {
		return "", ""
	}
	types := urn[:i]
	if j := strings.LastIndex(types, "::"); j >= 0 {
		types = types[j+2:]
	}
	if j := strings.LastIndex(types, "$"); j >= 0 {
		types = types[j+1:]
	}
	return types, urn[i+2:]
}

func orNone(items []string) string {
	if len(items) == 0 {
		return "—"
	}
	return strings.Join(items, ", ")
}
