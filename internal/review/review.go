// Package review writes what a pull request's reviewer reads of a stack's `pulumi
// preview --json`: per node, what is created, updated, replaced or deleted, and what
// changes in it: for each rendered file (a config, a systemd unit, a run script, a marked
// block) a unified diff of the lines that change, each other setting's old and new value,
// the etcd keys and the fixture rows that change. Secret values never appear: the CLI
// blinds them in its JSON, and a step's secret environment is named, never shown.
package review

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// Preview is the part of `pulumi preview --json` the comment reads.
type Preview struct {
	Config        map[string]string `json:"config"`
	Steps         []Step            `json:"steps"`
	ChangeSummary map[string]int    `json:"changeSummary"`
	Diagnostics   []struct {
		Message  string `json:"message"`
		Severity string `json:"severity"`
	} `json:"diagnostics"`
}

// Step is one resource's planned operation.
type Step struct {
	Op             string                  `json:"op"`
	URN            string                  `json:"urn"`
	OldState       *State                  `json:"oldState"`
	NewState       *State                  `json:"newState"`
	DiffReasons    []string                `json:"diffReasons"`
	ReplaceReasons []string                `json:"replaceReasons"`
	DetailedDiff   map[string]PropertyDiff `json:"detailedDiff"`
}

// State is a resource's inputs and outputs, as the preview shows them.
type State struct {
	Type    string         `json:"type"`
	Inputs  map[string]any `json:"inputs"`
	Outputs map[string]any `json:"outputs"`
}

// PropertyDiff is how one property changes.
type PropertyDiff struct {
	Kind string `json:"kind"`
}

// secret is how the CLI blinds a secret value in its JSON.
const secret = "[secret]"

// Parse reads `pulumi preview --json`.
func Parse(raw []byte) (Preview, error) {
	var p Preview
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, fmt.Errorf("not the JSON of pulumi preview --json: %w", err)
	}
	return p, nil
}

// ops are the operations a reviewer is shown, in this order, with their marks.
var ops = []struct{ op, mark, label string }{
	{"create", "+", "create"}, {"create-replacement", "+-", "replace"}, {"replace", "+-", "replace"},
	{"update", "~", "update"}, {"delete", "-", "delete"}, {"delete-replaced", "", ""},
	{"import", "=", "import"}, {"read", ">", "read"},
}

// Write writes the Markdown of one stack's preview.
func Write(w io.Writer, stack string, p Preview) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### `%s`: %s\n\n", stack, summary(p.ChangeSummary))
	for _, d := range p.Diagnostics {
		if d.Severity == "error" || d.Severity == "warning" {
			fmt.Fprintf(&b, "> **%s**: %s\n", d.Severity, strings.TrimSpace(d.Message))
		}
	}
	nodes := nodeNames(p.Config)
	groups := map[string][]Step{}
	for _, s := range p.Steps {
		if label(s.Op) == "" || s.Op == "same" {
			continue
		}
		g := group(nodes, name(s.URN))
		groups[g] = append(groups[g], s)
	}
	if len(groups) == 0 {
		b.WriteString("No changes.\n")
	}
	order := slices.Sorted(maps.Keys(groups))
	// The cluster's own resources last, after its nodes.
	if i := slices.Index(order, ""); i >= 0 {
		order = append(slices.Delete(order, i, i+1), "")
	}
	for _, g := range order {
		if g == "" {
			b.WriteString("\n#### the cluster\n\n")
		} else {
			fmt.Fprintf(&b, "\n#### %s\n\n", g)
		}
		steps := groups[g]
		sort.SliceStable(steps, func(i, j int) bool { return name(steps[i].URN) < name(steps[j].URN) })
		for _, s := range steps {
			writeStep(&b, g, s)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func summary(c map[string]int) string {
	var parts []string
	for _, o := range []struct{ key, text string }{{"create", "to create"}, {"replace", "to replace"}, {"update", "to update"}, {"delete", "to delete"}} {
		if n := c[o.key]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o.text))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "no changes")
	}
	if n := c["same"]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d unchanged", n))
	}
	return strings.Join(parts, ", ")
}

func label(op string) string {
	for _, o := range ops {
		if o.op == op {
			return o.label
		}
	}
	return ""
}

func mark(op string) string {
	for _, o := range ops {
		if o.op == op {
			return o.mark
		}
	}
	return "?"
}

// name is a URN's resource name.
func name(urn string) string { return urn[strings.LastIndex(urn, "::")+2:] }

// kind is what a resource type is, for a reader.
func kind(urn string) string {
	// urn:pulumi:STACK::PROJECT::[PARENT-TYPE$...]TYPE::NAME
	typ := urn[:strings.LastIndex(urn, "::")]
	typ = typ[strings.LastIndex(typ, "::")+2:]
	typ = typ[strings.LastIndex(typ, "$")+1:]
	switch typ {
	case "backendai:remote:Script":
		return "step"
	case "backendai:etcd:KeyTree":
		return "etcd keys"
	case "backendai:db:Fixture":
		return "database rows"
	}
	return typ
}

// nodeNames are the stack's nodes, from its config (backendai-cluster:nodes).
func nodeNames(config map[string]string) []string {
	var nodes []struct {
		Name string `json:"name"`
	}
	for k, v := range config {
		if strings.HasSuffix(k, ":nodes") {
			_ = json.Unmarshal([]byte(v), &nodes)
		}
	}
	var names []string
	for _, n := range nodes {
		names = append(names, n.Name)
	}
	// The longest first: bai-a10 before bai-a1.
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	return names
}

// group is the node a resource belongs to (its name starts with the node's), or "".
func group(nodes []string, resource string) string {
	for _, n := range nodes {
		if resource == n || strings.HasPrefix(resource, n+"-") {
			return n
		}
	}
	return ""
}

func writeStep(b *strings.Builder, node string, s Step) {
	fmt.Fprintf(b, "- `%s` %s **%s** (%s)", mark(s.Op), label(s.Op), name(s.URN), kind(s.URN))
	keys := changedKeys(s)
	if s.Op == "create" || s.Op == "delete" || len(keys) == 0 {
		b.WriteString("\n")
		return
	}
	b.WriteString(": " + quoteAll(keys) + "\n")
	var oldIn, newIn map[string]any
	if s.OldState != nil {
		oldIn = s.OldState.Inputs
	}
	if s.NewState != nil {
		newIn = s.NewState.Inputs
	}
	for _, k := range keys {
		before, after := lookup(oldIn, k), lookup(newIn, k)
		what := k
		if strings.HasPrefix(k, "secret") || before == secret || after == secret {
			fmt.Fprintf(b, "  - `%s`: a secret, changed\n", k)
			continue
		}
		if f := fileOf(k, newIn, oldIn); f != "" {
			what = f
		}
		if strings.HasSuffix(k, "SHA256") || strings.HasSuffix(k, "_SHA") {
			fmt.Fprintf(b, "  - `%s`: the checksum of what the step depends on changed, so it runs again\n", k)
			continue
		}
		if cols, ok := columns(before, after); ok {
			fmt.Fprintf(b, "  - `%s`:\n", what)
			for _, c := range cols {
				fmt.Fprintf(b, "    - %s\n", c)
			}
			continue
		}
		if strings.Contains(before, "\n") || strings.Contains(after, "\n") {
			diff, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
				A: difflib.SplitLines(ensureNewline(before)), B: difflib.SplitLines(ensureNewline(after)),
				FromFile: what, ToFile: what, Context: 1,
			})
			where := what
			if node != "" {
				where += " on " + node
			}
			fmt.Fprintf(b, "\n  `%s`:\n\n  ```diff\n%s  ```\n\n", where, indent(diff, "  "))
			continue
		}
		fmt.Fprintf(b, "  - `%s`: %s → %s\n", what, show(before), show(after))
	}
}

// columns are the changes between two JSON objects (a fixture's row), one per column
// that changes, when both are objects.
func columns(before, after string) ([]string, bool) {
	var a, b map[string]any
	if json.Unmarshal([]byte(before), &a) != nil || json.Unmarshal([]byte(after), &b) != nil || a == nil || b == nil {
		return nil, false
	}
	keys := maps.Clone(a)
	maps.Copy(keys, b)
	var out []string
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		x, y := text(a[k]), text(b[k])
		switch {
		case x == y:
		case x == secret || y == secret:
			out = append(out, "`"+k+"`: a secret, changed")
		default:
			out = append(out, "`"+k+"`: "+show(x)+" → "+show(y))
		}
	}
	return out, true
}

// text is a property value as text: a string as it is, anything else as JSON; "" for none.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		out, _ := json.Marshal(v)
		return string(out)
	}
}

// changedKeys are the properties that change, from the detailed diff (or the reasons).
func changedKeys(s Step) []string {
	keys := slices.Sorted(maps.Keys(s.DetailedDiff))
	if len(keys) == 0 {
		keys = append(append(keys, s.DiffReasons...), s.ReplaceReasons...)
	}
	return slices.Compact(keys)
}

// files are the files the host steps' variables hold (internal/scripts: hosts.sh,
// limits.sh, sysctl.sh, vfroot.sh).
var files = map[string]string{
	"environment.HOSTS_BLOCK": "/etc/hosts", "environment.LIMITS_CONF": "/etc/security/limits.d/99-backendai.conf",
	"environment.SYSCTL_CONF": "/etc/sysctl.d/99-backendai.conf", "environment.FSTAB_BLOCK": "/etc/fstab",
}

// fileOf names the file a step's variable holds, where the step says it.
func fileOf(key string, states ...map[string]any) string {
	if f, ok := files[key]; ok {
		return f
	}
	for _, st := range states {
		switch key {
		case "environment.CONFIG_TEXT":
			if p := lookup(st, "environment.CONFIG_PATH"); p != "" {
				return p
			}
		case "environment.UNIT_TEXT":
			if svc := lookup(st, "environment.SERVICE"); svc != "" {
				return "/etc/systemd/system/backendai-" + svc + ".service"
			}
		case "environment.RUN_SCRIPT_TEXT":
			if p := lookup(st, "environment.RUN_SCRIPT"); p != "" {
				return p
			}
		}
	}
	return ""
}

// lookup is the value at a property path ("environment.CONFIG_TEXT", "value.redis.addr",
// `rows["users/uuid=…"]`) as text; "" when absent.
func lookup(m map[string]any, path string) string {
	var cur any = m
	for _, part := range splitPath(path) {
		obj, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = obj[part]
	}
	return text(cur)
}

// splitPath splits a.b["c.d"].e into a, b, c.d, e.
func splitPath(path string) []string {
	var parts []string
	for path != "" {
		switch {
		case strings.HasPrefix(path, `["`):
			end := strings.Index(path, `"]`)
			if end < 0 {
				return append(parts, path)
			}
			parts = append(parts, path[2:end])
			path = strings.TrimPrefix(path[end+2:], ".")
		default:
			i := strings.IndexAny(path, ".[")
			if i < 0 {
				return append(parts, path)
			}
			parts = append(parts, path[:i])
			path = strings.TrimPrefix(path[i:], ".")
		}
	}
	return parts
}

func show(v string) string {
	if v == "" {
		return "(none)"
	}
	return "`" + strings.ReplaceAll(v, "`", "'") + "`"
}

func quoteAll(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = "`" + k + "`"
	}
	return strings.Join(q, ", ")
}

func ensureNewline(s string) string {
	if s == "" || strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

func indent(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "")
}
