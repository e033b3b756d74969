package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/agext/levenshtein"
)

// Namespace is the config namespace of the project (`backendai-cluster:<key>`).
const Namespace = "backendai-cluster"

// Keys are the config keys of the project's namespace; Pulumi.yaml describes each.
var Keys = []string{
	"nodes", "sshPrivateKey", "deploy", "dbPassword", "storageProxySecret", "storageProxyJWT", "tlsKey",
	"fixtures", "version", "account", "limits", "sysctl", "docker", "halfstack", "services", "agent", "images", "storage", "verify",
	"superadmin", "superadminSecretKey", "superadminPassword", "resourcePresets", "testCluster",
}

// Load decodes a stack's configuration, fills defaults and validates it. get returns
// the raw value of a `backendai-cluster:<key>` config key (objects and arrays as JSON), and
// whether it is set; set lists the keys the stack sets, in any namespace
// (`namespace:key`), so that a misspelt key of this project is refused rather than
// ignored. A default applies only where a key is absent: an explicit zero or empty
// value is checked like any other. Every problem is reported, each with its field.
func Load(get func(key string) (string, bool), set []string) (Cluster, error) {
	return loadCluster(get, set, false, WholeCluster)
}

// LoadApart is Load for a cluster whose secrets come apart from its settings (the
// Cluster component's inputs, which may be other resources' outputs): they are not
// read or checked here, but by CheckSecret once their values are known.
func LoadApart(get func(key string) (string, bool), set []string) (Cluster, error) {
	return loadCluster(get, set, true, WholeCluster)
}

// Plane is the part of a cluster that settings describe alone.
type Plane int

// The parts of a cluster.
const (
	// WholeCluster: the management node, the agents, the storage.
	WholeCluster Plane = iota
	// ManagementPlane: the manager's and the storage's nodes, and no agent; agents join
	// it from elsewhere (AgentNode, AgentPool).
	ManagementPlane
	// StoragePlane: storage nodes alone, which export their volumes to the clients
	// storage.clients names (SharedStorage).
	StoragePlane
)

// Plane is the part of a cluster c describes.
func (c Cluster) Plane() Plane { return c.plane }

// InPlane is c as the part p of a cluster (a cluster reference's settings, read back).
func (c Cluster) InPlane(p Plane) Cluster {
	c.plane = p
	return c
}

// LoadManagementPlane is LoadApart for a management plane alone (the ManagementNode
// component).
func LoadManagementPlane(get func(key string) (string, bool), set []string) (Cluster, error) {
	return loadCluster(get, set, true, ManagementPlane)
}

// LoadStoragePlane is LoadApart for storage nodes alone (the SharedStorage component).
func LoadStoragePlane(get func(key string) (string, bool), set []string) (Cluster, error) {
	return loadCluster(get, set, true, StoragePlane)
}

func loadCluster(get func(key string) (string, bool), set []string, secretsApart bool, plane Plane) (Cluster, error) {
	c := defaults()
	c.secretsApart, c.plane = secretsApart, plane
	var errs []error
	errs = append(errs, unknownKeys(set)...)
	decode := func(key string, into any) {
		if raw, ok := get(key); ok {
			errs = append(errs, decodeStrict(key, raw, into)...)
		}
	}
	str := func(key string, into *string) {
		if v, ok := get(key); ok {
			*into = v
		}
	}
	if raw, ok := get("nodes"); ok {
		nodes, nodeErrs := decodeNodes(raw)
		c.Nodes, errs = nodes, append(errs, nodeErrs...)
	}
	decode("account", &c.Account)
	decode("limits", &c.Limits)
	decode("docker", &c.Docker)
	decode("halfstack", &c.Halfstack)
	decode("services", &c.Services)
	decode("agent", &c.Agent)
	decode("images", &c.Images)
	decode("storage", &c.Storage)
	decode("verify", &c.Verify)
	decode("fixtures", &c.Fixtures)
	decode("superadmin", &c.Superadmin)
	decode("testCluster", &c.TestCluster)
	str("superadminSecretKey", &c.Superadmin.SecretKey)
	str("superadminPassword", &c.Superadmin.Password)
	decode("resourcePresets", &c.ResourcePresets)
	str("deploy", &c.Deploy)
	str("version", &c.Version)
	str("dbPassword", &c.Halfstack.DBPassword)
	str("storageProxySecret", &c.Secrets.StorageProxySecret)
	str("storageProxyJWT", &c.Secrets.StorageProxyJWT)
	str("tlsKey", &c.Secrets.TLSKey)
	str("sshPrivateKey", &c.SSHPrivateKey)

	var rawSysctl map[string]any
	decode("sysctl", &rawSysctl)
	overrides, err := sysctlOverrides(rawSysctl)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return Cluster{}, configError(errs)
	}
	c.FillDefaults()
	c.applySysctl(overrides)
	if errs := c.Validate(); len(errs) > 0 {
		return Cluster{}, configError(errs)
	}
	return c, nil
}

// unknownKeys refuses keys of the project's namespace that it does not know, naming
// the nearest known key.
func unknownKeys(set []string) []error {
	var errs []error
	for _, full := range slices.Sorted(slices.Values(set)) {
		key, ok := strings.CutPrefix(full, Namespace+":")
		if !ok || slices.Contains(Keys, key) {
			continue
		}
		errs = append(errs, fmt.Errorf("%s: unknown key%s", full, suggest(key, Keys)))
	}
	return errs
}

// suggest is Nearest, or else the known names.
func suggest(name string, known []string) string {
	if near := Nearest(name, known); near != "" {
		return near
	}
	return fmt.Sprintf(" (known: %s)", strings.Join(known, ", "))
}

// Nearest is ` (did you mean "x"?)` for the known name nearest to a misspelt one, or ""
// when none is near.
func Nearest(name string, known []string) string {
	best, bestDist := "", len(name)/3+2
	for _, k := range known {
		if d := levenshtein.Distance(strings.ToLower(name), strings.ToLower(k), nil); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// decodeNodes decodes each node on its own, so that every message names nodes[i].
// A node's SSH settings default to port 22 and root where absent, and its SSH host to
// its address.
func decodeNodes(raw string) ([]Node, []error) {
	var items []json.RawMessage
	if err := json.Unmarshal([]byte(raw), &items); err != nil {
		return nil, []error{errors.New("nodes: expected a list of nodes ({name, address, roles, ssh})")}
	}
	nodes := make([]Node, len(items))
	var errs []error
	for i, item := range items {
		field := fmt.Sprintf("nodes[%d]", i)
		n := Node{SSH: &SSH{Port: DefaultSSHPort, User: DefaultSSHUser}}
		if itemErrs := decodeStrict(field, string(item), &n); len(itemErrs) > 0 {
			errs = append(errs, itemErrs...)
			continue
		}
		var has struct {
			SSH *struct {
				Host *string `json:"host"`
			} `json:"ssh"`
		}
		_ = json.Unmarshal(item, &has) // decodeStrict has checked it
		if n.SSH == nil {              // "ssh: null"
			n.SSH = &SSH{Port: DefaultSSHPort, User: DefaultSSHUser}
		}
		if has.SSH == nil || has.SSH.Host == nil {
			n.SSH.Host = n.Address
		}
		nodes[i] = n
	}
	return nodes, errs
}

// decodeStrict decodes raw onto into (whose fields hold the defaults), refusing
// unknown fields and wrong types, each named by its path under field.
func decodeStrict(field, raw string, into any) []error {
	if err := json.Unmarshal([]byte(raw), into); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			at := field
			if typeErr.Field != "" {
				at += "." + typeErr.Field
			}
			return []error{fmt.Errorf("%s: expected %s, got %s", at, kindOf(typeErr.Type), typeErr.Value)}
		}
		return []error{fmt.Errorf("%s: %s", field, strings.TrimPrefix(err.Error(), "json: "))}
	}
	var tree any
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.UseNumber()
	if err := dec.Decode(&tree); err != nil {
		return []error{fmt.Errorf("%s: %w", field, err)}
	}
	return unknownFields(field, tree, reflect.TypeOf(into).Elem())
}

// unknownFields walks a decoded JSON tree beside the Go type it was decoded into and
// names every object key the type has no field for, with the nearest known field.
func unknownFields(path string, v any, t reflect.Type) []error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var errs []error
	switch v := v.(type) {
	case map[string]any:
		switch t.Kind() {
		case reflect.Map:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				errs = append(errs, unknownFields(path+"."+k, v[k], t.Elem())...)
			}
		case reflect.Struct:
			fields := map[string]reflect.Type{}
			var names []string
			for i := 0; i < t.NumField(); i++ {
				name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
				if name != "" && name != "-" {
					fields[name] = t.Field(i).Type
					names = append(names, name)
				}
			}
			for _, k := range slices.Sorted(maps.Keys(v)) {
				ft, ok := fields[k]
				if !ok {
					errs = append(errs, fmt.Errorf("%s.%s: unknown field%s", path, k, suggest(k, names)))
					continue
				}
				errs = append(errs, unknownFields(path+"."+k, v[k], ft)...)
			}
		}
	case []any:
		if t.Kind() == reflect.Slice {
			for i, item := range v {
				errs = append(errs, unknownFields(fmt.Sprintf("%s[%d]", path, i), item, t.Elem())...)
			}
		}
	}
	return errs
}

func kindOf(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	}
	return t.String()
}

// sysctlOverrides accepts strings and numbers (YAML writes `4096` as a number) and
// null, which drops a default key.
func sysctlOverrides(raw map[string]any) (map[string]*string, error) {
	out := make(map[string]*string, len(raw))
	var errs []error
	for k, v := range raw {
		switch v := v.(type) {
		case nil:
			out[k] = nil
		case string:
			out[k] = &v
		case float64:
			s := strconv.FormatFloat(v, 'f', -1, 64)
			out[k] = &s
		default:
			errs = append(errs, fmt.Errorf("sysctl.%s: value must be a string, a number or null, got %T", k, v))
		}
	}
	return out, errors.Join(errs...)
}

func configError(errs []error) error {
	lines := make([]string, len(errs))
	for i, e := range errs {
		lines[i] = "  " + e.Error()
	}
	return fmt.Errorf("invalid stack configuration (%d problem(s)):\n%s", len(errs), strings.Join(lines, "\n"))
}
