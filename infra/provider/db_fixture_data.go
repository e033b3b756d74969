package provider

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"gopkg.in/yaml.v3"
)

// fixture is a parsed fixture file: tables in the file's order, as Backend.AI's
// `fixture populate` processes them.
type fixture struct {
	update bool // "__mode": "update": rows are changed, never inserted or deleted
	tables []fixtureTable
}

type fixtureTable struct {
	table
	rows []row
}

// row is one fixture row: its values normalized per column kind.
type row struct {
	id     string // table/key=value,...: how state and diffs name the row
	where  map[string]any
	values map[string]any // column -> normalized value (secrets in plaintext)
	path   string         // table[i], for messages
}

// parseFixture reads Backend.AI's fixture JSON as it is, or the same in YAML, and
// checks every row against the row shapes of the release line.
func parseFixture(data, line string) (fixture, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(data), &doc); err != nil {
		return fixture{}, fmt.Errorf("data: not JSON or YAML: %w", err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return fixture{}, errors.New("data: a fixture is an object of tables, {\"users\": [...], ...}")
	}
	var f fixture
	var errs []error
	top := doc.Content[0]
	seen := map[string]bool{}
	for i := 0; i+1 < len(top.Content); i += 2 {
		name, value := top.Content[i].Value, top.Content[i+1]
		switch {
		case name == "__mode":
			switch value.Value {
			case "insert":
			case "update":
				f.update = true
			default:
				errs = append(errs, fmt.Errorf("data.__mode: %q is neither \"insert\" nor \"update\"", value.Value))
			}
			continue
		case strings.HasPrefix(name, "__"):
			errs = append(errs, fmt.Errorf("data.%s: unknown reserved key (only __mode is known)", name))
			continue
		}
		t, ok := tables[name]
		if !ok {
			errs = append(errs, fmt.Errorf("data.%s: unknown table (known: %s)", name, strings.Join(slices.Sorted(maps.Keys(tables)), ", ")))
			continue
		}
		if seen[name] {
			errs = append(errs, fmt.Errorf("data.%s: the table appears twice", name))
			continue
		}
		seen[name] = true
		var raw []map[string]any
		if err := value.Decode(&raw); err != nil {
			errs = append(errs, fmt.Errorf("data.%s: a list of rows (objects) is expected", name))
			continue
		}
		ft := fixtureTable{table: t}
		ids := map[string]bool{}
		for j, r := range raw {
			rw, err := newRow(t, line, j, r)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if ids[rw.id] {
				errs = append(errs, fmt.Errorf("%s: a second row for %s", rw.path, rw.id))
				continue
			}
			ids[rw.id] = true
			ft.rows = append(ft.rows, rw)
		}
		f.tables = append(f.tables, ft)
	}
	return f, errors.Join(errs...)
}

func newRow(t table, line string, index int, raw map[string]any) (row, error) {
	r := row{values: map[string]any{}, where: map[string]any{}, path: fmt.Sprintf("%s[%d]", t.name, index)}
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(raw)) {
		c, ok := t.column(name)
		if !ok {
			errs = append(errs, fmt.Errorf("%s.%s: no such column in %s (Backend.AI %s)", r.path, name, t.name, line))
			continue
		}
		if !t.has(name, line) {
			errs = append(errs, fmt.Errorf("%s.%s: Backend.AI %s has no such column (it comes with %s)", r.path, name, line, c.since))
			continue
		}
		v, err := normalize(c, raw[name])
		if err != nil {
			errs = append(errs, fmt.Errorf("%s.%s: %w", r.path, name, err))
			continue
		}
		r.values[name] = v
	}
	var id []string
	for _, k := range t.key {
		v, ok := r.values[k]
		if !ok && k != t.nullKey {
			errs = append(errs, fmt.Errorf("%s: the row has no %s, which identifies %s rows", r.path, k, t.name))
			continue
		}
		r.where[k] = v
		id = append(id, fmt.Sprintf("%s=%v", k, display(v)))
	}
	r.id = t.name + "/" + strings.Join(id, ",")
	return r, errors.Join(errs...)
}

func display(v any) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprint(v)
}

// normalize checks a fixture value against its column and brings it to the form the
// database returns, so that the two compare equal when they mean the same.
func normalize(c column, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch c.kind {
	case kText, kPassword, kSecret:
		s, ok := v.(string)
		if !ok && c.kind != kText {
			return nil, fmt.Errorf("the value is not a string") // a secret is never echoed
		}
		if !ok {
			return nil, fmt.Errorf("%v is not a string", v)
		}
		if len(c.values) > 0 && !slices.Contains(c.values, s) {
			return nil, fmt.Errorf("%q is not one of %s", s, strings.Join(c.values, ", "))
		}
		return s, nil
	case kBool:
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("%v is not true or false", v)
		}
		return b, nil
	case kInt:
		switch n := v.(type) {
		case int:
			return int64(n), nil
		case int64:
			return n, nil
		case float64:
			if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
				return int64(n), nil
			}
		case string: // Backend.AI's fixtures write big sizes as strings ("1073741824")
			if i, err := strconv.ParseInt(n, 10, 64); err == nil {
				return i, nil
			}
		}
		return nil, fmt.Errorf("%v is not an integer", v)
	case kUUID:
		s, ok := v.(string)
		u, err := uuid.Parse(s)
		if !ok || err != nil {
			return nil, fmt.Errorf("%v is not a UUID", v)
		}
		return u.String(), nil
	case kJSON:
		return canonicalJSON(v)
	case kTextArray:
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%v is not a list of strings", v)
		}
		out := make([]string, len(list))
		for i, item := range list {
			s, ok := item.(string)
			if !ok {
				return nil, fmt.Errorf("item %d: %v is not a string", i, item)
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown column kind %d", c.kind)
}

// canonicalJSON is the value's JSON text with sorted keys: jsonb forgets key order
// and spacing, so only the meaning is compared.
func canonicalJSON(v any) (string, error) {
	b, err := json.Marshal(jsonable(v))
	if err != nil {
		return "", fmt.Errorf("not JSON: %w", err)
	}
	var back any
	if err := json.Unmarshal(b, &back); err != nil {
		return "", err
	}
	b, err = json.Marshal(back)
	return string(b), err
}

// jsonable turns YAML's map[string]any trees (and map[any]any, if any) into JSON's.
func jsonable(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = jsonable(x)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[fmt.Sprint(k)] = jsonable(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = jsonable(x)
		}
		return out
	}
	return v
}

// masked is a row as state and previews show it: secret columns are replaced.
func (r row) masked(t table, secretsMatch map[string]bool) string {
	out := make(map[string]any, len(r.values))
	for k, v := range r.values {
		c, _ := t.column(k)
		switch {
		case c.kind != kPassword && c.kind != kSecret, v == nil:
			out[k] = v
		case secretsMatch == nil || secretsMatch[k]:
			out[k] = "[secret]"
		default:
			out[k] = "[secret, changed outside this stack]"
		}
	}
	b, _ := json.Marshal(out)
	return string(b)
}
