package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Namespace is the config namespace of the project (`backendai-cluster:<key>`).
const Namespace = "backendai-cluster"

// Load decodes a stack's configuration, fills defaults and validates it. get returns
// the raw value of a `backendai-cluster:<key>` config key (objects and arrays as JSON), and
// whether it is set. Every problem is reported, each with the field it is about.
func Load(get func(key string) (string, bool)) (Cluster, error) {
	var c Cluster
	var errs []error
	decode := func(key string, into any) {
		raw, ok := get(key)
		if !ok {
			return
		}
		if err := decodeStrict(raw, into); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", key, err))
		}
	}
	decode("nodes", &c.Nodes)
	decode("account", &c.Account)
	decode("limits", &c.Limits)
	decode("docker", &c.Docker)
	decode("halfstack", &c.Halfstack)
	decode("services", &c.Services)
	decode("fixtures", &c.Fixtures)
	c.Deploy, _ = get("deploy")
	c.Halfstack.DBPassword, _ = get("dbPassword")
	c.Secrets.StorageProxySecret, _ = get("storageProxySecret")
	c.Secrets.StorageProxyJWT, _ = get("storageProxyJWT")
	c.Version, _ = get("version")
	c.SSHPrivateKey, _ = get("sshPrivateKey")

	var rawSysctl map[string]any
	decode("sysctl", &rawSysctl)
	overrides, err := sysctlOverrides(rawSysctl)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return Cluster{}, configError(errs)
	}

	c.applyDefaults(overrides)
	if errs := c.Validate(); len(errs) > 0 {
		return Cluster{}, configError(errs)
	}
	return c, nil
}

func decodeStrict(raw string, into any) error {
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			if typeErr.Field == "" {
				return fmt.Errorf("expected %s, got %s", kindOf(typeErr.Type), typeErr.Value)
			}
			return fmt.Errorf("field %s: expected %s, got %s", typeErr.Field, kindOf(typeErr.Type), typeErr.Value)
		}
		return errors.New(strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
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
